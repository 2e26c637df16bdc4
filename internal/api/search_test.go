package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/localstack/opensearch"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/search"
)

// searchRoutes are the search functions' handlers on a fresh table and index.
type searchRoutes struct {
	svc                      *catalog.Service
	ix                       *search.Index
	search, suggest, reindex api.LambdaHandler
}

func newSearchRoutes(t *testing.T) searchRoutes {
	t.Helper()
	db, table := localtest.Table(t)
	store := dynamo.New(db, table)
	// A loaded test machine can take longer than the deployed 2 s bound; the bound itself is
	// tested below against a node that does not answer.
	ix, err := search.New(search.Config{URL: opensearch.ForTest(t), Alias: strings.ToLower(localtest.UniqueName(t, 60)),
		Timeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return searchRoutes{svc: catalog.NewService(store, time.Now), ix: ix,
		search:  api.Wrap(api.Public, api.SearchEvents(ix)),
		suggest: api.Wrap(api.Public, api.SuggestEvents(ix)),
		reindex: api.Wrap(api.Admin, api.ReindexEvents(ix, store)),
	}
}

func TestSearchRoutes(t *testing.T) {
	r := newSearchRoutes(t)
	ctx := context.Background()
	v, err := r.svc.CreateVenue(ctx, "admin", "", catalog.VenueInput{Name: "Mohawk", Address: "912 Red River St", City: "Austin", Country: "US", Capacity: 900})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
	for i, name := range []string{"Jazz Brunch", "Jazz Night", "Draft Jazz"} {
		e, err := r.svc.CreateEvent(ctx, "admin", "", catalog.EventInput{Name: name, Category: "live-music", VenueID: v.ID,
			StartsAt: start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339), EndsAt: start.Add(5 * time.Hour).Format(time.RFC3339),
			Capacity: 50, Price: &catalog.Money{Amount: int64(2000 + 1000*i), Currency: "USD"}})
		if err != nil {
			t.Fatal(err)
		}
		if name != "Draft Jazz" {
			if _, err := r.svc.Publish(ctx, e.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The admin route rebuilds the index from the table.
	a := call(t, r.reindex, req{who: "admin"})
	expect(t, a, http.StatusOK, "")
	if a.body["events"] != float64(3) || a.body["written"] != float64(2) {
		t.Fatalf("reindex answered %s", a.raw)
	}
	expect(t, call(t, r.reindex, req{who: "user"}), http.StatusForbidden, "forbidden")

	tests := []struct {
		name   string
		h      api.LambdaHandler
		query  map[string]string
		status int
		code   string
		check  func(t *testing.T, body map[string]any)
	}{
		{"search with a typo, filters and facets", r.search, map[string]string{"q": "jaz", "city": "austin", "sort": "price"}, 200, "",
			func(t *testing.T, body map[string]any) {
				items := body["items"].([]any)
				if body["total"] != float64(2) || len(items) != 2 || items[0].(map[string]any)["name"] != "Jazz Brunch" {
					t.Fatalf("%v", body)
				}
				first := items[0].(map[string]any)
				if _, ok := first["score"]; !ok || first["sold_out"] != false || first["price"].(map[string]any)["currency"] != "USD" {
					t.Fatalf("item %v", first)
				}
				f := body["facets"].(map[string]any)
				if fmt.Sprint(f["cities"]) != "[map[count:2 value:Austin]]" || f["price"].(map[string]any)["max"].(map[string]any)["amount"] != float64(3000) {
					t.Fatalf("facets %v", f)
				}
			}},
		{"cursor pages", r.search, map[string]string{"limit": "1"}, 200, "", func(t *testing.T, body map[string]any) {
			if body["next_cursor"] == nil {
				t.Fatalf("no cursor: %v", body)
			}
		}},
		{"bad input is a 400 naming the field", r.search, map[string]string{"limit": "0", "sort": "hot"}, 400, "validation_failed",
			func(t *testing.T, body map[string]any) {
				fields := body["error"].(map[string]any)["fields"].(map[string]any)
				if fields["limit"] == nil || fields["sort"] == nil {
					t.Fatalf("%v", body)
				}
			}},
		{"suggestions are published names only", r.suggest, map[string]string{"q": "ja"}, 200, "", func(t *testing.T, body map[string]any) {
			if fmt.Sprint(body["suggestions"]) == "" || len(body["suggestions"].([]any)) != 2 {
				t.Fatalf("%v", body)
			}
		}},
		{"suggest needs q", r.suggest, nil, 400, "validation_failed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, tt.h, req{query: tt.query})
			expect(t, a, tt.status, tt.code)
			if tt.check != nil {
				tt.check(t, a.body)
			}
		})
	}
}

// With OpenSearch down, search and suggest answer 503 search_unavailable with Retry-After
// (connections to a closed port are refused at once; the handlers also bound each call).
func TestSearchWhenOpenSearchIsDown(t *testing.T) {
	ix, err := search.New(search.Config{URL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []api.LambdaHandler{api.Wrap(api.Public, api.SearchEvents(ix)), api.Wrap(api.Public, api.SuggestEvents(ix))} {
		a := call(t, h, req{query: map[string]string{"q": "jazz"}})
		expect(t, a, http.StatusServiceUnavailable, "search_unavailable")
		if a.headers["Retry-After"] != "1" {
			t.Fatalf("Retry-After = %q", a.headers["Retry-After"])
		}
	}
}

// TestSearchSampleEvents invokes the search functions' events/<name>.json on an empty
// table and index: each must answer without a 5xx.
func TestSearchSampleEvents(t *testing.T) {
	r := newSearchRoutes(t)
	for name, h := range map[string]api.LambdaHandler{"search-events": r.search, "suggest-events": r.suggest, "reindex-events": r.reindex} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "events", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatal(err)
			}
			out, err := h(context.Background(), ev)
			if err != nil || out.StatusCode != http.StatusOK {
				t.Fatalf("answered %d %s (%v)", out.StatusCode, out.Body, err)
			}
		})
	}
}
