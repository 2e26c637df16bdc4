package system

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"

	"github.com/bookmyevent/bookmyevent/internal/localstack/opensearch"
)

// searchParam is the template parameter the search functions read OPENSEARCH_URL from;
// indexParam names their alias.
const (
	searchParam = "OpenSearchEndpoint"
	indexParam  = "SearchIndex"
)

// startSearch points the template's OpenSearchEndpoint at a local OpenSearch node: the
// one the caller named (--param), the one local exec runs (OPENSEARCH_URL), or a new one
// that lives as long as the stack. Stacks sharing a node (test binaries under make test)
// each get their own alias, named after the stack.
func (sys *System) startSearch(ctx context.Context, opts *Options, out io.Writer) error {
	params := maps.Clone(opts.Params)
	if params == nil {
		params = map[string]string{}
	}
	opts.Params = params
	if params[indexParam] == "" {
		params[indexParam] = strings.ToLower(opts.StackName)
	}
	if params[searchParam] != "" {
		return nil
	}
	url := os.Getenv("OPENSEARCH_URL")
	if url == "" {
		n, err := opensearch.StartLogged(ctx)
		if err != nil {
			return err
		}
		sys.stops = append(sys.stops, n.Stop)
		url = n.URL
		fmt.Fprintf(out, "local: OpenSearch %s at %s\n", opensearch.Version, url)
	}
	params[searchParam] = url
	return nil
}
