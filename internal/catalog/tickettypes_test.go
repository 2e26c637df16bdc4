package catalog

import (
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

var typeEvent = Event{
	ID: "7f1c6f4e-2b8a-4c1e-9d2a-1f3b5c7d9e0a", Capacity: 500, Available: 500, MaxTicketsPerBooking: 8,
	Price: Money{Amount: 2500, Currency: "EUR"}, StartsAt: now.Add(30 * 24 * time.Hour), Status: Published,
}

func validTypeInput() TicketTypeInput {
	return TicketTypeInput{Name: " VIP ", Price: &Money{Amount: 9900, Currency: "eur"}, Capacity: 50}
}

func TestTicketTypeInput(t *testing.T) {
	cases := []struct {
		name string
		edit func(*TicketTypeInput)
		bad  []string
	}{
		{"valid", func(*TicketTypeInput) {}, nil},
		{"free", func(in *TicketTypeInput) { in.Price.Amount = 0 }, nil},
		{"blank name", func(in *TicketTypeInput) { in.Name = "  " }, []string{"name"}},
		{"long name", func(in *TicketTypeInput) { in.Name = strings.Repeat("x", MaxTypeNameLen+1) }, []string{"name"}},
		{"long description", func(in *TicketTypeInput) { in.Description = strings.Repeat("x", MaxTypeDescriptionLen+1) }, []string{"description"}},
		{"no price", func(in *TicketTypeInput) { in.Price = nil }, []string{"price"}},
		{"negative price", func(in *TicketTypeInput) { in.Price.Amount = -1 }, []string{"price.amount"}},
		{"unknown currency", func(in *TicketTypeInput) { in.Price.Currency = "XXX" }, []string{"price.currency"}},
		{"other currency than the event", func(in *TicketTypeInput) { in.Price.Currency = "USD" }, []string{"price.currency"}},
		{"zero capacity", func(in *TicketTypeInput) { in.Capacity = 0 }, []string{"capacity"}},
		{"capacity above the event's", func(in *TicketTypeInput) { in.Capacity = 501 }, []string{"capacity"}},
		{"capacity equal to the event's", func(in *TicketTypeInput) { in.Capacity = 500 }, nil},
		{"max per order zero", func(in *TicketTypeInput) { in.MaxPerOrder = ptr(int64(0)) }, []string{"max_per_order"}},
		{"max per order above the event's", func(in *TicketTypeInput) { in.MaxPerOrder = ptr(int64(9)) }, []string{"max_per_order"}},
		{"max per order above capacity", func(in *TicketTypeInput) { in.Capacity, in.MaxPerOrder = 2, ptr(int64(3)) }, []string{"max_per_order"}},
		{"window in order", func(in *TicketTypeInput) {
			in.SaleStartsAt, in.SaleEndsAt = "2027-01-11T10:00:00Z", "2027-01-20T10:00:00Z"
		}, nil},
		{"window reversed", func(in *TicketTypeInput) {
			in.SaleStartsAt, in.SaleEndsAt = "2027-01-20T10:00:00Z", "2027-01-11T10:00:00Z"
		}, []string{"sale_ends_at"}},
		{"window empty", func(in *TicketTypeInput) {
			in.SaleStartsAt, in.SaleEndsAt = "2027-01-11T10:00:00Z", "2027-01-11T10:00:00Z"
		}, []string{"sale_ends_at"}},
		{"sale opens after the event starts", func(in *TicketTypeInput) { in.SaleStartsAt = "2028-01-01T00:00:00Z" }, []string{"sale_starts_at"}},
		{"bad time", func(in *TicketTypeInput) { in.SaleEndsAt = "tomorrow" }, []string{"sale_ends_at"}},
		{"paused", func(in *TicketTypeInput) { in.Status = "paused" }, nil},
		{"sold_out is derived, not set", func(in *TicketTypeInput) { in.Status = "sold_out" }, []string{"status"}},
		{"negative sort order", func(in *TicketTypeInput) { in.SortOrder = ptr(int64(-1)) }, []string{"sort_order"}},
		{"huge sort order", func(in *TicketTypeInput) { in.SortOrder = ptr(int64(MaxSortOrder + 1)) }, []string{"sort_order"}},
		{"hidden", func(in *TicketTypeInput) { in.Hidden = true }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validTypeInput()
			c.edit(&in)
			_, err := in.TicketType("id", typeEvent)
			if got := fields(t, err); !sameKeys(got, c.bad) {
				t.Fatalf("fields = %v, want %v", got, c.bad)
			}
		})
	}
}

