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

// BinaryPath is where Build puts a function's bootstrap: <dir>/<kebab>, the name one
// `go build -o <dir>/` of many main packages gives each.
func BinaryPath(buildDir string, fn template.Function) string {
	return filepath.Join(buildDir, filepath.Base(fn.Dir))
}

// Build compiles every function's bootstrap for this machine with -tags lambda.norpc, as
// the deploy build does. One go build for all of them is fastest (packages load once;
// unchanged binaries are not relinked, so a second start takes under a second). When
// that fails, each function is built on its own, at most one per core, so the ones that
// compile still run; the others are named in the error.
func Build(ctx context.Context, root, buildDir string, fns []template.Function, log io.Writer) (built []template.Function, err error) {
	args := []string{"build", "-tags", "lambda.norpc", "-o", buildDir + string(filepath.Separator)}
	for _, fn := range fns {
		args = append(args, "./"+fn.Dir)
		// An earlier layout kept <kebab>/bootstrap; go build refuses to overwrite a folder.
		if st, err := os.Stat(BinaryPath(buildDir, fn)); err == nil && st.IsDir() {
			_ = os.RemoveAll(BinaryPath(buildDir, fn))
		}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if cmd.Run() == nil {
		return fns, nil
	}
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
