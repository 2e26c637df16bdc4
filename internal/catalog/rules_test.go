package catalog

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

var now = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// fields returns the fields a validation error names, or nil for no error.
func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	fe, ok := fault.As(err)
	if !ok {
		t.Fatalf("not a fault: %v", err)
	}
	if fe.Code != fault.Validation {
		return map[string]string{"<" + string(fe.Code) + ">": fe.Message}
	}
	return fe.Fields
}

func sameKeys(got map[string]string, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, k := range want {
		if _, ok := got[k]; !ok {
			return false
		}
	}
	return true
}

func TestVenueInput(t *testing.T) {
	ok := VenueInput{Name: "Arena", Address: "1 Main St", City: "Austin", Country: "us", Capacity: 100}
	cases := []struct {
		name string
		edit func(*VenueInput)
		bad  []string
	}{
		{"valid", func(*VenueInput) {}, nil},
		{"blank name", func(v *VenueInput) { v.Name = "   " }, []string{"name"}},
		{"long name", func(v *VenueInput) { v.Name = strings.Repeat("é", MaxNameLen+1) }, []string{"name"}},
		{"name at limit", func(v *VenueInput) { v.Name = strings.Repeat("é", MaxNameLen) }, nil},
		{"no address or city", func(v *VenueInput) { v.Address, v.City = "", "" }, []string{"address", "city"}},
		{"country not ISO", func(v *VenueInput) { v.Country = "USA" }, []string{"country"}},
		{"zero capacity", func(v *VenueInput) { v.Capacity = 0 }, []string{"capacity"}},
		{"huge capacity", func(v *VenueInput) { v.Capacity = MaxVenueCapacity + 1 }, []string{"capacity"}},
		{"invalid UTF-8", func(v *VenueInput) { v.City = "\xff" }, []string{"city"}},
		{"NUL in the name", func(v *VenueInput) { v.Name = "Are\x00na" }, []string{"name"}},
		{"escape sequence in the address", func(v *VenueInput) { v.Address = "1 \x1b[31mMain St" }, []string{"address"}},
		{"line break in the city", func(v *VenueInput) { v.City = "Aus\ntin" }, []string{"city"}},
		{"tab in the state", func(v *VenueInput) { v.State = "T\tX" }, []string{"state"}},
		{"DEL in the postal code", func(v *VenueInput) { v.PostalCode = "787\x7f01" }, []string{"postal_code"}},
		{"C1 control in the name", func(v *VenueInput) { v.Name = "Are\u0085na" }, []string{"name"}},
		{"surrounding line breaks are trimmed", func(v *VenueInput) { v.Name = "\nArena\r\n" }, nil},
		{"non-Latin letters and symbols", func(v *VenueInput) { v.Name = "Zénith · 東京 ♪" }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			v, err := in.Venue("id", now)
			if got := fields(t, err); !sameKeys(got, c.bad) {
				t.Fatalf("invalid fields = %v, want %v", got, c.bad)
			}
			if err == nil && (v.Country != "US" || v.Version != 1 || !v.CreatedAt.Equal(now)) {
				t.Fatalf("venue = %+v", v)
			}
		})
	}
}

func venue(capacity int64) *Venue {
	return &Venue{ID: NewID(), Name: "Arena", City: "Austin", Address: "1 Main St", Capacity: capacity}
}

