package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var indexPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Search is what the search, suggest, indexer and reindex functions need.
type Search struct {
	Catalog
	OpenSearchURL string        // OPENSEARCH_URL, required: http(s)://host[:port]
	Index         string        // SEARCH_INDEX: the alias to read and write; empty: search.DefaultAlias
	Timeout       time.Duration // SEARCH_TIMEOUT: one search or suggest call's bound; empty: search's default
}

// LoadSearch reads the catalogue settings and OPENSEARCH_URL.
func LoadSearch(getenv Getenv) (Search, error) {
	c, err := LoadCatalog(getenv)
	if err != nil {
		return Search{}, err
	}
	s := Search{Catalog: c, OpenSearchURL: strings.TrimSpace(getenv("OPENSEARCH_URL")), Index: getenv("SEARCH_INDEX")}
	if s.Index != "" && !indexPattern.MatchString(s.Index) {
		return Search{}, fmt.Errorf("SEARCH_INDEX %q: want lower-case letters, digits, - and _", s.Index)
	}
	if v := strings.TrimSpace(getenv("SEARCH_TIMEOUT")); v != "" {
		if s.Timeout, err = time.ParseDuration(v); err != nil || s.Timeout <= 0 {
			return Search{}, fmt.Errorf("SEARCH_TIMEOUT %q: want a positive duration such as 2s", v)
		}
	}
	u, err := url.Parse(s.OpenSearchURL)
	if s.OpenSearchURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Search{}, fmt.Errorf("OPENSEARCH_URL %q: want http(s)://host[:port] (template parameter OpenSearchEndpoint)", s.OpenSearchURL)
	}
	return s, nil
}
