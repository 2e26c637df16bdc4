package search

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/localstack/opensearch"
)

var aliasSeq atomic.Int64

// newIndex returns an Index on the test node under an alias no other test uses.
func newIndex(t testing.TB) *Index {
	t.Helper()
	url := opensearch.ForTest(t)
	alias := fmt.Sprintf("test-%d-%d", time.Now().UnixNano(), aliasSeq.Add(1))
	ix, err := New(Config{URL: url, Alias: alias})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ix
}

var cities = []string{"Berlin", "Lisbon", "Oslo", "Austin"}
var categories = []string{"live-music", "theatre", "comedy", "sports"}
var words = []string{"Symphony", "Harbour", "Midnight", "Festival", "Carnival", "Marathon", "Comedy", "Opera"}

// sampleEvents makes n published events starting after now, spread over cities,
// categories, prices and names.
func sampleEvents(n int) []catalog.Event {
	evs := make([]catalog.Event, n)
	for i := range evs {
		start := now.Add(time.Duration(i+1) * time.Hour)
		evs[i] = catalog.Event{
			ID:          fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			Name:        fmt.Sprintf("%s %s %d", words[i%len(words)], words[(i/len(words))%len(words)], i),
			Description: "An evening of " + strings.ToLower(words[(i+3)%len(words)]),
			Category:    categories[i%len(categories)],
			VenueID:     "v",
			Venue:       catalog.VenueSummary{Name: cities[i%len(cities)] + " Arena", City: cities[i%len(cities)], Address: "1 Main St"},
			StartsAt:    start, EndsAt: start.Add(2 * time.Hour),
			Capacity: 100, Available: int64(100 - i%7),
			Price:  catalog.Money{Amount: int64(1000 + 100*(i%50)), Currency: "USD"},
			Status: catalog.Published, Version: 2, UpdatedAt: now,
		}
	}
	return evs
}