func TestEventInput(t *testing.T) {
	v := venue(500)
	ok := EventInput{
		Name: "Show", Category: "Live-Music", VenueID: v.ID,
		StartsAt: "2027-02-01T20:00:00+01:00", EndsAt: "2027-02-01T23:00:00Z",
		Capacity: 100, Price: &Money{Amount: 2500, Currency: "usd"},
	}
	cases := []struct {
		name  string
		edit  func(*EventInput)
		venue *Venue
		bad   []string
	}{
		{"valid", func(*EventInput) {}, v, nil},
		{"no name", func(e *EventInput) { e.Name = "" }, v, []string{"name"}},
		{"201 characters", func(e *EventInput) { e.Name = strings.Repeat("x", 201) }, v, []string{"name"}},
		{"NUL in the name", func(e *EventInput) { e.Name = "Sh\x00ow" }, v, []string{"name"}},
		{"line break in the name", func(e *EventInput) { e.Name = "Sh\now" }, v, []string{"name"}},
		{"description laid out in lines", func(e *EventInput) { e.Description = "Doors 19:00.\r\n\n\tSupport act 19:30." }, v, nil},
		{"NUL in the description", func(e *EventInput) { e.Description = "Doors\x00 19:00" }, v, []string{"description"}},
		{"escape in the description", func(e *EventInput) { e.Description = "Doors \x1b[2J19:00" }, v, []string{"description"}},
		{"starts in the past", func(e *EventInput) { e.StartsAt = "2027-01-10T11:59:59Z" }, v, []string{"starts_at"}},
		{"starts now", func(e *EventInput) { e.StartsAt = "2027-01-10T12:00:00Z" }, v, []string{"starts_at"}},
		{"not RFC 3339", func(e *EventInput) { e.StartsAt = "2027-02-01 20:00" }, v, []string{"starts_at"}},
		{"ends before start", func(e *EventInput) { e.EndsAt = "2027-02-01T18:00:00Z" }, v, []string{"ends_at"}},
		{"ends at start", func(e *EventInput) { e.EndsAt = "2027-02-01T19:00:00Z" }, v, []string{"ends_at"}},
		{"missing times", func(e *EventInput) { e.StartsAt, e.EndsAt = "", "" }, v, []string{"starts_at", "ends_at"}},
		{"capacity zero", func(e *EventInput) { e.Capacity = 0 }, v, []string{"capacity"}},
		{"capacity over venue", func(e *EventInput) { e.Capacity = 501 }, v, []string{"capacity"}},
		{"capacity at venue", func(e *EventInput) { e.Capacity = 500 }, v, nil},
		{"negative price", func(e *EventInput) { e.Price = &Money{Amount: -1, Currency: "USD"} }, v, []string{"price.amount"}},
		{"free", func(e *EventInput) { e.Price = &Money{Amount: 0, Currency: "USD"} }, v, nil},
		{"bad currency", func(e *EventInput) { e.Price = &Money{Amount: 1, Currency: "dollars"} }, v, []string{"price.currency"}},
		{"not an ISO currency", func(e *EventInput) { e.Price = &Money{Amount: 1, Currency: "ABC"} }, v, []string{"price.currency"}},
		{"gold is not a currency to sell in", func(e *EventInput) { e.Price = &Money{Amount: 1, Currency: "XAU"} }, v, []string{"price.currency"}},
		{"yen", func(e *EventInput) { e.Price = &Money{Amount: 1000, Currency: "jpy"} }, v, nil},
		{"no price", func(e *EventInput) { e.Price = nil }, v, []string{"price", "price.currency"}},
		{"max tickets zero", func(e *EventInput) { e.MaxTicketsPerBooking = ptr(int64(0)) }, v, []string{"max_tickets_per_booking"}},
		{"max tickets over capacity", func(e *EventInput) { e.MaxTicketsPerBooking = ptr(int64(101)) }, v, []string{"max_tickets_per_booking"}},
		{"offer window of a day", func(e *EventInput) { e.OfferWindowMinutes = MaxOfferWindowMinutes }, v, nil},
		{"offer window over a day", func(e *EventInput) { e.OfferWindowMinutes = MaxOfferWindowMinutes + 1 }, v, []string{"offer_window_minutes"}},
		{"negative offer window", func(e *EventInput) { e.OfferWindowMinutes = -1 }, v, []string{"offer_window_minutes"}},
		{"8 inventory shards", func(e *EventInput) { e.InventoryShards = ptr(8) }, v, nil},
		{"64 inventory shards", func(e *EventInput) { e.InventoryShards = ptr(64) }, v, nil},
		{"65 inventory shards", func(e *EventInput) { e.InventoryShards = ptr(65) }, v, []string{"inventory_shards"}},
		{"no inventory shard", func(e *EventInput) { e.InventoryShards = ptr(0) }, v, []string{"inventory_shards"}},
		{"more shards than seats", func(e *EventInput) { e.Capacity, e.InventoryShards = 4, ptr(5) }, v, []string{"inventory_shards"}},
		{"category with spaces", func(e *EventInput) { e.Category = "live music" }, v, []string{"category"}},
		{"no category", func(e *EventInput) { e.Category = "" }, v, []string{"category"}},
		{"venue id malformed", func(e *EventInput) { e.VenueID = "x" }, nil, []string{"venue_id"}},
		{"venue unknown", func(*EventInput) {}, nil, []string{"venue_id"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			_, err := in.Event("id", c.venue, now)
			if got := fields(t, err); !sameKeys(got, c.bad) {
				t.Fatalf("invalid fields = %v, want %v", got, c.bad)
			}
		})
	}

	e, err := ok.Event("id", v, now)
	if err != nil {
		t.Fatal(err)
	}
	want := Event{ID: "id", Name: "Show", Category: "live-music", VenueID: v.ID, Venue: v.Summary(),
		StartsAt: time.Date(2027, 2, 1, 19, 0, 0, 0, time.UTC), EndsAt: time.Date(2027, 2, 1, 23, 0, 0, 0, time.UTC),
		Capacity: 100, Available: 100, Price: Money{2500, "USD"}, MaxTicketsPerBooking: DefaultMaxTickets,
		Status: Draft, Version: 1, CreatedAt: now, UpdatedAt: now}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("event =\n%+v, want\n%+v", e, want)
	}
	small := ok
	small.Capacity = 4
	if e, _ := small.Event("id", v, now); e.MaxTicketsPerBooking != 4 {
		t.Fatalf("default max tickets for 4 seats = %d, want 4", e.MaxTicketsPerBooking)
	}
}

