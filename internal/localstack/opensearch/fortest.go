package opensearch

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

// ForTest returns the URL of an OpenSearch node for tests. It uses OPENSEARCH_URL when
// the local stack set it (make test), else it starts one node per test binary, shared by
// its tests and killed with it. It fails the test, never skips it, when no node can run.
// Tests share the node, so each should use its own index names.
func ForTest(t testing.TB) string {
	t.Helper()
	testOnce.Do(func() {
		if u := os.Getenv("OPENSEARCH_URL"); u != "" {
			testURL = u
			return
		}
		var n *Node
		n, testErr = Start(context.Background(), Options{Log: testLog()})
		if testErr == nil {
			testURL = n.URL
		}
	})
	if testErr != nil {
		t.Fatalf("opensearch: cannot start a local node: %v", testErr)
	}
	return testURL
}

// testLog keeps the node's console output out of test output, in a file named after the
// test binary so removeStaleRuns deletes it once that binary has gone.
func testLog() io.Writer {
	p, err := workspace.Local("opensearch", "run", strconv.Itoa(os.Getpid())+"-test.log")
	if err != nil {
		return io.Discard
	}
	f, err := os.Create(filepath.Clean(p))
	if err != nil {
		return io.Discard
	}
	return f
}
