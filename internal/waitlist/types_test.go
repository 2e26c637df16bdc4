package waitlist

import (
	"reflect"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// typedEvent has types A (max 4 per order), B (max 2) and hidden H, with the given
// counters (available, offering, waiting) and the event's available and waiting_any.
func typedEvent(available, waitingAny int64, a, b, h catalog.TypeCounters) *booking.Event {
	return &booking.Event{ID: "e", Available: available, WaitingAny: waitingAny, MaxPerBooking: 10, Types: []catalog.TicketType{
		{ID: "A", Name: "A", MaxPerOrder: 4, Counters: a},
		{ID: "B", Name: "B", MaxPerOrder: 2, Counters: b},
		{ID: "H", Name: "H", MaxPerOrder: 4, Hidden: true, Counters: h},
	}}
}

func tc(available, offering, waiting int64) catalog.TypeCounters {
	return catalog.TypeCounters{Available: available, Offering: offering, Waiting: waiting}
}

func TestLeftover(t *testing.T) {
	cases := []struct {
		name string
		ev   *booking.Event
		want Claim
	}{
		{"untyped, someone waits", &booking.Event{Available: 3, Waiting: 1}, Claim{Available: 3, Seats: 3}},
		{"untyped, nobody waits", &booking.Event{Available: 3}, Claim{Available: 3}},
		{"only the type waited for", typedEvent(5, 0, tc(2, 0, 1), tc(3, 0, 0), tc(1, 0, 0)),
			Claim{Available: 5, Seats: 2, Types: []TypeClaim{{ID: "A", Available: 2, Seats: 2}}}},
		{"the event's cap bounds the types", typedEvent(3, 1, tc(2, 0, 0), tc(3, 0, 0), tc(1, 0, 0)),
			Claim{Available: 3, Seats: 3, Types: []TypeClaim{{ID: "A", Available: 2, Seats: 2}, {ID: "B", Available: 3, Seats: 1}}}},
		{"any type never takes a hidden type", typedEvent(4, 1, tc(0, 0, 0), tc(0, 0, 0), tc(4, 0, 0)),
			Claim{Available: 4, Types: []TypeClaim{{ID: "A"}, {ID: "B"}}}},
		{"hidden type waited for by its own entry", typedEvent(4, 0, tc(0, 0, 0), tc(0, 0, 0), tc(4, 0, 1)),
			Claim{Available: 4, Seats: 4, Types: []TypeClaim{{ID: "H", Available: 4, Seats: 4}}}},
	}
	for _, c := range cases {
		if got := Leftover(c.ev); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Leftover = %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestClaimOnShard(t *testing.T) {
	c := Claim{Available: 9, Seats: 5, Types: []TypeClaim{{ID: "A", Available: 3, Seats: 3}, {ID: "B", Available: 6, Seats: 2}}}
	cases := []struct {
		name      string
		available int64
		types     map[string]int64
		want      Claim
	}{
		{"every type fits", 4, map[string]int64{"A": 1, "B": 2, "H": 1},
			Claim{Available: 4, Seats: 3, Types: []TypeClaim{{ID: "A", Available: 1, Seats: 1}, {ID: "B", Available: 2, Seats: 2}}}},
		{"the shard's cap bounds the later type", 2, map[string]int64{"A": 1, "B": 2},
			Claim{Available: 2, Seats: 2, Types: []TypeClaim{{ID: "A", Available: 1, Seats: 1}, {ID: "B", Available: 2, Seats: 1}}}},
		{"nothing free on the shard", 0, map[string]int64{"A": 0, "B": 0},
			Claim{Available: 0, Types: []TypeClaim{{ID: "A"}, {ID: "B"}}}},
		{"a type missing from the shard reads as none", 3, map[string]int64{"B": 1},
			Claim{Available: 3, Seats: 1, Types: []TypeClaim{{ID: "A"}, {ID: "B", Available: 1, Seats: 1}}}},
		{"types nobody waits for are not claimed", 5, map[string]int64{"A": 0, "B": 0, "H": 5},
			Claim{Available: 5, Types: []TypeClaim{{ID: "A"}, {ID: "B"}}}},
	}
	for _, tc := range cases {
		if got := c.OnShard(tc.available, tc.types); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: OnShard = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestReservableAndCheckType(t *testing.T) {
	ev := typedEvent(2, 0, tc(0, 0, 0), tc(2, 0, 0), tc(3, 0, 0))
	cases := []struct {
		typeID string
		q      int
		want   bool
	}{{"A", 1, false}, {"B", 2, true}, {"B", 3, false}, {"", 2, true}, {"", 3, false}}
	for _, c := range cases {
		if got := Reservable(ev, c.typeID, c.q); got != c.want {
			t.Errorf("Reservable(%q, %d) = %v, want %v", c.typeID, c.q, got, c.want)
		}
	}
	// Someone waiting for any type: nothing is for the public.
	if Reservable(typedEvent(2, 1, tc(2, 0, 0), tc(2, 0, 0), tc(0, 0, 0)), "A", 1) {
		t.Error("a type is reservable while someone waits for any type")
	}
	for _, c := range []struct {
		typeID, field string
		q             int
	}{{"nope", "ticket_type_id", 1}, {"H", "ticket_type_id", 1}, {"B", "quantity", 3}} {
		_, err := CheckType(ev, c.typeID, c.q)
		if fe, ok := fault.As(err); !ok || fe.Fields[c.field] == "" {
			t.Errorf("CheckType(%q, %d) = %v, want a fault naming %s", c.typeID, c.q, err, c.field)
		}
	}
	if id, err := CheckType(&booking.Event{ID: "e"}, catalog.DefaultTypeID("e"), 1); err != nil || id != "" {
		t.Errorf("the default type of an untyped event = %q, %v; want any type", id, err)
	}
}

func TestPlanTypes(t *testing.T) {
	e := func(id, typeID string, q, passed int) Entry {
		return Entry{ID: id, TicketTypeID: typeID, Quantity: q, Passed: passed}
	}
	cases := []struct {
		name   string
		ev     *booking.Event
		line   []Entry
		offers []string // entry:type
		skips  []Skip
	}{
		{"a type's own line before any type", typedEvent(0, 1, tc(0, 1, 1), tc(0, 0, 0), tc(0, 0, 0)),
			[]Entry{e("any", "", 1, 0), e("a", "A", 1, 0)}, []string{"a:A"}, nil},
		{"any type takes what is left, type by type", typedEvent(0, 2, tc(0, 1, 0), tc(0, 2, 0), tc(0, 0, 0)),
			[]Entry{e("x", "", 2, 0), e("y", "", 1, 0)}, []string{"y:A", "x:B"}, nil},
		{"first fit past a blocked head counts against its guard", typedEvent(0, 1, tc(0, 1, 1), tc(0, 0, 0), tc(0, 0, 0)),
			[]Entry{e("big", "A", 3, 0), e("any", "", 1, 0)}, []string{"any:A"}, []Skip{{EntryID: "big", Seats: 1}}},
		{"a head passed its own quantity keeps the seats", typedEvent(0, 1, tc(0, 1, 1), tc(0, 0, 0), tc(0, 0, 0)),
			[]Entry{e("big", "A", 3, 3), e("any", "", 1, 0)}, nil, nil},
		{"B's max_per_order and a hidden type are not for any type", typedEvent(0, 1, tc(0, 0, 0), tc(0, 3, 0), tc(0, 3, 0)),
			[]Entry{e("x", "", 3, 0)}, nil, nil},
		{"the same head passed in two types", typedEvent(0, 3, tc(0, 1, 0), tc(0, 1, 0), tc(0, 0, 0)),
			[]Entry{e("big", "", 2, 0), e("s1", "", 1, 0), e("s2", "", 1, 0)}, []string{"s1:A", "s2:B"}, []Skip{{EntryID: "big", Seats: 2}}},
	}
	for _, c := range cases {
		got, skips := PlanTypes(c.ev, c.line)
		var names []string
		for _, p := range got {
			names = append(names, p.Entry.ID+":"+p.TypeID)
		}
		if !reflect.DeepEqual(names, c.offers) || !reflect.DeepEqual(skips, c.skips) {
			t.Errorf("%s: PlanTypes = %v %v, want %v %v", c.name, names, skips, c.offers, c.skips)
		}
	}
}

func TestReturnsAndCounted(t *testing.T) {
	ev := typedEvent(0, 0, tc(0, 2, 1), tc(0, 3, 0), tc(0, 1, 0))
	if got := Returns(ev); !reflect.DeepEqual(got.Types, []TypeReturn{{ID: "B", Offering: 3}, {ID: "H", Offering: 1}}) {
		t.Errorf("Returns = %+v", got)
	}
	ev.WaitingAny = 1
	if got := Returns(ev); !reflect.DeepEqual(got.Types, []TypeReturn{{ID: "H", Offering: 1}}) || got.WaitingAny != 1 {
		t.Errorf("Returns with someone waiting for any type = %+v", got)
	}
	c := Counted(ev, Entry{Typed: true, TicketTypeID: "B"})
	if c.Waiting != 1 || c.Types[1].Counters.Waiting != 1 || ev.Types[1].Counters.Waiting != 0 {
		t.Errorf("Counted for B = %+v (the event read must not change)", c)
	}
	if c := Counted(ev, Entry{Typed: true}); c.WaitingAny != 2 {
		t.Errorf("Counted for any type: waiting_any = %d", c.WaitingAny)
	}
}
