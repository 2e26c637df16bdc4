package child

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// ForTest shares one child between the tests of a test binary: the one cmd/local exec
// runs when env names its URL, else one started on first use and killed with the
// binary. It fails the test, never skips it, when the child cannot run: a test that
// needs a real service must not pass without it.
type ForTest struct {
	once sync.Once
	url  string
	err  error
}

// URL returns the child's URL, calling start once, with a log file under
// .local/<logDir...>/<pid>-test.log so the child's console stays out of test output.
func (f *ForTest) URL(t testing.TB, what, env string, logDir []string, start func(log io.Writer) (string, error)) string {
	t.Helper()
	f.once.Do(func() {
		if u := os.Getenv(env); u != "" {
			f.url = u
			return
		}
		f.url, f.err = start(testLog(logDir))
	})
	if f.err != nil {
		t.Fatalf("%s: cannot start: %v", what, f.err)
	}
	return f.url
}

func testLog(dir []string) io.Writer {
	p, err := workspace.Local(append(dir, strconv.Itoa(os.Getpid())+"-test.log")...)
	if err != nil {
		return io.Discard
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return io.Discard
	}
	f, err := os.Create(p)
	if err != nil {
		return io.Discard
	}
	return f
}
