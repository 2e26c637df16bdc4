package promo

import (
	"context"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
)

type codeStore struct {
	Store
	codes map[string]Code
	reads int
}

func (s *codeStore) GetPromoCode(_ context.Context, _, code string) (Code, error) {
	s.reads++
	c, ok := s.codes[code]
	if !ok {
		return Code{}, NotFound()
	}
	return c, nil
}

func TestLookupUnlocksOnlyUsableCodes(t *testing.T) {
	clk := time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	past := clk.Add(-time.Hour)
	store := &codeStore{codes: map[string]Code{
		"CREW":    {Code: "CREW", UnlocksHidden: true, Rev: 4},
		"GONE":    {Code: "GONE", UnlocksHidden: true, Rev: 1, DeletedAt: &past},
		"USED":    {Code: "USED", UnlocksHidden: true, Rev: 1, MaxUses: 2, Uses: 2},
		"EXPIRED": {Code: "EXPIRED", UnlocksHidden: true, Rev: 1, ValidUntil: &past},
		"PLAIN":   {Code: "PLAIN", Kind: Percent, BasisPoints: 100, Rev: 2},
	}}
	lookup := Lookup(store, time.Minute, func() time.Time { return clk })
	cases := []struct {
		code     string
		ok       bool
		rev      int64
		unlocks  bool
		readsMax int
	}{
		{" crew ", true, 4, true, 1},
		{"CREW", true, 4, true, 1}, // cached
		{"gone", false, 0, false, 2},
		{"used", false, 0, false, 3},
		{"expired", false, 0, false, 4},
		{"plain", true, 2, false, 5},
		{"no such", false, 0, false, 5}, // malformed: never read
		{"NOPE", false, 0, false, 6},
		{"NOPE", false, 0, false, 6}, // a miss is cached too
	}
	event := catalog.NewID()
	for _, tc := range cases {
		u, ok, err := lookup(context.Background(), event, tc.code)
		if err != nil || ok != tc.ok || u.Rev != tc.rev || (ok && u.Types("t") != tc.unlocks) || store.reads > tc.readsMax {
			t.Fatalf("%q: ok %v rev %d err %v reads %d", tc.code, ok, u.Rev, err, store.reads)
		}
	}
}
