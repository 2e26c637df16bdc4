package search_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// client calls the local stack's HTTP API.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (c client) ok(method, path string, body any) map[string]any {
	c.t.Helper()
	status, out := c.do(method, path, body)
	if status >= 300 {
		c.t.Fatalf("%s %s: %d %v", method, path, status, out)
	}
	return out
}

func (c client) search(query url.Values) map[string]any {
	c.t.Helper()
	return c.ok("GET", "/events/search?"+query.Encode(), nil)
}

// until asks again until ok holds; the bound only keeps a broken pipeline from hanging
// the test (nothing here is a timing assertion).
func until(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("gave up waiting: %s", what)
}

// TestSearchThroughTheLocalStack drives the real path end to end: admin routes write the
// table, the template's pipe carries stream records to the index queue, the SQS poller
// invokes the indexer binary, and the public search routes read OpenSearch.
func TestSearchThroughTheLocalStack(t *testing.T) {
	st := localtest.Stack(t, localtest.StackOptions{})
	admin := client{t: t, base: st.BaseURL, token: st.Token(t, "search-admin", true)}
	public := client{t: t, base: st.BaseURL}
	run := fmt.Sprintf("z%d", time.Now().UnixNano()%1e9) // a word only this run's events carry

	cities := []string{"Austin", "Lisbon"}
	venues := map[string]string{}
	for _, c := range cities {
		v := admin.ok("POST", "/admin/venues", map[string]any{"name": c + " Hall", "address": "1 Main St", "city": c, "country": "US", "capacity": 5000})
		venues[c] = v["venue_id"].(string)
	}
	start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
	var ids []string
	for i := 0; i < 200; i++ {
		s := start.Add(time.Duration(i) * time.Hour)
		e := admin.ok("POST", "/admin/events", map[string]any{
			"name": fmt.Sprintf("%s Orchestra %d", run, i), "category": []string{"classical", "jazz"}[i%2],
			"venue_id": venues[cities[i%2]], "starts_at": s.Format(time.RFC3339), "ends_at": s.Add(2 * time.Hour).Format(time.RFC3339),
			"capacity": 100, "price": map[string]any{"amount": 1000 + 10*i, "currency": "USD"},
		})
		id := e["event_id"].(string)
		if i < 199 { // the last one stays a draft
			admin.ok("POST", "/admin/events/"+id+"/publish", nil)
		}
		ids = append(ids, id)
	}
	until(t, "199 published events searchable", func() bool {
		return public.search(url.Values{"q": {run}, "limit": {"1"}})["total"] == float64(199)
	})

	t.Run("text with a typo, filters, sort and cursor pages", func(t *testing.T) {
		r := public.search(url.Values{"q": {run + " orchestr 42"}})
		if items := r["items"].([]any); len(items) == 0 || items[0].(map[string]any)["event_id"] != ids[42] {
			t.Fatalf("first hit is not event 42: %v", r["items"])
		}
		seen := map[string]bool{}
		cursor, last := "", -1.0
		for pages := 0; pages < 20; pages++ {
			r := public.search(url.Values{"q": {run}, "city": {"lisbon"}, "category": {"jazz"}, "sort": {"price"}, "limit": {"30"}, "cursor": {cursor}})
			for _, it := range r["items"].([]any) {
				h := it.(map[string]any)
				price := h["price"].(map[string]any)["amount"].(float64)
				if h["venue"].(map[string]any)["city"] != "Lisbon" || h["category"] != "jazz" || price < last || seen[h["event_id"].(string)] {
					t.Fatalf("bad hit on page %d: %v", pages, h)
				}
				seen[h["event_id"].(string)], last = true, price
			}
			if r["next_cursor"] == nil {
				break
			}
			cursor = r["next_cursor"].(string)
		}
		if len(seen) != 99 { // odd i up to 197 are Lisbon jazz; 199 is the draft
			t.Fatalf("cursor pages visited %d of 99", len(seen))
		}
	})
	t.Run("a draft is never found", func(t *testing.T) {
		if r := public.search(url.Values{"q": {run + " orchestra 199"}}); strings.Contains(fmt.Sprint(r["items"]), ids[199]) {
			t.Fatalf("draft found: %v", r["items"])
		}
	})
	t.Run("suggestions", func(t *testing.T) {
		r := public.ok("GET", "/events/suggest?q="+run, nil)
		if len(r["suggestions"].([]any)) == 0 {
			t.Fatalf("%v", r)
		}
	})
	t.Run("cancelling removes it", func(t *testing.T) {
		admin.ok("POST", "/admin/events/"+ids[7]+"/cancel", nil)
		until(t, "the cancelled event gone", func() bool {
			return public.search(url.Values{"q": {run}, "limit": {"1"}})["total"] == float64(198)
		})
	})
	t.Run("the admin reindex rebuilds the index", func(t *testing.T) {
		r := admin.ok("POST", "/admin/search/reindex", nil)
		if r["written"].(float64) < 199 {
			t.Fatalf("%v", r)
		}
		if got := public.search(url.Values{"q": {run}, "limit": {"1"}})["total"]; got != float64(198) {
			t.Fatalf("after reindex: %v", got)
		}
	})
}

// An event with ticket types reaches the index with its types' price range through the
// stream pipe, and a budget that only its dearer type fits finds it.
func TestTicketTypePricesThroughTheLocalStack(t *testing.T) {
	st := localtest.Stack(t, localtest.StackOptions{})
	admin := client{t: t, base: st.BaseURL, token: st.Token(t, "search-types-admin", true)}
	public := client{t: t, base: st.BaseURL}
	run := fmt.Sprintf("y%d", time.Now().UnixNano()%1e9)
	v := admin.ok("POST", "/admin/venues", map[string]any{"name": "Hall", "address": "1 Main St", "city": "Austin", "country": "US", "capacity": 500})
	s := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
	e := admin.ok("POST", "/admin/events", map[string]any{
		"name": run + " Gala", "category": "jazz", "venue_id": v["venue_id"], "capacity": 100,
		"starts_at": s.Format(time.RFC3339), "ends_at": s.Add(2 * time.Hour).Format(time.RFC3339),
		"ticket_types": []map[string]any{
			{"name": "General", "price": map[string]any{"amount": 2000, "currency": "USD"}, "capacity": 80},
			{"name": "VIP", "price": map[string]any{"amount": 15000, "currency": "USD"}, "capacity": 20},
			{"name": "Crew", "price": map[string]any{"amount": 50000, "currency": "USD"}, "capacity": 5, "hidden": true},
		},
	})
	admin.ok("POST", "/admin/events/"+e["event_id"].(string)+"/publish", nil)
	until(t, "the typed event searchable", func() bool {
		return public.search(url.Values{"q": {run}})["total"] == float64(1)
	})
	r := public.search(url.Values{"q": {run}, "min_price": {"10000"}, "max_price": {"20000"}})
	items := r["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("budget 100..200 found %v", r["items"])
	}
	h := items[0].(map[string]any)
	if h["min_price"] != float64(2000) || h["max_price"] != float64(15000) {
		t.Fatalf("hit %v", h)
	}
	// The hidden type's price is nobody's budget.
	if r := public.search(url.Values{"q": {run}, "min_price": {"40000"}}); r["total"] != float64(0) {
		t.Fatalf("a hidden type's price matched: %v", r["items"])
	}
}
