package catalog

import (
	"context"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/cache"
)

// maxCachedEvents bounds the availability cache of one instance; an instance serves a
// handful of hot events, so this is far above the working set.
const maxCachedEvents = 10_000

// AvailabilityReader serves GET /events/{id}/availability from a per-instance cache with
// bounded staleness (the predecessor served a shared Redis copy up to 30 s old). AsOf is
// when the numbers were read from the table.
type AvailabilityReader struct {
	store Store
	cache *cache.Cache[string, Availability]
	codes CodeLookup
	now   func() time.Time
}

// Unlock is what a promo code sent with a public read unlocks: the hidden types it makes
// visible, and its rev (a public answer's ETag carries it).
type Unlock struct {
	Rev   int64
	Types func(typeID string) bool
}

// CodeLookup finds a usable promo code of an event for a public read; ok is false when
// the event has no such code (the read then shows what it shows without one, so codes
// cannot be probed by the answer's shape).
type CodeLookup func(ctx context.Context, eventID, code string) (u Unlock, ok bool, err error)

// WithCodes has the reader honour ?promo_code= with lookup.
func (r *AvailabilityReader) WithCodes(lookup CodeLookup) *AvailabilityReader {
	r.codes = lookup
	return r
}

// NewAvailabilityReader caches reads for ttl.
func NewAvailabilityReader(store Store, ttl time.Duration, now func() time.Time) *AvailabilityReader {
	return &AvailabilityReader{store: store, cache: cache.New[string, Availability](ttl, maxCachedEvents, now), now: now}
}

// Get returns an event's availability; drafts and unknown events are not found. A miss is
// cached too (as an empty status), so polling a bad id cannot hammer the table.
func (r *AvailabilityReader) Get(ctx context.Context, id string) (Availability, error) {
	if !ValidID(id) {
		return Availability{}, EventNotFound()
	}
	a, at, err := r.cache.Get(ctx, id, func(ctx context.Context) (Availability, error) {
		a, err := r.store.Availability(ctx, id)
		if isNotFound(err) {
			return Availability{}, nil
		}
		return a, err
	})
	if err != nil {
		return Availability{}, err
	}
	if !Visible(a.Status) {
		return Availability{}, EventNotFound()
	}
	a.AsOf = at.UTC().Truncate(time.Millisecond)
	a.TicketTypes = a.event().PublicTicketTypes(r.now(), nil)
	return a, nil
}

// GetWithCode is Get, with the hidden types promo code unlocks listed too ("" for none).
func (r *AvailabilityReader) GetWithCode(ctx context.Context, id, code string) (Availability, error) {
	a, err := r.Get(ctx, id)
	if err != nil || code == "" || r.codes == nil || !a.Typed() {
		return a, err
	}
	u, ok, err := r.codes(ctx, id, code)
	if err != nil || !ok {
		return a, err
	}
	a.CodeRev = u.Rev
	a.TicketTypes = a.event().PublicTicketTypes(r.now(), u.Types)
	return a, nil
}
