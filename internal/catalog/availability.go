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
}

// NewAvailabilityReader caches reads for ttl.
func NewAvailabilityReader(store Store, ttl time.Duration, now func() time.Time) *AvailabilityReader {
	return &AvailabilityReader{store: store, cache: cache.New[string, Availability](ttl, maxCachedEvents, now)}
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
	return a, nil
}