func TestTicketTypeInputDefaults(t *testing.T) {
	tt, err := validTypeInput().TicketType("id", typeEvent)
	if err != nil {
		t.Fatal(err)
	}
	want := TypeCounters{Capacity: 50, Available: 50}
	if tt.Name != "VIP" || tt.Price.Currency != "EUR" || tt.MaxPerOrder != 8 || tt.Status != TypeOnSale ||
		tt.Version != 1 || tt.Counters != want || tt.EventID != typeEvent.ID {
		t.Fatalf("type = %+v", tt)
	}
	small := validTypeInput()
	small.Capacity = 3
	if tt, _ := small.TicketType("id", typeEvent); tt.MaxPerOrder != 3 {
		t.Fatalf("max_per_order = %d, want the capacity 3", tt.MaxPerOrder)
	}
}

func TestTicketTypesNameFieldsByIndex(t *testing.T) {
	ids := func(i int) string { return []string{"a", "b", "c"}[i] }
	good := []TicketTypeInput{validTypeInput(), {Name: "General", Price: &Money{Amount: 2500, Currency: "EUR"}, Capacity: 500}}
	got, err := TicketTypes(good, typeEvent, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" || got[0].SortOrder != 0 || got[1].SortOrder != 1 {
		t.Fatalf("types = %+v", got)
	}
	if got, err := TicketTypes(nil, typeEvent, ids); got != nil || err != nil {
		t.Fatalf("no ticket_types = %v, %v; want the default type (nil)", got, err)
	}

	bad := []TicketTypeInput{validTypeInput(), {Name: "vip", Price: &Money{Amount: 1, Currency: "EUR"}, Capacity: 0}, {Name: "X"}}
	_, err = TicketTypes(bad, typeEvent, ids)
	want := []string{"ticket_types[1].name", "ticket_types[1].capacity", "ticket_types[2].price", "ticket_types[2].capacity"}
	if got := fields(t, err); !sameKeys(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}

	many := make([]TicketTypeInput, MaxTicketTypes+1)
	for i := range many {
		many[i] = TicketTypeInput{Name: "T" + string(rune('a'+i)), Price: &Money{Currency: "EUR"}, Capacity: 1}
	}
	_, err = TicketTypes(many, typeEvent, func(int) string { return "id" })
	if got := fields(t, err); !sameKeys(got, []string{"ticket_types"}) {
		t.Fatalf("fields = %v, want ticket_types", got)
	}
}

func TestCheckNewType(t *testing.T) {
	existing := []TicketType{{ID: "a", Name: "VIP"}}
	if err := CheckNewType(TicketType{Name: "General"}, existing); err != nil {
		t.Fatal(err)
	}
	if got := fields(t, CheckNewType(TicketType{Name: "vip"}, existing)); !sameKeys(got, []string{"name"}) {
		t.Fatalf("fields = %v", got)
	}
	full := make([]TicketType, MaxTicketTypes)
	if err := CheckNewType(TicketType{Name: "One more"}, full); !fault.Is(err, fault.Conflict) {
		t.Fatalf("err = %v, want conflict", err)
	}
}

func TestDefaultTicketType(t *testing.T) {
	e := typeEvent
	e.Available, e.Held, e.Sold, e.Offering, e.Waiting = 480, 12, 6, 2, 1
	d := DefaultTicketType(e)
	want := TypeCounters{Capacity: 500, Available: 480, Held: 12, Sold: 6, Offering: 2, Waiting: 1}
	if !d.Default || d.Price != e.Price || d.MaxPerOrder != 8 || d.Counters != want || d.Status != TypeOnSale || d.Name != DefaultTypeName {
		t.Fatalf("default = %+v", d)
	}
	if d.ID != DefaultTypeID(e.ID) || !ValidID(d.ID) || d.ID == DefaultTypeID("8f1c6f4e-2b8a-4c1e-9d2a-1f3b5c7d9e0a") {
		t.Fatalf("default id %q must be a stable id of its own event", d.ID)
	}
	if ts := EffectiveTypes(e, nil); len(ts) != 1 || ts[0].ID != d.ID {
		t.Fatalf("effective types of a legacy event = %+v", ts)
	}
	stored := []TicketType{{ID: "b", Name: "B", SortOrder: 2}, {ID: "a", Name: "A", SortOrder: 2}, {ID: "c", Name: "C", SortOrder: 1}}
	ts := EffectiveTypes(e, stored)
	if ts[0].ID != "c" || ts[1].ID != "a" || ts[2].ID != "b" || stored[0].ID != "b" {
		t.Fatalf("order = %v %v %v (stored must stay as given)", ts[0].ID, ts[1].ID, ts[2].ID)
	}
}

