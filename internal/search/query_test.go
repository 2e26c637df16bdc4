package search

import (
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

var now = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)

func params(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParseQuery(t *testing.T) {
	cursor := encodeCursor(ByPrice, []any{1500, "2027-02-01T00:00:00Z", "abc"})
	tests := []struct {
		name     string
		get      func(string) string
		badField string
		check    func(t *testing.T, q Query)
	}{
		{"defaults", params(), "", func(t *testing.T, q Query) {
			if q.Sort != ByRelevance || q.Limit != DefaultLimit || !q.From.Equal(now) || !q.To.IsZero() || q.Available {
				t.Errorf("defaults: %+v", q)
			}
		}},
		{"all filters", params("q", " jazz ", "city", "Berlin", "category", "live-music", "from", "2027-02-01T00:00:00+01:00",
			"to", "2027-03-01T00:00:00Z", "min_price", "1000", "max_price", "5000", "available", "true", "sort", "price", "limit", "50"), "",
			func(t *testing.T, q Query) {
				if q.Text != "jazz" || q.City != "Berlin" || *q.MinPrice != 1000 || *q.MaxPrice != 5000 || !q.Available ||
					q.Sort != ByPrice || q.Limit != 50 || q.From.Location() != time.UTC || q.From.Hour() != 23 {
					t.Errorf("parsed: %+v", q)
				}
			}},
		{"cursor of the same sort", params("sort", "price", "cursor", cursor), "", func(t *testing.T, q Query) {
			if len(q.After) != 3 {
				t.Errorf("after: %v", q.After)
			}
		}},
		{"cursor of another sort", params("sort", "starts_at", "cursor", cursor), "cursor", nil},
		{"garbage cursor", params("cursor", "!!"), "cursor", nil},
		{"bad sort", params("sort", "popularity"), "sort", nil},
		{"limit too big", params("limit", "101"), "limit", nil},
		{"limit not a number", params("limit", "ten"), "limit", nil},
		{"negative price", params("min_price", "-1"), "min_price", nil},
		{"fractional price", params("max_price", "12.50"), "max_price", nil},
		{"max below min", params("min_price", "500", "max_price", "100"), "max_price", nil},
		{"bad time", params("from", "tomorrow"), "from", nil},
		{"to before from", params("from", "2027-03-01T00:00:00Z", "to", "2027-02-01T00:00:00Z"), "to", nil},
		{"bad available", params("available", "yes"), "available", nil},
		{"long q", params("q", strings.Repeat("a", maxQueryLen+1)), "q", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.get, now)
			if tt.badField != "" {
				fe, ok := fault.As(err)
				if !ok || fe.Code != fault.Validation || fe.Fields[tt.badField] == "" {
					t.Fatalf("want a validation error on %s, got %v", tt.badField, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, q)
		})
	}
}

func TestParseSuggest(t *testing.T) {
	tests := []struct {
		get      func(string) string
		prefix   string
		limit    int
		badField string
	}{
		{params("q", " roc "), "roc", DefaultSuggest, ""},
		{params("q", "r", "limit", "20"), "r", 20, ""},
		{params(), "", 0, "q"},
		{params("q", "rock", "limit", "0"), "", 0, "limit"},
	}
	for _, tt := range tests {
		prefix, limit, err := ParseSuggest(tt.get)
		if tt.badField != "" {
			if fe, ok := fault.As(err); !ok || fe.Fields[tt.badField] == "" {
				t.Errorf("want a validation error on %s, got %v", tt.badField, err)
			}
			continue
		}
		if err != nil || prefix != tt.prefix || limit != tt.limit {
			t.Errorf("got %q %d %v, want %q %d", prefix, limit, err, tt.prefix, tt.limit)
		}
	}
}

func TestChangeFor(t *testing.T) {
	e := catalog.Event{ID: "e1", Name: "Rock  Night Live", Status: catalog.Published, Version: 4, Capacity: 10,
		Venue: catalog.VenueSummary{Name: "Hall", City: "Berlin"}, StartsAt: now, Price: catalog.Money{Amount: 1500, Currency: "USD"}}
	tests := []struct {
		name    string
		status  catalog.Status
		avail   int64
		waiting int64
		ok      bool
		check   func(t *testing.T, c Change)
	}{
		{"published", catalog.Published, 3, 0, true, func(t *testing.T, c Change) {
			if c.Version != 4 || c.Doc.Status != catalog.Published || c.Doc.City != "Berlin" || c.Doc.SoldOut || c.Doc.Available != 3 {
				t.Errorf("doc: %+v", c.Doc)
			}
			if got := strings.Join(c.Doc.Suggest, "|"); got != "Rock Night Live|Night Live|Live" {
				t.Errorf("suggest inputs: %s", got)
			}
		}},
		{"sold out stays indexed", catalog.Published, 0, 0, true, func(t *testing.T, c Change) {
			if !c.Doc.SoldOut {
				t.Errorf("sold_out not set: %+v", c.Doc)
			}
		}},
		{"free seats belong to the waitlist", catalog.Published, 3, 2, true, func(t *testing.T, c Change) {
			if !c.Doc.SoldOut || c.Doc.Available != 0 {
				t.Errorf("with people waiting: %+v", c.Doc)
			}
		}},
		{"cancelled is a tombstone", catalog.Cancelled, 3, 0, true, func(t *testing.T, c Change) {
			if c.Doc.Status != catalog.Cancelled || c.Doc.Name != "" || c.Doc.Suggest != nil || c.Version != 4 {
				t.Errorf("tombstone: %+v", c.Doc)
			}
		}},
		{"draft is not indexed", catalog.Draft, 3, 0, false, nil},
		{"sharded: versioned by the event's and its shards' versions", catalog.Published, 3, 0, true, func(t *testing.T, c Change) {
			if c.Version != 4+37 || c.Doc.Version != 4 || c.Doc.Available != 3 {
				t.Errorf("sharded: version %d, doc %+v", c.Version, c.Doc)
			}
		}},
		{"sharded and cancelled: the tombstone too", catalog.Cancelled, 3, 0, true, func(t *testing.T, c Change) {
			if c.Version != 4+37 || c.Doc.Status != catalog.Cancelled {
				t.Errorf("sharded tombstone: version %d, doc %+v", c.Version, c.Doc)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := e
			ev.Status, ev.Available, ev.Waiting = tt.status, tt.avail, tt.waiting
			if strings.HasPrefix(tt.name, "sharded") {
				ev.InventoryShards, ev.InventoryVersion = 4, 37
			}
			c, ok := ChangeFor(ev)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			if ok {
				tt.check(t, c)
			}
		})
	}
}

func TestTextQueryRequiresEveryWordUpToThree(t *testing.T) {
	q := textQuery("jazz  in berlin")
	should := q["bool"].(map[string]any)["should"].([]any)
	if len(should) != 3 {
		t.Fatalf("one clause per word, got %d", len(should))
	}
}
