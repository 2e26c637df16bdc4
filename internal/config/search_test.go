package config

import "testing"

func TestLoadSearch(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:9200", true},
		{"https://search-x.eu-west-1.es.amazonaws.com", true},
		{"", false},
		{"127.0.0.1:9200", false},
		{"ftp://host", false},
	}
	for _, tt := range tests {
		env := map[string]string{"TABLE_NAME": "t", "OPENSEARCH_URL": tt.url}
		s, err := LoadSearch(func(k string) string { return env[k] })
		if (err == nil) != tt.ok || (tt.ok && s.OpenSearchURL != tt.url) {
			t.Errorf("%q: %+v %v", tt.url, s, err)
		}
	}
}