func TestDerivedStatus(t *testing.T) {
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	cases := []struct {
		name                string
		tt                  TicketType
		eventAvail, anyWait int64
		want                TypeStatus
		wantForSale         int64
	}{
		{"on sale", TicketType{Status: TypeOnSale, Counters: TypeCounters{Available: 5}}, 100, 0, TypeOnSale, 5},
		{"own quota gone", TicketType{Status: TypeOnSale, Counters: TypeCounters{Available: 0}}, 100, 0, TypeSoldOut, 0},
		{"event cap reached", TicketType{Status: TypeOnSale, Counters: TypeCounters{Available: 5}}, 0, 0, TypeSoldOut, 0},
		{"event cap below the type's", TicketType{Status: TypeOnSale, Counters: TypeCounters{Available: 5}}, 3, 0, TypeOnSale, 3},
		{"someone waits for the type", TicketType{Status: TypeOnSale, Counters: TypeCounters{Available: 5, Waiting: 1}}, 100, 0, TypeSoldOut, 0},
		{"someone waits for any type", TicketType{Status: TypeOnSale, Counters: TypeCounters{Available: 5}}, 100, 1, TypeSoldOut, 0},
		{"paused wins over sold out", TicketType{Status: TypePaused}, 0, 0, TypePaused, 0},
		{"not started", TicketType{Status: TypeOnSale, SaleStartsAt: at(time.Hour), Counters: TypeCounters{Available: 5}}, 100, 0, TypeNotStarted, 5},
		{"started this second", TicketType{Status: TypeOnSale, SaleStartsAt: at(0), Counters: TypeCounters{Available: 5}}, 100, 0, TypeOnSale, 5},
		{"ended this second", TicketType{Status: TypeOnSale, SaleEndsAt: at(0), Counters: TypeCounters{Available: 5}}, 100, 0, TypeEnded, 5},
		{"ends later", TicketType{Status: TypeOnSale, SaleEndsAt: at(time.Second), Counters: TypeCounters{Available: 5}}, 100, 0, TypeOnSale, 5},
		{"ended and sold out", TicketType{Status: TypeOnSale, SaleEndsAt: at(-time.Hour)}, 100, 0, TypeEnded, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.tt.DerivedStatus(now, c.eventAvail, c.anyWait); got != c.want {
				t.Fatalf("status = %s, want %s", got, c.want)
			}
			if got := c.tt.ForSale(c.eventAvail, c.anyWait); got != c.wantForSale {
				t.Fatalf("for sale = %d, want %d", got, c.wantForSale)
			}
			p := c.tt.Public(now, c.eventAvail, c.anyWait)
			if p.SoldOut != (c.want == TypeSoldOut) || p.Available != c.wantForSale || p.Status != c.want {
				t.Fatalf("public = %+v", p)
			}
		})
	}
}

func TestPublicTypes(t *testing.T) {
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	ts := []TicketType{
		{ID: "general", Name: "General", SortOrder: 1, Status: TypeOnSale},
		{ID: "crew", Name: "Crew", SortOrder: 0, Hidden: true, Status: TypeOnSale},
		{ID: "paused", Name: "Paused", Status: TypePaused},
		{ID: "early", Name: "Early bird", SaleEndsAt: &past, Status: TypeOnSale},
		{ID: "late", Name: "Late", SortOrder: 2, SaleStartsAt: &future, Status: TypeOnSale},
	}
	ids := func(ts []TicketType) string {
		var s []string
		for _, t := range ts {
			s = append(s, t.ID)
		}
		return strings.Join(s, ",")
	}
	if got := ids(PublicTypes(ts, now, nil)); got != "general,late" {
		t.Fatalf("without a code = %s", got)
	}
	crew := func(id string) bool { return id == "crew" }
	if got := ids(PublicTypes(ts, now, crew)); got != "crew,general,late" {
		t.Fatalf("with the crew code = %s", got)
	}
	other := func(id string) bool { return id == "paused" }
	if got := ids(PublicTypes(ts, now, other)); got != "general,late" {
		t.Fatalf("a code for another type unlocks nothing hidden: %s", got)
	}
}

func TestPriceRange(t *testing.T) {
	eur := func(a int64) Money { return Money{Amount: a, Currency: "EUR"} }
	lo, hi, ok := PriceRange([]TicketType{{Price: eur(5000)}, {Price: eur(0), Hidden: true}, {Price: eur(2500)}, {Price: eur(9900)}})
	if !ok || lo != eur(2500) || hi != eur(9900) {
		t.Fatalf("range = %v..%v %v; hidden prices must not show", lo, hi, ok)
	}
	if _, _, ok := PriceRange([]TicketType{{Hidden: true}}); ok {
		t.Fatal("only hidden types: no public range")
	}
}

