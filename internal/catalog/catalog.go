// Package catalog holds venues and events: their shapes, validation, the event lifecycle
// (draft -> published -> cancelled), the seat-counter rules for capacity changes, and the
// Store the adapters implement. It knows nothing about AWS; internal/dynamo stores it.
package catalog

import (
	"encoding/json"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// Status is where an event is in its lifecycle.
type Status string

const (
	Draft     Status = "draft"
	Published Status = "published"
	Cancelled Status = "cancelled"
)

// Money is an amount in minor units (cents) of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Venue is a place events happen at.
type Venue struct {
	ID         string    `json:"venue_id"`
	Name       string    `json:"name"`
	Address    string    `json:"address"`
	City       string    `json:"city"`
	State      string    `json:"state"`
	Country    string    `json:"country"`
	PostalCode string    `json:"postal_code"`
	Capacity   int64     `json:"capacity"`
	Version    int64     `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// VenueSummary is the copy of a venue an event carries, so catalogue reads need no join.
// It is taken when the event is created or moved to another venue.
type VenueSummary struct {
	Name    string `json:"name"`
	City    string `json:"city"`
	Address string `json:"address"`
}

// Summary returns the part of the venue an event keeps.
func (v Venue) Summary() VenueSummary {
	return VenueSummary{Name: v.Name, City: v.City, Address: v.Address}
}

// Event is something tickets are sold for. Seats obey
// capacity = available + held + sold + offering; booking and waitlist code move seats
// between the counters, catalogue code owns the rest.
type Event struct {
	ID                   string       `json:"event_id"`
	Name                 string       `json:"name"`
	Description          string       `json:"description"`
	Category             string       `json:"category"`
	VenueID              string       `json:"venue_id"`
	Venue                VenueSummary `json:"venue"`
	StartsAt             time.Time    `json:"starts_at"`
	EndsAt               time.Time    `json:"ends_at"`
	Capacity             int64        `json:"capacity"`
	Available            int64        `json:"available"`
	Held                 int64        `json:"-"`
	Sold                 int64        `json:"-"`
	Offering             int64        `json:"-"` // freed seats set aside for the waitlist
	Waiting              int64        `json:"-"` // waitlist entries not yet offered seats
	Price                Money        `json:"price"`
	MaxTicketsPerBooking int64        `json:"max_tickets_per_booking"`
	// OfferWindowMinutes is how long a waitlist offer holds its seats; 0 leaves it to the
	// deployment's default (OFFER_DURATION, 30 minutes).
	OfferWindowMinutes int64     `json:"offer_window_minutes,omitempty"`
	Status             Status    `json:"status"`
	Version            int64     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	// TypeCounts is the event item's tt map (docs/ticket-types.md): each stored type's
	// counters. nil for an event that sells its default type (lazy migration).
	TypeCounts map[string]TypeCounters `json:"-"`
	// Types are the stored types with their counters, when the read fetched them (GetEvent
	// does, list reads do not).
	Types []TicketType `json:"-"`
	// WaitingAny counts waitlist entries for any type of a typed event.
	WaitingAny int64 `json:"-"`
	// Unlock names the hidden types a promo code sent with a public read unlocks (nil:
	// none); the public view lists them.
	Unlock func(typeID string) bool `json:"-"`
	// Prices are the distinct prices of the public types (typed events only), ascending:
	// what search documents filter a budget on.
	Prices []int64 `json:"-"`

	// WaitingRoom is the on-sale's waiting room (docs/waiting-room.md); zero when none.
	WaitingRoom waitroom.Config `json:"waiting_room,omitzero"`
	// InventoryShards is how many items the seats are spread over once the event is
	// published (docs/waiting-room.md §5); 0 or 1: the event item itself. The admin
	// view shows it.
	InventoryShards int `json:"-"`
	// InventoryVersion is the sum of the shards' versions when they were read (0 for an
	// unsharded event): seats move on the shards without writing the event item, so
	// Version alone does not change when they do.
	InventoryVersion int64 `json:"-"`
}

// Shards is the number of inventory items: InventoryShards, at least 1.
func (e Event) Shards() int { return max(e.InventoryShards, 1) }

// Sharded reports whether the seats are in shard items: they are made at publication.
func (e Event) Sharded() bool { return e.Shards() > 1 && e.Status != Draft }

// StateVersion grows with every write to the event item or any of its shards, so it
// orders the reads of one event (made one after another, each consistent): what search
// documents are versioned by.
func (e Event) StateVersion() int64 { return e.Version + e.InventoryVersion }

// Typed reports whether the event has stored ticket types (a tt map).
func (e Event) Typed() bool { return e.TypeCounts != nil }

// SellingTypes are the types the event sells: the default type of an untyped event, the
// stored ones otherwise (nil when a typed event was read without them, as lists are).
func (e Event) SellingTypes() []TicketType {
	if !e.Typed() {
		return []TicketType{DefaultTicketType(e)}
	}
	if len(e.Types) == 0 {
		return nil
	}
	return EffectiveTypes(e, e.Types)
}

// PublicTicketTypes are the types a public read lists at now, with what is for sale;
// unlocked names hidden types a promo code unlocks (nil: none).
func (e Event) PublicTicketTypes(now time.Time, unlocked func(string) bool) []PublicType {
	ts := PublicTypes(e.SellingTypes(), now, unlocked)
	if ts == nil {
		return nil
	}
	out := make([]PublicType, len(ts))
	for i, t := range ts {
		out[i] = t.Public(now, e.Available, e.WaitingAny)
	}
	return out
}

// SoldOut reports a published event the public cannot buy from: no seat is free, or people
// wait, in which case every free seat belongs to the line (a capacity increase can leave
// free seats for a moment until the waitlist worker claims them). It stays listed: people
// still look at it, join its waitlist, and seats come back when holds expire.
//
// A typed event read with its types is sold out when every public type is.
func (e Event) SoldOut() bool {
	if e.Typed() && len(e.Types) > 0 && e.Status == Published {
		for _, t := range e.PublicTicketTypes(time.Now(), nil) {
			if !t.SoldOut {
				return false
			}
		}
		return true
	}
	return soldOut(e.Status, e.Available, e.Waiting)
}

func soldOut(s Status, available, waiting int64) bool {
	return s == Published && forSale(available, waiting) == 0
}

// ForSale is the number of seats the public can reserve now.
func (e Event) ForSale() int64 { return forSale(e.Available, e.Waiting) }

func forSale(available, waiting int64) int64 {
	if waiting > 0 {
		return 0
	}
	return available
}

// Taken is the number of seats held, sold or set aside for the waitlist, which a capacity
// change must leave room for.
func (e Event) Taken() int64 { return e.Held + e.Sold + e.Offering }

// MarshalJSON adds the derived sold_out and the public ticket types, and shows as
// available only the seats the public can reserve, so no caller can forget either. Sale
// windows are judged at the time of rendering.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		plain
		Available   int64        `json:"available"`
		SoldOut     bool         `json:"sold_out"`
		TicketTypes []PublicType `json:"ticket_types,omitempty"`
	}{plain(e), e.ForSale(), e.SoldOut(), e.PublicTicketTypes(time.Now(), e.Unlock)})
}

// AdminType is a ticket type as the admin sees it: every type, hidden and paused ones
// included, with its seat counters.
type AdminType struct {
	TicketType
	TypeCounters
}

// AdminEvent is the admin's view of an event: the public one plus the seat breakdown, with
// available as stored, so capacity = available + held + sold + offering adds up.
type AdminEvent struct{ Event }

// MarshalJSON keeps the embedded Event's MarshalJSON from swallowing the breakdown.
func (a AdminEvent) MarshalJSON() ([]byte, error) {
	type plain Event
	var types []AdminType
	for _, t := range a.Event.SellingTypes() {
		types = append(types, AdminType{t, t.Counters})
	}
	return json.Marshal(struct {
		plain
		SoldOut     bool        `json:"sold_out"`
		Held        int64       `json:"held"`
		Sold        int64       `json:"sold"`
		Offering    int64       `json:"offering"`
		Waiting     int64       `json:"waiting"`
		TicketTypes []AdminType `json:"ticket_types,omitempty"`
		Shards      int         `json:"inventory_shards"`
	}{plain(a.Event), a.Event.SoldOut(), a.Event.Held, a.Event.Sold, a.Event.Offering, a.Event.Waiting, types, a.Event.Shards()})
}

// ForAdmin returns the admin view.
func (e Event) ForAdmin() AdminEvent { return AdminEvent{e} }

// Availability is the hot, public read of an event's seats. AsOf is when the numbers were
// read from the table, so a cached answer says how old it is. Available is as stored;
// MarshalJSON shows the public what it can reserve, as Event does.
type Availability struct {
	EventID   string    `json:"event_id"`
	Capacity  int64     `json:"capacity"`
	Available int64     `json:"available"`
	Waiting   int64     `json:"waiting"`
	Status    Status    `json:"status"`
	Version   int64     `json:"version"`
	AsOf      time.Time `json:"as_of"`
	// TicketTypes are the types on sale with what each has for sale, filled by the
	// reader per request (a promo code may unlock hidden ones).
	TicketTypes []PublicType `json:"ticket_types,omitempty"`
	// What the types are read from: the default type needs the event's price and limit.
	Price                Money                   `json:"-"`
	MaxTicketsPerBooking int64                   `json:"-"`
	TypeCounts           map[string]TypeCounters `json:"-"`
	Types                []TicketType            `json:"-"`
	WaitingAny           int64                   `json:"-"`
	// CodeRev is the rev of the promo code that unlocked types (0: none): it is part of
	// the ETag, so an edit of the code changes the answer's tag.
	CodeRev int64 `json:"-"`
	// InventoryVersion is Event.InventoryVersion: part of the ETag of a sharded event.
	InventoryVersion int64 `json:"-"`
}

// event is the part of an Event availability knows, for the type rules.
func (a Availability) event() Event {
	return Event{ID: a.EventID, Capacity: a.Capacity, Available: a.Available, Waiting: a.Waiting, Status: a.Status,
		Version: a.Version, Price: a.Price, MaxTicketsPerBooking: a.MaxTicketsPerBooking,
		TypeCounts: a.TypeCounts, Types: a.Types, WaitingAny: a.WaitingAny}
}

// AvailabilityOf is the availability view of an event read whole.
func AvailabilityOf(e Event) Availability {
	return Availability{EventID: e.ID, Capacity: e.Capacity, Available: e.Available, Waiting: e.Waiting,
		Status: e.Status, Version: e.Version, Price: e.Price, MaxTicketsPerBooking: e.MaxTicketsPerBooking,
		TypeCounts: e.TypeCounts, Types: e.Types, WaitingAny: e.WaitingAny, InventoryVersion: e.InventoryVersion}
}

// SoldOut is Event.SoldOut for the counters availability reads.
func (a Availability) SoldOut() bool {
	if a.Typed() {
		return a.event().SoldOut()
	}
	return soldOut(a.Status, a.Available, a.Waiting)
}

// Typed reports whether the event has stored ticket types.
func (a Availability) Typed() bool { return a.TypeCounts != nil }

// MarshalJSON adds the derived sold_out and shows only the seats for sale.
func (a Availability) MarshalJSON() ([]byte, error) {
	type plain Availability
	return json.Marshal(struct {
		plain
		Available int64 `json:"available"`
		SoldOut   bool  `json:"sold_out"`
	}{plain(a), forSale(a.Available, a.Waiting), a.SoldOut()})
}

// Page is one page of a list; NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// VenueFilter selects venues for the admin list.
type VenueFilter struct {
	City   string // exact, case-insensitive
	Query  string // substring of the name, case-insensitive
	Cursor string
	Limit  int
}

// EventFilter selects events for the admin list, newest first.
type EventFilter struct {
	Status Status // empty: every status
	Cursor string
	Limit  int
}

// PublicFilter selects published events for the public catalogue, by start time.
type PublicFilter struct {
	City     string // exact, case-insensitive
	Category string
	From     time.Time // start time at or after; never before now
	To       time.Time // start time at or before; zero: no bound
	Cursor   string
	Limit    int
}
