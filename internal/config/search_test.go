package config

import "testing"

func TestLoadSearch(t *testing.T) {
	tests := []struct {
		url, index, wantIndex string
		ok                    bool
	}{
		{"http://127.0.0.1:9200", "", "", true},
		{"https://search-x.eu-west-1.es.amazonaws.com", "stack-1", "stack-1", true},
		{"", "", "", false},
		{"127.0.0.1:9200", "", "", false},
		{"ftp://host", "", "", false},
		{"http://127.0.0.1:9200", "Events", "", false},
	}
	for _, tt := range tests {
		env := map[string]string{"TABLE_NAME": "t", "OPENSEARCH_URL": tt.url, "SEARCH_INDEX": tt.index}
		s, err := LoadSearch(func(k string) string { return env[k] })
		if (err == nil) != tt.ok || (tt.ok && (s.OpenSearchURL != tt.url || s.Index != tt.wantIndex)) {
			t.Errorf("%q %q: %+v %v", tt.url, tt.index, s, err)
		}
	}
}
