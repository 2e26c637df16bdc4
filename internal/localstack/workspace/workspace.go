// Package workspace finds the project's root folder, so the local stack and tests find
// template.yaml, functions/ and the git-ignored .local/ folder from any package directory.
package workspace

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Module is the project's Go module path; the root is the folder whose go.mod declares it.
const Module = "github.com/bookmyevent/bookmyevent"

var (
	rootOnce sync.Once
	root     string
	rootErr  error
)

// Root returns the project's root folder, searching upwards from the working directory
// (go test runs each package in its own folder).
func Root() (string, error) {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if declaresModule(filepath.Join(dir, "go.mod")) {
				root = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = errors.New("workspace: no go.mod for " + Module + " above the working directory")
				return
			}
			dir = parent
		}
	})
	return root, rootErr
}

func declaresModule(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == Module
		}
	}
	return false
}

// Local returns a path under the root's git-ignored .local/ folder, creating the parent.
func Local(elem ...string) (string, error) {
	r, err := Root()
	if err != nil {
		return "", err
	}
	p := filepath.Join(append([]string{r, ".local"}, elem...)...)
	return p, os.MkdirAll(filepath.Dir(p), 0o755)
}

// Template returns the path of template.yaml.
func Template() (string, error) {
	r, err := Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(r, "template.yaml"), nil
}
