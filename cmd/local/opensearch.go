package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/bookmyevent/bookmyevent/internal/localstack/opensearch"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// startOpenSearch runs the local search node that stands in for the template's
// OpenSearchEndpoint. Its console output goes to .local/opensearch/node.log (the node
// inherits the file, so closing ours once it runs is fine).
func startOpenSearch(ctx context.Context) (*opensearch.Node, error) {
	var logw io.Writer = io.Discard
	if p, err := workspace.Local("opensearch", "node.log"); err == nil {
		if f, err := os.Create(p); err == nil {
			defer f.Close()
			logw = f
		}
	}
	n, err := opensearch.Start(ctx, opensearch.Options{Log: logw})
	if err != nil {
		return nil, fmt.Errorf("opensearch: %w", err)
	}
	fmt.Fprintf(os.Stderr, "local: OpenSearch %s at %s\n", opensearch.Version, n.URL)
	return n, nil
}
