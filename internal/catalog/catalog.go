// Package catalog holds venues and events: their shapes, validation, the event lifecycle
// (draft -> published -> cancelled), the seat-counter rules for capacity changes, and the
// Store the adapters implement. It knows nothing about AWS; internal/dynamo stores it.
package catalog

import (
	"encoding/json"
	"time"
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
	Price                Money        `json:"price"`
	MaxTicketsPerBooking int64        `json:"max_tickets_per_booking"`
	Status               Status       `json:"status"`
	Version              int64        `json:"version"`
	CreatedAt            time.Time    `json:"created_at"`
	UpdatedAt            time.Time    `json:"updated_at"`
}

// SoldOut reports a published event with no seat left. It stays listed: people still look
// at it, and seats come back when holds expire.
func (e Event) SoldOut() bool { return e.Status == Published && e.Available == 0 }

// Taken is the number of seats held, sold or set aside for the waitlist, which a capacity
// change must leave room for.
func (e Event) Taken() int64 { return e.Held + e.Sold + e.Offering }

// MarshalJSON adds the derived sold_out so no caller can forget it.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		plain
		SoldOut bool `json:"sold_out"`
	}{plain(e), e.SoldOut()})
}

// AdminEvent is the admin's view of an event: the public one plus the seat breakdown.
type AdminEvent struct{ Event }

// MarshalJSON keeps the embedded Event's MarshalJSON from swallowing held and sold.
func (a AdminEvent) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		plain
		SoldOut  bool  `json:"sold_out"`
		Held     int64 `json:"held"`
		Sold     int64 `json:"sold"`
		Offering int64 `json:"offering"`
	}{plain(a.Event), a.Event.SoldOut(), a.Event.Held, a.Event.Sold, a.Event.Offering})
}

// ForAdmin returns the admin view.
func (e Event) ForAdmin() AdminEvent { return AdminEvent{e} }

// Availability is the hot, public read of an event's seats. AsOf is when the numbers were
// read from the table, so a cached answer says how old it is.
type Availability struct {
	EventID   string    `json:"event_id"`
	Capacity  int64     `json:"capacity"`
	Available int64     `json:"available"`
	Status    Status    `json:"status"`
	Version   int64     `json:"version"`
	AsOf      time.Time `json:"as_of"`
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
