package opensearch

import (
	"context"
	"io"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/localstack/child"
)

var shared child.ForTest

// ForTest returns the URL of an OpenSearch node for tests: OPENSEARCH_URL when the local
// stack set it (make test), else one node per test binary, shared by its tests and
// killed with it. Tests share the node, so each should use its own index names. The log
// is named after the test binary so removeStaleRuns deletes it once that binary has gone.
func ForTest(t testing.TB) string {
	t.Helper()
	return shared.URL(t, "opensearch", "OPENSEARCH_URL", []string{"opensearch", "run"}, func(log io.Writer) (string, error) {
		n, err := Start(context.Background(), Options{Log: log})
		if err != nil {
			return "", err
		}
		return n.URL, nil
	})
}
