// Package cache is a small per-instance read-through cache with bounded staleness: a value
// is served for at most TTL after it was read, and concurrent misses for one key share a
// single load, so a burst of cold reads costs the backend one read.
package cache

import (
	"context"
	"sync"
	"time"
)

// Cache maps keys to values loaded on demand. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu       sync.Mutex
	entries  map[K]entry[V]
	inflight map[K]*call[V]
}

type entry[V any] struct {
	value V
	at    time.Time
}

type call[V any] struct {
	done  chan struct{}
	value V
	at    time.Time
	err   error
}

// New returns a cache that serves a value for less than ttl after it was read and keeps at
// most maxEntries values. ttl 0 disables caching but keeps loads shared.
func New[K comparable, V any](ttl time.Duration, maxEntries int, now func() time.Time) *Cache[K, V] {
	return &Cache[K, V]{
		ttl: ttl, max: max(maxEntries, 1), now: now,
		entries: map[K]entry[V]{}, inflight: map[K]*call[V]{},
	}
}

// Get returns key's value and when it was read. A value younger than the TTL is served
// from memory; otherwise load runs once for every concurrent caller of the key. Errors
// are not cached, so the next call tries again.
func (c *Cache[K, V]) Get(ctx context.Context, key K, load func(context.Context) (V, error)) (V, time.Time, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && c.now().Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.value, e.at, nil
	}
	if cl, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-cl.done:
			return cl.value, cl.at, cl.err
		case <-ctx.Done():
			var zero V
			return zero, time.Time{}, ctx.Err()
		}
	}
	cl := &call[V]{done: make(chan struct{})}
	c.inflight[key] = cl
	c.mu.Unlock()

	// The read time is taken before the load: the data is at least this fresh, so the
	// staleness bound holds however long the load takes.
	cl.at = c.now()
	defer func() {
		c.mu.Lock()
		delete(c.inflight, key)
		if cl.err == nil && c.ttl > 0 {
			c.put(key, entry[V]{cl.value, cl.at})
		}
		c.mu.Unlock()
		close(cl.done)
	}()
	cl.value, cl.err = load(ctx)
	return cl.value, cl.at, cl.err
}

// put stores an entry, making room first: expired entries go, and if none has expired an
// arbitrary one does. The sweep is O(n) but only runs when the cache is full.
func (c *Cache[K, V]) put(key K, e entry[V]) {
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		now := c.now()
		for k, old := range c.entries {
			if now.Sub(old.at) >= c.ttl {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}