func TestTransitions(t *testing.T) {
	all := []Status{Draft, Published, Cancelled}
	allowed := map[[2]Status]bool{{Draft, Published}: true, {Draft, Cancelled}: true, {Published, Cancelled}: true}
	for _, from := range all {
		for _, to := range all {
			err := CheckTransition(from, to)
			if allowed[[2]Status{from, to}] != (err == nil) {
				t.Errorf("%s -> %s: %v", from, to, err)
			}
			if err != nil && !fault.Is(err, fault.InvalidTransition) {
				t.Errorf("%s -> %s: code %v", from, to, err)
			}
		}
	}
	draft := Event{Status: Draft, StartsAt: now.Add(time.Hour)}
	if err := CheckPublish(draft, now); err != nil {
		t.Fatal(err)
	}
	draft.StartsAt = now
	if err := CheckPublish(draft, now); !fault.Is(err, fault.InvalidTransition) {
		t.Fatalf("publishing a started event: %v", err)
	}
}

func TestCapacityDelta(t *testing.T) {
	e := Event{Capacity: 100, Available: 55, Held: 15, Sold: 25, Offering: 5}
	cases := []struct {
		capacity, delta int64
		refused         bool
	}{
		{100, 0, false}, {150, 50, false}, {46, -54, false}, {45, -55, false}, {44, 0, true}, {0, 0, true},
	}
	for _, c := range cases {
		delta, err := CapacityDelta(e, c.capacity)
		if c.refused {
			if !fault.Is(err, fault.Conflict) {
				t.Errorf("capacity %d: %v, want conflict", c.capacity, err)
			}
			continue
		}
		if err != nil || delta != c.delta {
			t.Errorf("capacity %d: delta %d, %v; want %d", c.capacity, delta, err, c.delta)
		}
	}
}

