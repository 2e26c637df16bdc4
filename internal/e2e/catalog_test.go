// Package e2e drives the foundation's promise end to end: real HTTP on the local API
// port (127.0.0.1:3000, as `make run` and `sam local start-api` serve it; BME_E2E_ADDR
// moves it), real tokens from the local Cognito, the real function binaries.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

func addr() string {
	if a := os.Getenv("BME_E2E_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:3000"
}

type client struct {
	t     testing.TB
	base  string
	token string
}

func (c client) do(method, path string, body any, headers map[string]string) (int, http.Header, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out)
	}
	return resp.StatusCode, resp.Header, out
}

func (c client) must(want int, method, path string, body any, headers map[string]string) (http.Header, map[string]any) {
	c.t.Helper()
	status, h, out := c.do(method, path, body, headers)
	if status != want {
		c.t.Fatalf("%s %s = %d %v, want %d", method, path, status, out, want)
	}
	return h, out
}

func TestCatalogueThroughTheLocalAPI(t *testing.T) {
	st := localtest.Stack(t, localtest.StackOptions{Addr: addr()})
	admin := client{t, st.BaseURL, st.Token(t, "e2e-catalogue-admin", true)}
	public := client{t, st.BaseURL, ""}

	_, venue := admin.must(201, "POST", "/admin/venues", map[string]any{
		"name": "Riverside Hall", "address": "1 Quay St", "city": "Bristol", "country": "GB", "capacity": 500,
	}, map[string]string{"Idempotency-Key": "e2e-venue"})
	starts := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Second)
	_, event := admin.must(201, "POST", "/admin/events", map[string]any{
		"name": "Night Train", "venue_id": venue["venue_id"], "category": "concert",
		"starts_at": starts.Format(time.RFC3339), "ends_at": starts.Add(3 * time.Hour).Format(time.RFC3339),
		"capacity": 200, "price": map[string]any{"amount": 4500, "currency": "GBP"},
	}, map[string]string{"Idempotency-Key": "e2e-event"})
	id := event["event_id"].(string)
	if event["status"] != "draft" {
		t.Fatalf("new event status = %v, want draft", event["status"])
	}
	public.must(404, "GET", "/events/"+id, nil, nil)

	_, published := admin.must(200, "POST", "/admin/events/"+id+"/publish", nil, nil)
	version := int64(published["version"].(float64))

	h, avail := public.must(200, "GET", "/events/"+id+"/availability", nil, nil)
	if avail["available"].(float64) != 200 || avail["status"] != "published" {
		t.Errorf("availability = %v", avail)
	}
	etag := h.Get("ETag")
	if etag != strconv.Quote(strconv.FormatInt(version, 10)) {
		t.Errorf("ETag = %q, want version %d", etag, version)
	}
	if status, _, _ := public.do("GET", "/events/"+id+"/availability", nil, map[string]string{"If-None-Match": etag}); status != 304 {
		t.Errorf("If-None-Match with the current ETag = %d, want 304", status)
	}

	// Racing admins: every PATCH carries the same version; exactly one may win.
	const racers = 8
	statuses := make([]int, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _, _ = admin.do("PATCH", "/admin/events/"+id, map[string]any{"name": fmt.Sprintf("Night Train %d", i)},
				map[string]string{"If-Match": strconv.FormatInt(version, 10)})
		}()
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case 200:
			won++
		case 412:
		default:
			t.Errorf("racing PATCH answered %d, want 200 or 412", s)
		}
	}
	if won != 1 {
		t.Errorf("%d racing PATCHes won, want exactly 1 (statuses %v)", won, statuses)
	}
	_, after := admin.must(200, "GET", "/admin/events/"+id, nil, nil)
	if got := int64(after["version"].(float64)); got != version+1 {
		t.Errorf("version after the race = %d, want %d", got, version+1)
	}

	// A stale If-Match changes nothing; a missing one is 428.
	status, _, body := admin.do("PATCH", "/admin/events/"+id, map[string]any{"name": "Stale"}, map[string]string{"If-Match": strconv.FormatInt(version, 10)})
	if status != 412 || body["error"].(map[string]any)["code"] != "version_conflict" {
		t.Errorf("stale If-Match = %d %v, want 412 version_conflict", status, body)
	}
	if status, _, _ := admin.do("PATCH", "/admin/events/"+id, map[string]any{"name": "No version"}, nil); status != 428 {
		t.Errorf("PATCH without If-Match = %d, want 428", status)
	}
	_, unchanged := admin.must(200, "GET", "/admin/events/"+id, nil, nil)
	if unchanged["version"] != after["version"] || unchanged["name"] != after["name"] {
		t.Errorf("rejected PATCHes changed the event: %v -> %v", after, unchanged)
	}
}