func TestTicketTypePatch(t *testing.T) {
	base := TicketType{ID: "vip", Name: "VIP", Price: Money{Amount: 9900, Currency: "EUR"}, MaxPerOrder: 4, Status: TypeOnSale, Version: 3,
		Counters: TypeCounters{Capacity: 50, Available: 30, Held: 10, Sold: 8, Offering: 2}}
	others := []TicketType{base, {ID: "gen", Name: "General"}}
	cases := []struct {
		name      string
		patch     TicketTypePatch
		event     Event
		bad       []string
		code      fault.Code
		delta     int64
		available int64
	}{
		{"grow", TicketTypePatch{Capacity: ptr(int64(60))}, typeEvent, nil, "", 10, 40},
		{"shrink to what is taken", TicketTypePatch{Capacity: ptr(int64(20))}, typeEvent, nil, "", -30, 0},
		{"below what is taken", TicketTypePatch{Capacity: ptr(int64(19))}, typeEvent, nil, fault.Conflict, 0, 0},
		{"above the event", TicketTypePatch{Capacity: ptr(int64(501))}, typeEvent, []string{"capacity"}, "", 0, 0},
		{"price", TicketTypePatch{Price: &Money{Amount: 12000, Currency: "eur"}}, typeEvent, nil, "", 0, 30},
		{"pause", TicketTypePatch{Status: ptr("paused")}, typeEvent, nil, "", 0, 30},
		{"bad status", TicketTypePatch{Status: ptr("ended")}, typeEvent, []string{"status"}, "", 0, 0},
		{"name of another type", TicketTypePatch{Name: ptr("general")}, typeEvent, []string{"name"}, "", 0, 0},
		{"own name, other case", TicketTypePatch{Name: ptr("vip")}, typeEvent, nil, "", 0, 30},
		{"clear the window", TicketTypePatch{SaleEndsAt: ptr("")}, typeEvent, nil, "", 0, 30},
		{"nothing", TicketTypePatch{}, typeEvent, nil, fault.Validation, 0, 0},
		{"cancelled event", TicketTypePatch{Hidden: ptr(true)}, Event{Status: Cancelled}, nil, fault.InvalidTransition, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, delta, err := c.patch.Apply(base, c.event, others)
			switch {
			case c.code != "":
				if fe, ok := fault.As(err); !ok || fe.Code != c.code {
					t.Fatalf("err = %v, want %s", err, c.code)
				}
				return
			case c.bad != nil:
				if f := fields(t, err); !sameKeys(f, c.bad) {
					t.Fatalf("fields = %v, want %v", f, c.bad)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			c2 := got.Counters
			if delta != c.delta || c2.Available != c.available || c2.Capacity != c2.Available+c2.Held+c2.Sold+c2.Offering {
				t.Fatalf("delta %d counters %+v; want delta %d available %d", delta, c2, c.delta, c.available)
			}
			if got.Version != base.Version {
				t.Fatal("Apply must leave the version to the store's conditional write")
			}
		})
	}
}

func TestCheckTypeDelete(t *testing.T) {
	cases := []struct {
		name  string
		tt    TicketType
		types int
		ok    bool
	}{
		{"untouched", TicketType{Counters: TypeCounters{Capacity: 10, Available: 10}}, 2, true},
		{"held", TicketType{Counters: TypeCounters{Held: 1}}, 2, false},
		{"sold", TicketType{Counters: TypeCounters{Sold: 1}}, 2, false},
		{"offering", TicketType{Counters: TypeCounters{Offering: 1}}, 2, false},
		{"waited for", TicketType{Counters: TypeCounters{Waiting: 1}}, 2, false},
		{"last type", TicketType{}, 1, false},
		{"default type", TicketType{Default: true}, 2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckTypeDelete(c.tt, c.types)
			if (err == nil) != c.ok || (err != nil && !fault.Is(err, fault.Conflict)) {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestTypeCapacityDelta(t *testing.T) {
	c := TypeCounters{Capacity: 10, Available: 4, Held: 3, Sold: 2, Offering: 1}
	for _, tc := range []struct {
		capacity, delta int64
		ok              bool
	}{{10, 0, true}, {6, -4, true}, {5, 0, false}, {20, 10, true}} {
		d, err := TypeCapacityDelta(c, tc.capacity)
		if (err == nil) != tc.ok || d != tc.delta {
			t.Errorf("capacity %d: delta %d err %v; want %d ok=%v", tc.capacity, d, err, tc.delta, tc.ok)
		}
	}
}
