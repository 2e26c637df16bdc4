package opensearch

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestForTestStartsAHealthyNode(t *testing.T) {
	url := ForTest(t)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"number" : "`+Version+`"`) {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
}
