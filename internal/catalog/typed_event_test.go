package catalog

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

func typedInput(v *Venue) EventInput {
	return EventInput{
		Name: "Show", Category: "live-music", VenueID: v.ID,
		StartsAt: "2027-02-01T20:00:00Z", EndsAt: "2027-02-01T23:00:00Z", Capacity: 100,
		TicketTypes: []TicketTypeInput{
			{Name: "General", Price: &Money{Amount: 3000, Currency: "usd"}, Capacity: 90},
			{Name: "VIP", Price: &Money{Amount: 9000, Currency: "USD"}, Capacity: 20},
			{Name: "Crew", Price: &Money{Amount: 0, Currency: "USD"}, Capacity: 5, Hidden: true},
		},
	}
}

func TestEventInputWithTicketTypes(t *testing.T) {
	v := venue(500)
	cases := []struct {
		name string
		edit func(*EventInput)
		bad  []string
	}{
		{"valid, price from the types", func(*EventInput) {}, nil},
		{"valid with the event's price", func(in *EventInput) { in.Price = &Money{Amount: 1, Currency: "USD"} }, nil},
		{"type in another currency", func(in *EventInput) { in.TicketTypes[1].Price.Currency = "EUR" }, []string{"ticket_types[1].price.currency"}},
		{"type over the event's capacity", func(in *EventInput) { in.TicketTypes[0].Capacity = 101 }, []string{"ticket_types[0].capacity"}},
		{"duplicate name", func(in *EventInput) { in.TicketTypes[2].Name = "vip" }, []string{"ticket_types[2].name"}},
		{"no price anywhere", func(in *EventInput) { in.TicketTypes[0].Price = nil }, []string{"price"}},
		{"event field still checked", func(in *EventInput) { in.Name = "" }, []string{"name"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := typedInput(v)
			tc.edit(&in)
			e, err := in.Event("6f1c6f4e-2b8a-4c1e-9d2a-1f3b5c7d9e0a", v, now)
			if tc.bad == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !e.Typed() || len(e.Types) != 3 || e.Price != (Money{3000, "USD"}) {
					t.Fatalf("event %+v", e)
				}
				if e.Types[0].ID != TypeIDOf(e.ID, 0) || e.TypeCounts[e.Types[1].ID] != (TypeCounters{Capacity: 20, Available: 20}) {
					t.Fatalf("types %+v counts %+v", e.Types, e.TypeCounts)
				}
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Code != fault.Validation {
				t.Fatalf("err = %v, want validation", err)
			}
			for _, f := range tc.bad {
				if fe.Fields[f] == "" {
					t.Fatalf("fields %v, want %s among them", fe.Fields, f)
				}
			}
		})
	}
}

func TestTypedEventPatchRefusesEventPriceAndLimit(t *testing.T) {
	v := venue(500)
	e, err := typedInput(v).Event(NewID(), v, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p     EventPatch
		field string
	}{
		{EventPatch{Price: &Money{1, "USD"}}, "price"},
		{EventPatch{MaxTicketsPerBooking: ptr(int64(2))}, "max_tickets_per_booking"},
	} {
		_, err := tc.p.Apply(e, nil, now)
		if fe, ok := fault.As(err); !ok || fe.Fields[tc.field] == "" {
			t.Fatalf("patch %s: %v", tc.field, err)
		}
	}
	if _, err := (EventPatch{Name: ptr("Renamed")}).Apply(e, nil, now); err != nil {
		t.Fatalf("a name patch: %v", err)
	}
}

// The public views list the types on sale, hidden ones only when unlocked, and a typed
// event is sold out when every public type is.
func TestPublicTypesOfATypedEvent(t *testing.T) {
	v := venue(500)
	e, err := typedInput(v).Event(NewID(), v, now)
	if err != nil {
		t.Fatal(err)
	}
	e.Status = Published
	names := func(ts []PublicType) (out []string) {
		for _, t := range ts {
			out = append(out, t.Name)
		}
		return out
	}
	if got := names(e.PublicTicketTypes(now, nil)); len(got) != 2 || got[0] != "General" || got[1] != "VIP" {
		t.Fatalf("public types %v", got)
	}
	crew := e.Types[2].ID
	if got := names(e.PublicTicketTypes(now, func(id string) bool { return id == crew })); len(got) != 3 {
		t.Fatalf("unlocked types %v", got)
	}
	cases := []struct {
		name         string
		general, vip int64
		want         bool
	}{
		{"both left", 5, 5, false},
		{"one left", 0, 5, false},
		{"none left", 0, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := e
			x.Types = append([]TicketType(nil), e.Types...)
			x.Types[0].Counters.Available, x.Types[1].Counters.Available = tc.general, tc.vip
			if x.SoldOut() != tc.want {
				t.Fatalf("sold out = %v, want %v", x.SoldOut(), tc.want)
			}
		})
	}
	b, _ := json.Marshal(e)
	var body struct {
		TicketTypes []PublicType `json:"ticket_types"`
	}
	if err := json.Unmarshal(b, &body); err != nil || len(body.TicketTypes) != 2 {
		t.Fatalf("json %s", b)
	}
	b, _ = json.Marshal(e.ForAdmin())
	var admin struct {
		TicketTypes []map[string]any `json:"ticket_types"`
	}
	if err := json.Unmarshal(b, &admin); err != nil || len(admin.TicketTypes) != 3 || admin.TicketTypes[0]["capacity"] == nil {
		t.Fatalf("admin json %s", b)
	}
}

type typedAvailabilityStore struct {
	Store
	a Availability
}

func (s typedAvailabilityStore) Availability(context.Context, string) (Availability, error) {
	return s.a, nil
}

func TestAvailabilityWithPromoCode(t *testing.T) {
	v := venue(500)
	e, err := typedInput(v).Event(NewID(), v, now)
	if err != nil {
		t.Fatal(err)
	}
	e.Status, e.Version = Published, 7
	crew := e.Types[2].ID
	r := NewAvailabilityReader(typedAvailabilityStore{a: AvailabilityOf(e)}, time.Second, func() time.Time { return now }).
		WithCodes(func(_ context.Context, _, code string) (Unlock, bool, error) {
			return Unlock{Rev: 3, Types: func(id string) bool { return id == crew }}, code == "CREW", nil
		})
	for _, tc := range []struct {
		code  string
		types int
		rev   int64
	}{{"", 2, 0}, {"NOPE", 2, 0}, {"CREW", 3, 3}} {
		a, err := r.GetWithCode(context.Background(), e.ID, tc.code)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.TicketTypes) != tc.types || a.CodeRev != tc.rev {
			t.Fatalf("code %q: %d types, rev %d", tc.code, len(a.TicketTypes), a.CodeRev)
		}
	}
}