func TestEventPatch(t *testing.T) {
	v := venue(500)
	base := Event{ID: "e", Name: "Show", Category: "rock", VenueID: v.ID, Venue: v.Summary(),
		StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(51 * time.Hour),
		Capacity: 100, Available: 70, Held: 10, Sold: 20, Price: Money{1000, "USD"},
		MaxTicketsPerBooking: 10, Status: Published, Version: 7}
	other := venue(1000)
	cases := []struct {
		name   string
		status Status
		patch  EventPatch
		venue  *Venue
		code   fault.Code // "" for success
		check  func(Event) bool
	}{
		{"rename", Published, EventPatch{Name: ptr("New")}, nil, "", func(e Event) bool { return e.Name == "New" && e.Available == 70 }},
		{"rename with a NUL", Published, EventPatch{Name: ptr("N\x00ew")}, nil, fault.Validation, nil},
		{"empty patch", Published, EventPatch{}, nil, fault.Validation, nil},
		{"grow", Published, EventPatch{Capacity: ptr(int64(150))}, v, "", func(e Event) bool { return e.Capacity == 150 && e.Available == 120 }},
		{"shrink to taken", Published, EventPatch{Capacity: ptr(int64(30))}, v, "", func(e Event) bool { return e.Available == 0 }},
		{"shrink below taken", Published, EventPatch{Capacity: ptr(int64(29)), MaxTicketsPerBooking: ptr(int64(5))}, v, fault.Conflict, nil},
		{"over the venue", Published, EventPatch{Capacity: ptr(int64(501))}, v, fault.Validation, nil},
		{"move start to the past", Published, EventPatch{StartsAt: ptr("2027-01-01T00:00:00Z")}, nil, fault.Validation, nil},
		{"ends before start", Published, EventPatch{EndsAt: ptr(now.Add(47 * time.Hour).Format(time.RFC3339))}, nil, fault.Validation, nil},
		{"new price", Published, EventPatch{Price: &Money{2000, "EUR"}}, nil, "", func(e Event) bool { return e.Price == Money{2000, "EUR"} }},
		{"venue of a published event", Published, EventPatch{VenueID: &other.ID}, other, fault.InvalidTransition, nil},
		{"venue of a draft", Draft, EventPatch{VenueID: &other.ID}, other, "", func(e Event) bool { return e.VenueID == other.ID }},
		{"same venue of a published event", Published, EventPatch{VenueID: &v.ID}, v, "", nil},
		{"unknown venue", Draft, EventPatch{VenueID: ptr(NewID())}, nil, fault.Validation, nil},
		{"cancelled is read-only", Cancelled, EventPatch{Name: ptr("X")}, nil, fault.InvalidTransition, nil},
		{"offer window", Published, EventPatch{OfferWindowMinutes: ptr(int64(10))}, nil, "", func(e Event) bool { return e.OfferWindowMinutes == 10 }},
		{"offer window back to the default", Published, EventPatch{OfferWindowMinutes: ptr(int64(0))}, nil, "", func(e Event) bool { return e.OfferWindowMinutes == 0 }},
		{"offer window too long", Published, EventPatch{OfferWindowMinutes: ptr(int64(1441))}, nil, fault.Validation, nil},
		{"shards of a draft", Draft, EventPatch{InventoryShards: ptr(16)}, nil, "", func(e Event) bool { return e.Shards() == 16 }},
		{"shards of a published event", Published, EventPatch{InventoryShards: ptr(16)}, nil, fault.InvalidTransition, nil},
		{"same shards of a published event", Published, EventPatch{InventoryShards: ptr(1), Name: ptr("N")}, nil, "", nil},
		{"too many shards", Draft, EventPatch{InventoryShards: ptr(65)}, nil, fault.Validation, nil},
		{"shrink below the shards", Draft, EventPatch{InventoryShards: ptr(40), Capacity: ptr(int64(35))}, v, fault.Validation, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := base
			e.Status = c.status
			got, err := c.patch.Apply(e, c.venue, now)
			if c.code != "" {
				if !fault.Is(err, c.code) {
					t.Fatalf("err = %v, want %s", err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Capacity != got.Available+got.Held+got.Sold+got.Offering {
				t.Fatalf("seat invariant broken: %+v", got)
			}
			if got.Version != e.Version || !got.UpdatedAt.Equal(now) {
				t.Fatalf("version %d, updated %s", got.Version, got.UpdatedAt)
			}
			if c.check != nil && !c.check(got) {
				t.Fatalf("patched = %+v", got)
			}
		})
	}
}

func TestVenuePatch(t *testing.T) {
	v := Venue{ID: "v", Name: "A", Address: "x", City: "c", Country: "US", Capacity: 10, Version: 3}
	got, err := VenuePatch{City: ptr(" Paris "), Country: ptr("fr")}.Apply(v, now)
	if err != nil || got.City != "Paris" || got.Country != "FR" || got.Name != "A" || !got.UpdatedAt.Equal(now) {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := (VenuePatch{Capacity: ptr(int64(-1))}).Apply(v, now); !fault.Is(err, fault.Validation) {
		t.Fatalf("negative capacity: %v", err)
	}
	if _, err := (VenuePatch{Name: ptr("A\x00")}).Apply(v, now); fields(t, err)["name"] != "must not contain control characters" {
		t.Fatalf("NUL in the name: %v", err)
	}
	if _, err := (VenuePatch{}).Apply(v, now); !fault.Is(err, fault.Validation) {
		t.Fatalf("empty patch: %v", err)
	}
}

func TestIDs(t *testing.T) {
	a, b := DerivedID("venue", "u1", "k"), DerivedID("venue", "u1", "k")
	if a != b || !ValidID(a) {
		t.Fatalf("derived ids %s %s", a, b)
	}
	for _, other := range []string{DerivedID("event", "u1", "k"), DerivedID("venue", "u2", "k"), DerivedID("venue", "u1", "k2"), DerivedID("venue", "u1k", "")} {
		if other == a {
			t.Fatalf("derived id collides: %s", other)
		}
	}
	if n := NewID(); !ValidID(n) || n == NewID() {
		t.Fatalf("random id %s", n)
	}
	for _, bad := range []string{"", "x", strings.ToUpper(a), a + "0", "../" + a[3:]} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q)", bad)
		}
	}
}

