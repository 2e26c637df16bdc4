package search

import "testing"

func TestSigningService(t *testing.T) {
	for url, want := range map[string]string{
		"https://search-bme-abc123.eu-west-1.es.amazonaws.com": "es",
		"https://abc123.us-east-1.aoss.amazonaws.com":          "aoss",
		"http://127.0.0.1:9200":                                "",
		"https://search.example.com":                           "",
		"https://es.amazonaws.com.evil.example":                "",
	} {
		if got := signingService(url); got != want {
			t.Errorf("%s: %q, want %q", url, got, want)
		}
	}
}
