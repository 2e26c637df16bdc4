package search

import (
	"context"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
)

// The budget filter matches an event when any of its public types' prices is in range,
// and still matches documents indexed before prices existed on their one price.
func TestPriceFilterOverTicketTypes(t *testing.T) {
	ix := newIndex(t)
	evs := sampleEvents(3)
	typed, plain, old := evs[0], evs[1], evs[2]
	typed.Price, typed.Prices = catalog.Money{Amount: 3000, Currency: "USD"}, []int64{3000, 9000}
	typed.TypeCounts = map[string]catalog.TypeCounters{"a": {}, "b": {}}
	plain.Price = catalog.Money{Amount: 5000, Currency: "USD"}
	old.Price = catalog.Money{Amount: 7000, Currency: "USD"}
	apply(t, ix, typed, plain)
	// A document as the previous layout wrote it: no min_price, max_price or prices.
	doc := documentOf(old)
	doc.MinPrice, doc.MaxPrice, doc.Prices = nil, nil, nil
	putRaw(t, ix, doc)

	d := documentOf(typed)
	if *d.MinPrice != 3000 || *d.MaxPrice != 9000 || len(d.Prices) != 2 {
		t.Fatalf("typed document %+v", d)
	}
	cases := []struct {
		min, max string
		want     []string
	}{
		{"8000", "10000", []string{typed.ID}},
		{"2000", "3500", []string{typed.ID}},
		{"4000", "6000", []string{plain.ID}},
		{"6500", "7500", []string{old.ID}},
		{"1", "2000", nil},
		{"2000", "", []string{typed.ID, plain.ID, old.ID}},
	}
	for _, tc := range cases {
		kv := []string{"min_price", tc.min}
		if tc.max != "" {
			kv = append(kv, "max_price", tc.max)
		}
		r := search(t, ix, kv...)
		got := map[string]bool{}
		for _, h := range r.Items {
			got[h.EventID] = true
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s..%s matched %v, want %v", tc.min, tc.max, got, tc.want)
		}
		for _, id := range tc.want {
			if !got[id] {
				t.Fatalf("%s..%s matched %v, want %v", tc.min, tc.max, got, tc.want)
			}
		}
	}
}

func putRaw(t *testing.T, ix *Index, doc Document) {
	t.Helper()
	ctx := context.Background()
	for _, err := range ix.Apply(ctx, []Change{{EventID: doc.EventID, Version: doc.Version, Doc: doc}}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
}
