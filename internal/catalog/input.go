package catalog

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/inventory"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// Limits on input, in one place.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 5000
	MaxAddressLen     = 300
	MaxPlaceLen       = 100 // city, state
	MaxPostalCodeLen  = 20
	MaxVenueCapacity  = 1_000_000
	DefaultMaxTickets = 10
	// MaxOfferWindowMinutes bounds a waitlist offer to a day: longer, and seats sit idle
	// while the rest of the line waits.
	MaxOfferWindowMinutes = 24 * 60
)

var (
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	// Categories are slugs so the public filter can match them exactly.
	categoryPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

const maxCategoryLen = 40

// VenueInput is the body of POST /admin/venues.
type VenueInput struct {
	Name       string `json:"name"`
	Address    string `json:"address"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
	PostalCode string `json:"postal_code"`
	Capacity   int64  `json:"capacity"`
}

// Venue validates the input and returns the new venue (version 1).
func (in VenueInput) Venue(id string, now time.Time) (Venue, error) {
	now = Timestamp(now)
	v := Venue{
		ID: id, Name: in.Name, Address: in.Address, City: in.City, State: in.State,
		Country: in.Country, PostalCode: in.PostalCode, Capacity: in.Capacity,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	v = normalizeVenue(v)
	if err := validateVenue(v); err != nil {
		return Venue{}, err
	}
	return v, nil
}

// VenuePatch is the body of PATCH /admin/venues/{venueId}; absent fields stay as they are.
type VenuePatch struct {
	Name       *string `json:"name"`
	Address    *string `json:"address"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    *string `json:"country"`
	PostalCode *string `json:"postal_code"`
	Capacity   *int64  `json:"capacity"`
}

// Apply returns v with the patch applied and validated. Lowering a venue's capacity does
// not touch its events: each event's capacity was checked when it was set.
func (p VenuePatch) Apply(v Venue, now time.Time) (Venue, error) {
	if p == (VenuePatch{}) {
		return Venue{}, fault.New(fault.Validation, "The patch changes nothing")
	}
	set(&v.Name, p.Name)
	set(&v.Address, p.Address)
	set(&v.City, p.City)
	set(&v.State, p.State)
	set(&v.Country, p.Country)
	set(&v.PostalCode, p.PostalCode)
	set(&v.Capacity, p.Capacity)
	v.UpdatedAt = Timestamp(now)
	v = normalizeVenue(v)
	if err := validateVenue(v); err != nil {
		return Venue{}, err
	}
	return v, nil
}

func normalizeVenue(v Venue) Venue {
	v.Name = strings.TrimSpace(v.Name)
	v.Address = strings.TrimSpace(v.Address)
	v.City = strings.TrimSpace(v.City)
	v.State = strings.TrimSpace(v.State)
	v.Country = strings.ToUpper(strings.TrimSpace(v.Country))
	v.PostalCode = strings.TrimSpace(v.PostalCode)
	return v
}

func validateVenue(v Venue) error {
	f := fault.Fields{}
	checkText(f, "name", v.Name, 1, MaxNameLen)
	checkText(f, "address", v.Address, 1, MaxAddressLen)
	checkText(f, "city", v.City, 1, MaxPlaceLen)
	checkText(f, "state", v.State, 0, MaxPlaceLen)
	f.Check(!countryPattern.MatchString(v.Country), "country", "must be an ISO 3166-1 alpha-2 code, e.g. US")
	checkText(f, "postal_code", v.PostalCode, 0, MaxPostalCodeLen)
	f.Check(v.Capacity < 1 || v.Capacity > MaxVenueCapacity, "capacity", fmt.Sprintf("must be from 1 to %d", MaxVenueCapacity))
	return f.Err()
}

// EventInput is the body of POST /admin/events. Times are strings so a bad one is reported
// against its field instead of as malformed JSON.
type EventInput struct {
	Name                 string `json:"name"`
	Description          string `json:"description"`
	Category             string `json:"category"`
	VenueID              string `json:"venue_id"`
	StartsAt             string `json:"starts_at"`
	EndsAt               string `json:"ends_at"`
	Capacity             int64  `json:"capacity"`
	Price                *Money `json:"price"`
	MaxTicketsPerBooking *int64 `json:"max_tickets_per_booking"`
	OfferWindowMinutes   int64  `json:"offer_window_minutes"`
	// TicketTypes, when given, are the kinds of ticket the event sells; price is then
	// optional (the event's price mirrors the lowest public type's).
	TicketTypes []TicketTypeInput `json:"ticket_types,omitempty"`

	WaitingRoom     *waitroom.Input `json:"waiting_room"`
	InventoryShards *int            `json:"inventory_shards"`
}

// TypeIDOf is the id of the i-th type of POST /admin/events' ticket_types: derived from
// the event's id, so a replayed create names the same types.
func TypeIDOf(eventID string, i int) string { return DerivedID("ticket_type", eventID, fmt.Sprint(i)) }

// Event validates the input against the venue (nil when venue_id names none) and returns
// the new draft with every seat available.
func (in EventInput) Event(id string, venue *Venue, now time.Time) (Event, error) {
	f := fault.Fields{}
	e := Event{
		ID: id, Name: in.Name, Description: in.Description, Category: in.Category,
		VenueID: in.VenueID, Capacity: in.Capacity, OfferWindowMinutes: in.OfferWindowMinutes,
		Status: Draft, Version: 1, CreatedAt: Timestamp(now), UpdatedAt: Timestamp(now),
	}
	e.StartsAt = parseTime(f, "starts_at", in.StartsAt)
	e.EndsAt = parseTime(f, "ends_at", in.EndsAt)
	switch {
	case in.Price != nil:
		e.Price = *in.Price
	case len(in.TicketTypes) > 0 && in.TicketTypes[0].Price != nil:
		e.Price = *in.TicketTypes[0].Price // the currency every type must share
	default:
		f.Add("price", `is required, e.g. {"amount": 2500, "currency": "USD"}`)
	}
	if in.MaxTicketsPerBooking != nil {
		e.MaxTicketsPerBooking = *in.MaxTicketsPerBooking
	} else {
		e.MaxTicketsPerBooking = min(DefaultMaxTickets, max(e.Capacity, 1))
	}
	switch {
	case !ValidID(in.VenueID):
		f.Add("venue_id", "must be the id of a venue")
	case venue == nil:
		f.Add("venue_id", "no venue has this id")
	default:
		e.Venue = venue.Summary()
	}
	e.Available = e.Capacity
	if in.InventoryShards != nil {
		e.InventoryShards = shardsField(f, *in.InventoryShards)
	}
	if in.WaitingRoom != nil {
		e.WaitingRoom = applyRoom(f, *in.WaitingRoom, waitroom.Config{})
	}
	if in.InventoryShards == nil && e.WaitingRoom.Enabled {
		e.InventoryShards = autoShards(e)
	}
	e = normalizeEvent(e)
	validateEvent(f, e, venue)
	f.Check(!e.StartsAt.IsZero() && !e.StartsAt.After(now), "starts_at", "must be in the future")
	if len(in.TicketTypes) > 0 {
		types, err := TicketTypes(in.TicketTypes, e, func(i int) string { return TypeIDOf(id, i) })
		if fe, ok := fault.As(err); ok {
			for k, v := range fe.Fields {
				f.Add(k, v)
			}
		} else if err != nil {
			return Event{}, err
		}
		if f.Err() == nil {
			e = WithTypes(e, types, now)
		}
	}
	if err := f.Err(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// WithTypes returns e selling types (with their counters in TypeCounts), its price
// mirroring the lowest public type's.
func WithTypes(e Event, types []TicketType, now time.Time) Event {
	e.Types = make([]TicketType, len(types))
	e.TypeCounts = make(map[string]TypeCounters, len(types))
	for i, t := range types {
		t.EventID = e.ID
		t.Default = false
		t.CreatedAt, t.UpdatedAt = Timestamp(now), Timestamp(now)
		e.Types[i] = t
		e.TypeCounts[t.ID] = t.Counters
	}
	SortTypes(e.Types)
	if lo, _, ok := PriceRange(e.Types); ok {
		e.Price = lo
	}
	return e
}

// EventPatch is the body of PATCH /admin/events/{eventId}; absent fields stay as they are.
type EventPatch struct {
	Name                 *string `json:"name"`
	Description          *string `json:"description"`
	Category             *string `json:"category"`
	VenueID              *string `json:"venue_id"`
	StartsAt             *string `json:"starts_at"`
	EndsAt               *string `json:"ends_at"`
	Capacity             *int64  `json:"capacity"`
	Price                *Money  `json:"price"`
	MaxTicketsPerBooking *int64  `json:"max_tickets_per_booking"`
	OfferWindowMinutes   *int64  `json:"offer_window_minutes"` // 0: back to the default

	WaitingRoom     *waitroom.Input `json:"waiting_room"`
	InventoryShards *int            `json:"inventory_shards"`
}

// NeedsVenue reports whether applying the patch needs the (possibly new) venue: to check
// capacity against it, or to copy its summary.
func (p EventPatch) NeedsVenue() bool { return p.Capacity != nil || p.VenueID != nil }

// Apply returns e with the patch applied, after the lifecycle and seat rules:
//   - cancelled events are read-only;
//   - the venue may change only while the event is a draft (bookings are tied to a place);
//   - a new starts_at must be in the future;
//   - capacity stays within the venue and never below the seats already held or sold, and
//     available moves by the same amount;
//   - a new price applies to later bookings only; bookings keep the price they were sold at;
//   - a new offer window applies to later offers only.
//
// venue is the venue the event will be at when NeedsVenue, nil if venue_id names none.
func (p EventPatch) Apply(e Event, venue *Venue, now time.Time) (Event, error) {
	if p == (EventPatch{}) {
		return Event{}, fault.New(fault.Validation, "The patch changes nothing")
	}
	if e.Status == Cancelled {
		return Event{}, fault.New(fault.InvalidTransition, "A cancelled event cannot be changed")
	}
	f := fault.Fields{}
	if e.Typed() {
		// Each type has its own price and per-order limit; the event's mirror them.
		f.Check(p.Price != nil, "price", "is set per ticket type (PATCH /admin/events/{eventId}/ticket-types/{typeId})")
		f.Check(p.MaxTicketsPerBooking != nil, "max_tickets_per_booking", "is set per ticket type (max_per_order)")
		if err := f.Err(); err != nil {
			return Event{}, err
		}
	}
	before := e
	set(&e.Name, p.Name)
	set(&e.Description, p.Description)
	set(&e.Category, p.Category)
	set(&e.Capacity, p.Capacity)
	set(&e.Price, p.Price)
	set(&e.MaxTicketsPerBooking, p.MaxTicketsPerBooking)
	set(&e.OfferWindowMinutes, p.OfferWindowMinutes)
	if p.StartsAt != nil {
		e.StartsAt = parseTime(f, "starts_at", *p.StartsAt)
		f.Check(!e.StartsAt.IsZero() && !e.StartsAt.After(now), "starts_at", "must be in the future")
	}
	if p.EndsAt != nil {
		e.EndsAt = parseTime(f, "ends_at", *p.EndsAt)
	}
	if p.WaitingRoom != nil {
		e.WaitingRoom = applyRoom(f, *p.WaitingRoom, e.WaitingRoom)
	}
	if p.InventoryShards != nil && *p.InventoryShards != before.Shards() {
		if before.Status != Draft {
			// The shard items exist from publication on; splitting them again would
			// move held and sold seats between items.
			return Event{}, fault.New(fault.InvalidTransition, "inventory_shards can only change while the event is a draft")
		}
		e.InventoryShards = shardsField(f, *p.InventoryShards)
	} else if p.InventoryShards == nil && before.Status == Draft && before.Shards() == autoShards(before) {
		// The rule chose N (or agrees with the admin's choice): it follows the room's
		// rate, the capacity and the order limit until publication fixes it.
		if n := autoShards(e); n != e.Shards() {
			e.InventoryShards = n
		}
	}
	if p.VenueID != nil && *p.VenueID != before.VenueID {
		if before.Status != Draft {
			return Event{}, fault.New(fault.InvalidTransition, "The venue can only change while the event is a draft")
		}
		e.VenueID = *p.VenueID
	}
	if p.NeedsVenue() {
		switch {
		case !ValidID(e.VenueID):
			f.Add("venue_id", "must be the id of a venue")
		case venue == nil || venue.ID != e.VenueID:
			f.Add("venue_id", "no venue has this id")
		case e.VenueID != before.VenueID:
			e.Venue = venue.Summary()
		}
	}
	e = normalizeEvent(e)
	if !p.NeedsVenue() {
		venue = nil
	}
	validateEvent(f, e, venue)
	if err := f.Err(); err != nil {
		return Event{}, err
	}
	delta, err := CapacityDelta(before, e.Capacity)
	if err != nil {
		return Event{}, err
	}
	e.Available = before.Available + delta
	e.UpdatedAt = Timestamp(now)
	return e, nil
}

func normalizeEvent(e Event) Event {
	e.Name = strings.TrimSpace(e.Name)
	e.Description = strings.TrimSpace(e.Description)
	e.Category = strings.ToLower(strings.TrimSpace(e.Category))
	e.Price.Currency = strings.ToUpper(strings.TrimSpace(e.Price.Currency))
	return e
}

// validateEvent checks the fields every event must satisfy; venue is nil when its
// capacity need not be checked.
func validateEvent(f fault.Fields, e Event, venue *Venue) {
	checkText(f, "name", e.Name, 1, MaxNameLen)
	checkLongText(f, "description", e.Description, 0, MaxDescriptionLen)
	f.Check(len(e.Category) > maxCategoryLen || !categoryPattern.MatchString(e.Category), "category",
		fmt.Sprintf("must be a slug of lower-case letters, digits and hyphens, at most %d characters, e.g. live-music", maxCategoryLen))
	if !e.StartsAt.IsZero() && !e.EndsAt.IsZero() {
		f.Check(!e.EndsAt.After(e.StartsAt), "ends_at", "must be after starts_at")
	}
	switch {
	case e.Capacity < 1:
		f.Add("capacity", "must be at least 1")
	case venue != nil && e.Capacity > venue.Capacity:
		f.Add("capacity", fmt.Sprintf("must not exceed the venue's capacity of %d", venue.Capacity))
	}
	f.Check(e.Price.Amount < 0, "price.amount", "must be 0 or more (minor units, e.g. cents)")
	f.Check(!currencies[e.Price.Currency], "price.currency", "must be an ISO 4217 currency code, e.g. USD")
	f.Check(e.MaxTicketsPerBooking < 1 || (e.Capacity >= 1 && e.MaxTicketsPerBooking > e.Capacity),
		"max_tickets_per_booking", "must be from 1 to the event's capacity")
	f.Check(e.OfferWindowMinutes < 0 || e.OfferWindowMinutes > MaxOfferWindowMinutes, "offer_window_minutes",
		fmt.Sprintf("must be from 1 to %d minutes, or 0 for the default", MaxOfferWindowMinutes))
	f.Check(e.Shards() > inventory.MaxShards || (e.Capacity >= 1 && int64(e.Shards()) > e.Capacity), "inventory_shards", shardsRule)
}

var shardsRule = fmt.Sprintf("must be from 1 to %d, and at most the capacity (each shard holds a seat)", inventory.MaxShards)

// autoShards is inventory_shards when the admin leaves it to the rule: what the waiting
// room's admission rate needs (inventory.ShardsFor), 1 without a room.
func autoShards(e Event) int {
	if !e.WaitingRoom.Enabled {
		return 1
	}
	return inventory.ShardsFor(e.WaitingRoom.AdmissionPerSecond, e.Capacity, e.MaxTicketsPerBooking)
}

// shardsField is a given inventory_shards, which must be at least 1 (the upper bounds
// depend on the capacity: validateEvent).
func shardsField(f fault.Fields, n int) int {
	f.Check(n < 1, "inventory_shards", shardsRule)
	return n
}

// checkText checks a one-line field: control characters (a NUL, an escape sequence, a
// line break) have no place in a name or an address, and would corrupt whatever later
// prints, logs or exports it.
func checkText(f fault.Fields, field, v string, minLen, maxLen int) {
	checkTextWith(f, field, v, minLen, maxLen, false)
}

// checkLongText checks free text where line breaks and tabs are how people lay it out.
func checkLongText(f fault.Fields, field, v string, minLen, maxLen int) {
	checkTextWith(f, field, v, minLen, maxLen, true)
}

func checkTextWith(f fault.Fields, field, v string, minLen, maxLen int, multiline bool) {
	n := utf8.RuneCountInString(v)
	switch {
	case !utf8.ValidString(v):
		f.Add(field, "must be valid UTF-8")
	case hasControl(v, multiline):
		msg := "must not contain control characters"
		if multiline {
			msg += " other than line breaks and tabs"
		}
		f.Add(field, msg)
	case n < minLen:
		f.Add(field, "is required")
	case n > maxLen:
		f.Add(field, fmt.Sprintf("must be at most %d characters", maxLen))
	}
}

// hasControl reports a C0 or C1 control character or DEL (Unicode category Cc), line
// breaks and tabs aside when multiline.
func hasControl(v string, multiline bool) bool {
	return strings.IndexFunc(v, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	}) >= 0
}

func parseTime(f fault.Fields, field, v string) time.Time {
	if v == "" {
		f.Add(field, "is required (RFC 3339, e.g. 2027-01-31T20:00:00Z)")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f.Add(field, "must be an RFC 3339 time, e.g. 2027-01-31T20:00:00Z")
		return time.Time{}
	}
	return Timestamp(t)
}

// Timestamp is how this package keeps times: UTC, whole seconds. The fixed width makes
// the strings sort as the times do, which the table's sort keys rely on.
func Timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// currencies are the ISO 4217 codes of currencies in circulation (2025), without funds,
// precious metals and testing codes, which no ticket is priced in.
var currencies = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`
		AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
		BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP
		ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
		IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
		LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
		NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
		SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
		USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG`) {
		m[c] = true
	}
	return m
}()