func apply(t testing.TB, ix *Index, evs ...catalog.Event) {
	t.Helper()
	var changes []Change
	for _, e := range evs {
		if c, ok := ChangeFor(e); ok {
			changes = append(changes, c)
		}
	}
	for i, err := range ix.Apply(context.Background(), changes) {
		// Superseded: an older change, which the cases below expect to be ignored.
		if err != nil && !errors.Is(err, ErrSuperseded) {
			t.Fatalf("apply %s: %v", changes[i].EventID, err)
		}
	}
	if err := ix.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func search(t *testing.T, ix *Index, kv ...string) Results {
	t.Helper()
	q, err := ParseQuery(params(kv...), now)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSearchAgainstOpenSearch(t *testing.T) {
	ix := newIndex(t)
	evs := sampleEvents(200)
	apply(t, ix, evs...)

	t.Run("everything, soonest first with relevance sort and no text", func(t *testing.T) {
		r := search(t, ix)
		if r.Total != 200 || len(r.Items) != DefaultLimit || r.Items[0].EventID != evs[0].ID || r.NextCursor == "" {
			t.Fatalf("total %d, %d items, first %s", r.Total, len(r.Items), r.Items[0].EventID)
		}
		if len(r.Facets.Cities) != 4 || r.Facets.Cities[0].Count != 50 || r.Facets.Price.Min.Amount != 1000 || r.Facets.Price.Max.Amount != 5900 {
			t.Fatalf("facets: %+v", r.Facets)
		}
	})
	t.Run("text with boosts: a name match outranks a description match", func(t *testing.T) {
		r := search(t, ix, "q", "opera")
		if r.Total == 0 || !strings.Contains(r.Items[0].Name, "Opera") || r.Items[0].Score <= 0 {
			t.Fatalf("first hit %+v", r.Items)
		}
	})
	t.Run("a typo still finds the event", func(t *testing.T) {
		r := search(t, ix, "q", "Symphny Harbuor 8")
		if r.Total == 0 || r.Items[0].EventID != evs[8].ID {
			t.Fatalf("want %s (%s) first, got %+v", evs[8].ID, evs[8].Name, r.Items)
		}
	})
	t.Run("words may match different fields", func(t *testing.T) {
		r := search(t, ix, "q", "midnight lisbon", "limit", "100")
		if r.Total == 0 {
			t.Fatal("nothing found")
		}
		for _, h := range r.Items {
			if h.Venue.City != "Lisbon" || !strings.Contains(h.Name+h.Description, "idnight") {
				t.Fatalf("hit does not match both words: %+v", h)
			}
		}
	})
	t.Run("filters: city case-insensitive, category, price, dates", func(t *testing.T) {
		r := search(t, ix, "city", "bErLiN", "category", "live-music", "min_price", "2000", "max_price", "3000",
			"to", now.Add(100*time.Hour).Format(time.RFC3339), "limit", "100")
		want := 0
		for i, e := range evs {
			if i < 99 && e.Venue.City == "Berlin" && e.Category == "live-music" && e.Price.Amount >= 2000 && e.Price.Amount <= 3000 {
				want++
			}
		}
		if int(r.Total) != want || want == 0 {
			t.Fatalf("total %d, want %d", r.Total, want)
		}
		for _, h := range r.Items {
			if h.Venue.City != "Berlin" || h.Category != "live-music" || h.Price.Amount < 2000 || h.Price.Amount > 3000 {
				t.Fatalf("filtered hit %+v", h)
			}
		}
	})
	t.Run("sort by price, then start", func(t *testing.T) {
		r := search(t, ix, "sort", "price", "limit", "100")
		for i := 1; i < len(r.Items); i++ {
			a, b := r.Items[i-1], r.Items[i]
			if a.Price.Amount > b.Price.Amount || (a.Price.Amount == b.Price.Amount && a.StartsAt.After(b.StartsAt)) {
				t.Fatalf("out of order at %d: %+v then %+v", i, a, b)
			}
		}
	})
	for _, sort := range []string{"relevance", "starts_at", "price"} {
		t.Run("cursor pages visit every result once by "+sort, func(t *testing.T) {
			seen := map[string]bool{}
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("too many pages")
				}
				r := search(t, ix, "q", "festival", "sort", sort, "limit", "7", "cursor", cursor)
				for _, h := range r.Items {
					if seen[h.EventID] {
						t.Fatalf("%s seen twice", h.EventID)
					}
					seen[h.EventID] = true
				}
				if r.NextCursor == "" {
					if int64(len(seen)) != r.Total {
						t.Fatalf("visited %d of %d", len(seen), r.Total)
					}
					return
				}
				cursor = r.NextCursor
			}
		})
	}
	t.Run("suggestions by prefix of any word", func(t *testing.T) {
		got, err := ix.Suggest(context.Background(), "carn", 20)
		if err != nil || len(got) == 0 {
			t.Fatalf("%v %v", got, err)
		}
		for _, s := range got {
			if !strings.Contains(s.Name, "Carnival") {
				t.Fatalf("suggestion %q", s.Name)
			}
		}
	})
}

func TestIndexLifecycle(t *testing.T) {
	ix := newIndex(t)
	ctx := context.Background()
	e := sampleEvents(1)[0]
	e.Name = "Quokka Quartet"
	e.Version = 5
	apply(t, ix, e)

	t.Run("an older update is ignored", func(t *testing.T) {
		old := e
		old.Name, old.Version = "Quokka Quintet", 4
		c, _ := ChangeFor(old)
		if errs := ix.Apply(ctx, []Change{c}); !errors.Is(errs[0], ErrSuperseded) {
			t.Fatalf("an older change answered %v, want ErrSuperseded", errs[0])
		}
		r := search(t, ix, "q", "quokka")
		if r.Total != 1 || r.Items[0].Name != "Quokka Quartet" || r.Items[0].Version != 5 {
			t.Fatalf("%+v", r.Items)
		}
	})
	t.Run("sold out stays findable", func(t *testing.T) {
		e.Available, e.Version = 0, 6
		apply(t, ix, e)
		r := search(t, ix, "q", "quokka")
		if r.Total != 1 || !r.Items[0].SoldOut || r.Items[0].Available != 0 {
			t.Fatalf("%+v", r.Items)
		}
		if r := search(t, ix, "q", "quokka", "available", "true"); r.Total != 0 {
			t.Fatalf("available=true still finds a sold-out event: %+v", r.Items)
		}
	})
	t.Run("a draft is never found", func(t *testing.T) {
		d := sampleEvents(2)[1]
		d.Name, d.Status = "Quokka Draft", catalog.Draft
		apply(t, ix, d)
		if r := search(t, ix, "q", "quokka draft"); r.Total != 0 {
			t.Fatalf("%+v", r.Items)
		}
	})
	t.Run("cancelling removes it, and a late publish cannot bring it back", func(t *testing.T) {
		c := e
		c.Status, c.Version = catalog.Cancelled, 7
		apply(t, ix, c)
		late := e
		late.Version = 6
		apply(t, ix, late)
		if r := search(t, ix, "q", "quokka"); r.Total != 0 {
			t.Fatalf("%+v", r.Items)
		}
		if got, err := ix.Suggest(ctx, "quok", 5); err != nil || len(got) != 0 {
			t.Fatalf("suggested after cancel: %v %v", got, err)
		}
	})
}

