package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Search is what the search, suggest, indexer and reindex functions need.
type Search struct {
	Catalog
	OpenSearchURL string // OPENSEARCH_URL, required: http(s)://host[:port]
}

// LoadSearch reads the catalogue settings and OPENSEARCH_URL.
func LoadSearch(getenv Getenv) (Search, error) {
	c, err := LoadCatalog(getenv)
	if err != nil {
		return Search{}, err
	}
	s := Search{Catalog: c, OpenSearchURL: strings.TrimSpace(getenv("OPENSEARCH_URL"))}
	u, err := url.Parse(s.OpenSearchURL)
	if s.OpenSearchURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Search{}, fmt.Errorf("OPENSEARCH_URL %q: want http(s)://host[:port] (template parameter OpenSearchEndpoint)", s.OpenSearchURL)
	}
	return s, nil
}
