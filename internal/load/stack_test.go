package load_test

import (
	"context"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/load"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// TestOnSaleThroughTheStack runs the load tool's scenarios, at a size that fits CI, end
// to end: real HTTP through the local gateway and JWT authorizer to the real Lambda
// binaries on moto. Every scenario must sell exactly min(demand, capacity), oversell
// nothing, answer nothing but sold_out and limit_exceeded, and keep the seat invariant.
func TestOnSaleThroughTheStack(t *testing.T) {
	st := localtest.Stack(t, localtest.StackOptions{})
	scenarios := []load.Scenario{
		{Name: "10 buyers -> 1 seat", Capacity: 1, Buyers: 10, MaxWant: 1},
		{Name: "24 buyers -> 5 seats", Capacity: 5, Buyers: 24, MaxWant: 1},
		{Name: "24 buyers -> 23 seats", Capacity: 23, Buyers: 24, MaxWant: 1},
		{Name: "16 buyers want 1-4 -> 25 seats", Capacity: 25, Buyers: 16, MaxWant: 4},
		{Name: "24 -> 23 with admin edits", Capacity: 23, Buyers: 24, MaxWant: 1, AdminEdits: true},
	}
	results, err := load.Run(context.Background(), load.Options{BaseURL: st.BaseURL, Tokens: st.System}, scenarios)
	if err != nil {
		t.Fatalf("load run: %v (stack log: %s)", err, st.LogPath)
	}
	var table testWriter
	load.PrintTable(&table, results)
	t.Log("\n" + string(table))
	for _, r := range results {
		if !r.OK() {
			t.Errorf("%s: exact=%v oversold=%v other=%v invariant=%q (seats %d, expected %d)",
				r.Scenario.Name, r.Exact, r.Oversold, r.OtherErrors, r.Violations, r.SeatsWon, r.Expected)
		}
		if r.Scenario.AdminEdits && r.AdminEdits == 0 {
			t.Errorf("%s: no admin edit landed", r.Scenario.Name)
		}
	}
}

// TestTypedOnSaleThroughTheStack runs the two-type on-sale and the code race at a size
// that fits CI: neither type nor the event cap is oversold, the invariant holds per type
// against the bookings' lines, and a 5-use code gives exactly 5 discounted holds.
func TestTypedOnSaleThroughTheStack(t *testing.T) {
	st := localtest.Stack(t, localtest.StackOptions{})
	o := load.Options{BaseURL: st.BaseURL, Tokens: st.System}
	s := load.TwoTypes
	s.Name, s.Capacity, s.Buyers = "VIP 5 + General 30, cap 32", 32, 40
	s.Types = []load.TicketTypeSpec{{Name: "VIP", Price: 9000, Capacity: 5}, {Name: "General", Price: 3000, Capacity: 30}}
	r, err := load.RunTyped(context.Background(), o, s)
	if err != nil {
		t.Fatalf("typed run: %v (stack log: %s)", err, st.LogPath)
	}
	var out testWriter
	load.PrintTyped(&out, r)
	race, err := load.RunPromoRace(context.Background(), o, load.PromoRace{Buyers: 20, Uses: 5})
	if err != nil {
		t.Fatalf("code race: %v (stack log: %s)", err, st.LogPath)
	}
	load.PrintPromo(&out, race)
	t.Log("\n" + string(out))
	if !r.OK() {
		t.Errorf("typed on-sale: %+v", r)
	}
	if !race.OK() {
		t.Errorf("code race: %+v", race)
	}
}

type testWriter []byte

func (w *testWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