func TestUnreachableSearchIsUnavailableQuickly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	for _, url := range []string{"http://" + addr, "http://10.255.255.1:9200"} {
		ix, err := New(Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := ParseQuery(params("q", "x"), now)
		_, err = ix.Search(context.Background(), q)
		if !fault.Is(err, fault.SearchUnavailable) {
			t.Fatalf("%s: want search_unavailable, got %v", url, err)
		}
	}
}

// pages serves events the way the table does, a page at a time.
type pages []catalog.Event

func (p pages) ListEvents(_ context.Context, f catalog.EventFilter) (catalog.Page[catalog.Event], error) {
	from := 0
	if f.Cursor != "" {
		fmt.Sscan(f.Cursor, &from)
	}
	to := min(from+f.Limit, len(p))
	page := catalog.Page[catalog.Event]{Items: p[from:to]}
	if to < len(p) {
		page.NextCursor = fmt.Sprint(to)
	}
	return page, nil
}

func TestRebuildRecreatesADeletedIndex(t *testing.T) {
	ix := newIndex(t)
	ctx := context.Background()
	evs := sampleEvents(1200)
	evs[0].Status = catalog.Draft
	evs[1].Status = catalog.Cancelled
	apply(t, ix, evs[:10]...)
	targets, err := ix.aliasTargets(ctx)
	if err != nil || len(targets) != 1 {
		t.Fatalf("%v %v", targets, err)
	}
	ix.drop(ctx, targets)

	stats, err := ix.Rebuild(ctx, pages(evs))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Events != 1200 || stats.Written != 1199 {
		t.Fatalf("stats %+v", stats)
	}
	if r := search(t, ix, "limit", "1"); r.Total != 1198 {
		t.Fatalf("total %d after rebuild", r.Total)
	}
	// A second rebuild swaps the alias and drops the first index.
	if _, err := ix.Rebuild(ctx, pages(evs)); err != nil {
		t.Fatal(err)
	}
	if targets, _ := ix.aliasTargets(ctx); len(targets) != 1 || targets[0] == stats.Index {
		t.Fatalf("alias targets %v", targets)
	}
}

func TestSearchBeforeAnyIndexAnswersEmpty(t *testing.T) {
	ix, err := New(Config{URL: opensearch.ForTest(t), Alias: fmt.Sprintf("fresh-%d", time.Now().UnixNano())})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := ParseQuery(params("q", "anything"), now)
	r, err := ix.Search(context.Background(), q)
	if err != nil || r.Total != 0 || r.Items == nil {
		t.Fatalf("%+v %v", r, err)
	}
	if s, err := ix.Suggest(context.Background(), "any", 5); err != nil || len(s) != 0 {
		t.Fatalf("%v %v", s, err)
	}
}

func TestWritesAfterTheIndexWasDeletedRecreateIt(t *testing.T) {
	ix := newIndex(t)
	ctx := context.Background()
	targets, _ := ix.aliasTargets(ctx)
	ix.drop(ctx, targets)
	c, _ := ChangeFor(sampleEvents(1)[0])
	if errs := ix.Apply(ctx, []Change{c}); errs[0] == nil {
		t.Fatal("a write to a deleted index must fail (and be retried), not create a guessed mapping")
	}
	if errs := ix.Apply(ctx, []Change{c}); errs[0] != nil {
		t.Fatalf("the retry recreates the index: %v", errs[0])
	}
}
