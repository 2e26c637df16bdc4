package booking

import (
	"context"
	"sync"
	"time"
)

// EventCache keeps the events a Lambda instance has read, for at most ttl, so a
// reservation usually costs one round trip (the transaction). Staleness is harmless by
// construction: the transaction's condition repeats the cached price and limits, and a
// mismatch fails it with the stored event attached (StaleEventError), never a wrong sale.
// Only published events are cached: a draft may be published any moment, and the first
// buyers of an on-sale must not be turned away by a cached "not on sale".
type EventCache struct {
	store Store
	ttl   time.Duration
	mu    sync.Mutex
	items map[string]cachedEvent
}

type cachedEvent struct {
	ev     *Event
	expiry time.Time
}

// NewEventCache caches store's events for ttl (0 disables the cache).
func NewEventCache(store Store, ttl time.Duration) *EventCache {
	return &EventCache{store: store, ttl: ttl, items: map[string]cachedEvent{}}
}

// Get returns the event, from the cache when fresh.
func (c *EventCache) Get(ctx context.Context, id string, now time.Time) (*Event, error) {
	c.mu.Lock()
	ce, ok := c.items[id]
	c.mu.Unlock()
	if ok && now.Before(ce.expiry) {
		return ce.ev, nil
	}
	ev, err := c.store.GetEvent(ctx, id)
	if err != nil {
		return nil, err
	}
	c.Put(ev, now)
	return ev, nil
}

// Put stores a fresher copy, e.g. the one a failed transaction returned.
func (c *EventCache) Put(ev *Event, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ev.Status != Published {
		delete(c.items, ev.ID)
		return
	}
	c.items[ev.ID] = cachedEvent{ev: ev, expiry: now.Add(c.ttl)}
}
