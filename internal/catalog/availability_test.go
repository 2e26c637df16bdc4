package catalog

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// countingStore answers Availability from a map and counts the reads; the reader uses
// nothing else of the Store.
type countingStore struct {
	Store
	reads  atomic.Int32
	events map[string]Availability
	gate   chan struct{} // when set, reads wait for it
}

func (s *countingStore) Availability(_ context.Context, id string) (Availability, error) {
	s.reads.Add(1)
	if s.gate != nil {
		<-s.gate
	}
	a, ok := s.events[id]
	if !ok {
		return Availability{}, EventNotFound()
	}
	return a, nil
}

func TestAvailabilityReader(t *testing.T) {
	pub, draft := NewID(), NewID()
	store := &countingStore{events: map[string]Availability{
		pub:   {EventID: pub, Capacity: 10, Available: 4, Status: Published, Version: 9},
		draft: {EventID: draft, Capacity: 10, Available: 10, Status: Draft, Version: 1},
	}}
	clk := now
	r := NewAvailabilityReader(store, time.Second, func() time.Time { return clk })

	a, err := r.Get(context.Background(), pub)
	if err != nil || a.Available != 4 || a.Version != 9 || !a.AsOf.Equal(now) {
		t.Fatalf("%+v %v", a, err)
	}
	clk = now.Add(900 * time.Millisecond)
	if a, _ := r.Get(context.Background(), pub); !a.AsOf.Equal(now) || store.reads.Load() != 1 {
		t.Fatalf("warm read: as_of %s, %d reads", a.AsOf, store.reads.Load())
	}
	clk = now.Add(time.Second)
	if a, _ := r.Get(context.Background(), pub); !a.AsOf.Equal(clk) || store.reads.Load() != 2 {
		t.Fatalf("stale read: as_of %s, %d reads", a.AsOf, store.reads.Load())
	}

	for _, id := range []string{draft, NewID(), "not-an-id"} {
		if _, err := r.Get(context.Background(), id); !fault.Is(err, fault.NotFound) {
			t.Fatalf("%s: %v", id, err)
		}
	}
	before := store.reads.Load()
	_, _ = r.Get(context.Background(), draft)
	if store.reads.Load() != before {
		t.Fatal("a cached miss read the table again")
	}
}

func TestAvailabilityBurstCostsOneRead(t *testing.T) {
	id := NewID()
	store := &countingStore{gate: make(chan struct{}), events: map[string]Availability{
		id: {EventID: id, Capacity: 10, Available: 4, Status: Published, Version: 3}}}
	r := NewAvailabilityReader(store, time.Second, func() time.Time { return now })
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if a, err := r.Get(context.Background(), id); err != nil || a.Available != 4 {
				t.Errorf("%+v %v", a, err)
			}
		})
	}
	close(store.gate)
	wg.Wait()
	if n := store.reads.Load(); n != 1 {
		t.Fatalf("100 cold reads cost %d table reads, want 1", n)
	}
}

// BenchmarkAvailabilityWarm is the hot path of GET /events/{id}/availability on a warm
// instance: a cache hit, shared by concurrent callers.
func BenchmarkAvailabilityWarm(b *testing.B) {
	id := NewID()
	store := &countingStore{events: map[string]Availability{
		id: {EventID: id, Capacity: 10, Available: 4, Status: Published, Version: 3}}}
	r := NewAvailabilityReader(store, time.Hour, time.Now)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Get(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(store.reads.Load()), "table-reads")
}
