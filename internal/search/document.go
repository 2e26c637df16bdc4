// Package search keeps the public event search in OpenSearch: the index settings and
// mappings (versioned, behind an alias), the document an event becomes, the queries the
// search and suggest routes run, and the writes the indexer makes with external
// versioning, so an older change can never overwrite a newer one.
package search

import (
	"strings"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
)

// Document is what the index holds for one event. A cancelled event keeps a tombstone (its
// id, status and version only) rather than being deleted: OpenSearch forgets a deleted
// document's version after index.gc_deletes (60 s), after which a late, older "published"
// change would bring the event back. Queries only ever match status "published".
type Document struct {
	EventID      string         `json:"event_id"`
	Status       catalog.Status `json:"status"`
	Version      int64          `json:"version"`
	Name         string         `json:"name,omitempty"`
	Description  string         `json:"description,omitempty"`
	Category     string         `json:"category,omitempty"`
	VenueID      string         `json:"venue_id,omitempty"`
	VenueName    string         `json:"venue_name,omitempty"`
	VenueAddress string         `json:"venue_address,omitempty"`
	City         string         `json:"city,omitempty"`
	StartsAt     *time.Time     `json:"starts_at,omitempty"`
	EndsAt       *time.Time     `json:"ends_at,omitempty"`
	Price        *catalog.Money `json:"price,omitempty"`
	// The public ticket types' price range and every distinct price among them (minor
	// units, in price's currency); an event without types has its one price in each.
	// A budget filter matches when any price is in range.
	MinPrice  *int64     `json:"min_price,omitempty"`
	MaxPrice  *int64     `json:"max_price,omitempty"`
	Prices    []int64    `json:"prices,omitempty"`
	Capacity  int64      `json:"capacity,omitempty"`
	Available int64      `json:"available"`
	SoldOut   bool       `json:"sold_out"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	Suggest   []string   `json:"suggest,omitempty"`
}

// Change is one write the index must make: the event's document, or its tombstone.
type Change struct {
	EventID string
	Version int64
	Doc     Document
}

// ChangeFor returns the write an event's current state calls for: published events are
// indexed, cancelled ones become tombstones, and drafts need nothing (ok is false). The
// write's version is the event's StateVersion: a sharded event's seats move on its
// shards, whose versions it adds.
func ChangeFor(e catalog.Event) (c Change, ok bool) {
	switch e.Status {
	case catalog.Published:
		return Change{EventID: e.ID, Version: e.StateVersion(), Doc: documentOf(e)}, true
	case catalog.Cancelled:
		return Removal(e.ID, e.StateVersion()), true
	}
	return Change{}, false
}

// Removal is the tombstone for an event that is gone from the catalogue at version.
func Removal(id string, version int64) Change {
	return Change{EventID: id, Version: version, Doc: Document{EventID: id, Status: catalog.Cancelled, Version: version}}
}

func documentOf(e catalog.Event) Document {
	starts, ends, updated := e.StartsAt.UTC(), e.EndsAt.UTC(), e.UpdatedAt.UTC()
	price := e.Price
	prices := e.Prices
	if len(prices) == 0 {
		prices = []int64{e.Price.Amount}
	}
	lo, hi := prices[0], prices[len(prices)-1]
	return Document{
		MinPrice: &lo, MaxPrice: &hi, Prices: prices,
		EventID: e.ID, Status: e.Status, Version: e.Version,
		Name: e.Name, Description: e.Description, Category: e.Category,
		VenueID: e.VenueID, VenueName: e.Venue.Name, VenueAddress: e.Venue.Address, City: e.Venue.City,
		StartsAt: &starts, EndsAt: &ends, Price: &price,
		Capacity: e.Capacity, Available: e.ForSale(), SoldOut: e.SoldOut(), UpdatedAt: &updated,
		Suggest: suggestInputs(e.Name),
	}
}

// maxSuggestWords bounds the completion inputs per name; names are short.
const maxSuggestWords = 6

// suggestInputs lets a prefix match the start of any word of the name, not only its first:
// "Rock Night" is suggested for "roc" and for "nig". The completion suggester matches
// from the start of an input, so each word-suffix of the name is an input.
func suggestInputs(name string) []string {
	words := strings.Fields(name)
	if len(words) == 0 {
		return nil
	}
	inputs := []string{strings.Join(words, " ")}
	for i := 1; i < len(words) && i < maxSuggestWords; i++ {
		inputs = append(inputs, strings.Join(words[i:], " "))
	}
	return inputs
}