func TestEventJSON(t *testing.T) {
	e := Event{ID: "e", Status: Published, Capacity: 5, Available: 0, Held: 2, Sold: 3}
	var public, admin map[string]any
	b, _ := json.Marshal(e)
	_ = json.Unmarshal(b, &public)
	b, _ = json.Marshal(e.ForAdmin())
	_ = json.Unmarshal(b, &admin)
	if public["sold_out"] != true || public["held"] != nil || public["sold"] != nil {
		t.Fatalf("public = %v", public)
	}
	if admin["sold_out"] != true || admin["held"] != 2.0 || admin["sold"] != 3.0 || admin["offering"] != 0.0 || admin["event_id"] != "e" {
		t.Fatalf("admin = %v", admin)
	}
}

func TestSoldOut(t *testing.T) {
	cases := []struct {
		name               string
		status             Status
		available, waiting int64
		soldOut            bool
		forSale            int64
	}{
		{"seats free", Published, 3, 0, false, 3},
		{"no seat free", Published, 0, 0, true, 0},
		{"free seats belong to the line", Published, 3, 2, true, 0},
		{"people wait, nothing free", Published, 0, 5, true, 0},
		{"cancelled", Cancelled, 0, 0, false, 0},
		{"draft", Draft, 10, 0, false, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := Event{ID: "e", Status: c.status, Capacity: 10, Available: c.available, Waiting: c.waiting}
			a := Availability{EventID: "e", Status: c.status, Capacity: 10, Available: c.available, Waiting: c.waiting}
			if e.SoldOut() != c.soldOut || a.SoldOut() != c.soldOut || e.ForSale() != c.forSale {
				t.Fatalf("sold out %v/%v, for sale %d", e.SoldOut(), a.SoldOut(), e.ForSale())
			}
			var public, avail, admin map[string]any
			b, _ := json.Marshal(e)
			_ = json.Unmarshal(b, &public)
			b, _ = json.Marshal(a)
			_ = json.Unmarshal(b, &avail)
			b, _ = json.Marshal(e.ForAdmin())
			_ = json.Unmarshal(b, &admin)
			for _, m := range []map[string]any{public, avail} {
				if m["sold_out"] != c.soldOut || m["available"] != float64(c.forSale) {
					t.Errorf("public view %v", m)
				}
			}
			// Admins see the counters as stored, so the seat invariant adds up.
			if admin["available"] != float64(c.available) || admin["waiting"] != float64(c.waiting) || admin["sold_out"] != c.soldOut {
				t.Errorf("admin view %v", admin)
			}
		})
	}
}
