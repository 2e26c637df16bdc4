package stripemock

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

var (
	testOnce sync.Once
	testURL  string
	testErr  error
)

// ForTest returns the base URL of a stripe-mock front for tests: BME_STRIPE_URL when
// cmd/local exec set it, else one started per test binary and killed with it. It fails
// the test, never skips it, when stripe-mock cannot run.
func ForTest(t testing.TB) string {
	t.Helper()
	testOnce.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			testURL = u
			return
		}
		var s *Server
		s, testErr = Start(context.Background(), Options{Log: testLog()})
		if testErr == nil {
			testURL = s.URL
		}
	})
	if testErr != nil {
		t.Fatalf("stripe-mock: cannot start: %v", testErr)
	}
	return testURL
}

// testLog keeps stripe-mock's console out of test output, in a file per test binary.
func testLog() io.Writer {
	p, err := workspace.Local("stripe-mock", strconv.Itoa(os.Getpid())+"-test.log")
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
