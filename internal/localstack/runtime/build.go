// Package runtime runs Lambda functions locally the way Lambda runs a provided.al2023
// function: the function's own bootstrap binary (built for this machine from the same
// package that deploys) talks to a Lambda Runtime API served here, one invocation at a
// time per instance, with warm instances reused and the function's timeout enforced.
package runtime

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// BinaryPath is where Build puts a function's bootstrap: <dir>/<kebab>/bootstrap.
func BinaryPath(buildDir string, fn template.Function) string {
	return filepath.Join(buildDir, filepath.Base(fn.Dir), "bootstrap")
}

// Build compiles every function's bootstrap for this machine with -tags lambda.norpc, as
// the deploy build does, at most one go build per core. go build relinks only what
// changed, so a second start is quick. Functions that fail to build are reported in the
// error and left out; the others are still built.
func Build(ctx context.Context, root, buildDir string, fns []template.Function, log io.Writer) (built []template.Function, err error) {
	var (
		mu     sync.Mutex
		failed []string
		wg     sync.WaitGroup
		slots  = make(chan struct{}, runtime.NumCPU())
		ok     = make([]bool, len(fns))
	)
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			out := BinaryPath(buildDir, fn)
			cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-o", out, "./"+fn.Dir)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				mu.Lock()
				defer mu.Unlock()
				failed = append(failed, fn.LogicalID)
				fmt.Fprintf(log, "build %s (./%s) failed: %v\n%s", fn.LogicalID, fn.Dir, err, indent(stderr.String()))
				return
			}
			ok[i] = true
		}()
	}
	wg.Wait()
	for i, fn := range fns {
		if ok[i] {
			built = append(built, fn)
		}
	}
	if len(failed) > 0 {
		return built, fmt.Errorf("%d function(s) did not build: %s", len(failed), strings.Join(failed, ", "))
	}
	return built, nil
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}
