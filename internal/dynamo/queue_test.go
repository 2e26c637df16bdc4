package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// roomEvent is a published event whose waiting room opened an hour ago and whose sale
// starts at onSale.
func (f *fixture) roomEvent(onSale time.Time, rate int, capacity int64) catalog.Event {
	f.t.Helper()
	v := f.venue("Stadium", "Leeds", 100_000)
	in := f.eventInput(v, "Final", "sport", 30*24*time.Hour, capacity)
	in.WaitingRoom = &waitroom.Input{Enabled: ptr(true), OpensAt: ptr(onSale.Add(-time.Hour).Format(time.RFC3339)),
		OnSaleAt: ptr(onSale.Format(time.RFC3339)), AdmissionPerSecond: ptr(rate)}
	e, err := f.svc.CreateEvent(f.ctx, "admin-1", "", in)
	if err != nil {
		f.t.Fatalf("create event: %v", err)
	}
	return f.publish(e)
}

func TestQueueJoinIsOneEntryPerUser(t *testing.T) {
	f := newFixture(t)
	q := dynamo.NewQueue(f.store, 8)
	e := f.roomEvent(f.now.Add(time.Hour).Truncate(time.Second), 100, 100)
	if !e.WaitingRoom.Enabled || e.WaitingRoom.AdmissionPerSecond != 100 || e.WaitingRoom.AdmissionTTLSeconds != 600 {
		t.Fatalf("stored room = %+v", e.WaitingRoom)
	}
	first := waitroom.Entry{UserID: "u1", Slot: waitroom.PreQueue, Draw: 1<<63 + 5}
	got, created, err := q.Join(f.ctx, e.ID, first, f.now, f.now.Add(48*time.Hour))
	if err != nil || !created || got != first {
		t.Fatalf("first join = %+v, %v, %v", got, created, err)
	}
	again := waitroom.Entry{UserID: "u1", Slot: 1234, Draw: 7}
	got, created, err = q.Join(f.ctx, e.ID, again, f.now.Add(time.Minute), f.now.Add(48*time.Hour))
	if err != nil || created || got != first {
		t.Fatalf("second join = %+v, %v, %v; want the first entry back", got, created, err)
	}
	read, err := q.Entry(f.ctx, e.ID, "u1")
	if err != nil || read == nil || *read != first {
		t.Fatalf("Entry = %+v, %v", read, err)
	}
	if none, err := q.Entry(f.ctx, e.ID, "u2"); err != nil || none != nil {
		t.Fatalf("Entry of a user who never joined = %+v, %v", none, err)
	}
	for range 3 {
		if err := q.CountRepeatJoin(f.ctx, "u1", f.now); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := q.JoinAttempts(f.ctx, "u1", f.now); err != nil || n != 3 {
		t.Fatalf("JoinAttempts = %d, %v; want 3", n, err)
	}
	if n, err := q.JoinAttempts(f.ctx, "u1", f.now.Add(time.Minute)); err != nil || n != 0 {
		t.Fatalf("next minute's JoinAttempts = %d, %v; want 0", n, err)
	}
	// The PATCH path keeps the room and re-validates it.
	patched, err := f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{WaitingRoom: &waitroom.Input{AdmissionPerSecond: ptr(5000)}})
	if err != nil || patched.WaitingRoom.AdmissionPerSecond != 5000 || !patched.WaitingRoom.Enabled {
		t.Fatalf("patch = %+v, %v", patched.WaitingRoom, err)
	}
	_, err = f.svc.UpdateEvent(f.ctx, e.ID, patched.Version, catalog.EventPatch{WaitingRoom: &waitroom.Input{OpensAt: ptr("2020-01-01T00:00:00Z")}})
	if err == nil {
		t.Fatal("opens_at years before the sale was accepted")
	}
}

// TestQueueBucketsFixedAtPublication: an event's line spreads over the buckets its
// capacity called for when it was published (16 for a small room, 256 for 50,000
// seats), and a later capacity change does not move it: every join is still found by
// the seal's count.
func TestQueueBucketsFixedAtPublication(t *testing.T) {
	f := newFixture(t)
	q := dynamo.NewQueue(f.store, 0)
	onSale := f.now.Add(time.Hour).Truncate(time.Second)
	for _, c := range []struct {
		capacity int64
		buckets  int
	}{{100, 16}, {50_000, 256}} {
		e := f.roomEvent(onSale, 100, c.capacity)
		as := dynamo.NewQueue(f.store, c.buckets)
		join := func(from, to int) {
			for i := from; i < to; i++ {
				u := fmt.Sprintf("u%d", i)
				if _, _, err := q.Join(f.ctx, e.ID, waitroom.Entry{UserID: u, Slot: waitroom.PreQueue, Draw: uint64(i)}, f.now, f.now.Add(48*time.Hour)); err != nil {
					t.Fatal(err)
				}
				if got, err := as.Entry(f.ctx, e.ID, u); err != nil || got == nil {
					t.Fatalf("%d seats: %s's entry is not where %d buckets put it: %v, %v", c.capacity, u, c.buckets, got, err)
				}
			}
		}
		join(0, 20)
		patched, err := f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{Capacity: ptr(c.capacity * 2)})
		if err != nil || patched.Capacity != c.capacity*2 {
			t.Fatalf("capacity patch = %d, %v", patched.Capacity, err)
		}
		join(20, 40)
		if n, err := dynamo.NewQueue(f.store, 0).CountPreQueue(f.ctx, e.ID); err != nil || n != 40 {
			t.Fatalf("%d seats: pre-queue counted %d, %v; want 40", c.capacity, n, err)
		}
	}
}

// TestQueueSealIsIdempotent: sealing a pre-queue twice (a crash between the pages and
// the SERVING commit) gives everyone the same place, pages split the line, and each
// user's place is found from the SLOT item and one page.
func TestQueueSealIsIdempotent(t *testing.T) {
	f := newFixture(t)
	q := dynamo.NewQueue(f.store, 8)
	dynamo.SetQueuePageSize(q, 7)
	e := f.roomEvent(f.now.Add(time.Hour).Truncate(time.Second), 100, 100)
	var entries []waitroom.Entry
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range 40 {
		en := waitroom.Entry{UserID: fmt.Sprintf("user-%02d", i), Slot: waitroom.PreQueue, Draw: waitroom.NewDraw()}
		if i >= 30 {
			en.Slot = f.now.Unix() + int64(i%3) // three later seconds
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := q.Join(f.ctx, e.ID, en, f.now, f.now.Add(time.Hour)); err != nil {
				t.Error(err)
			}
			mu.Lock()
			entries = append(entries, en)
			mu.Unlock()
		}()
	}
	wg.Wait()
	n, err := q.CountPreQueue(f.ctx, e.ID)
	if err != nil || n != 30 {
		t.Fatalf("CountPreQueue = %d, %v; want 30", n, err)
	}
	want := map[string]int64{}
	for _, p := range waitroom.Number(1, entries) {
		want[p.UserID] = p.Position
	}
	for run := range 2 {
		got, err := q.Seal(f.ctx, e.ID, 0, f.now.Unix()+5, 1)
		if err != nil || got != 40 {
			t.Fatalf("run %d: Seal = %d, %v; want 40", run, got, err)
		}
		for _, en := range entries {
			slot, err := q.Slot(f.ctx, e.ID, en.Slot)
			if err != nil || slot == nil {
				t.Fatalf("Slot %d = %v, %v", en.Slot, slot, err)
			}
			page, err := q.Page(f.ctx, e.ID, en.Slot, waitroom.PageFor(slot.FirstDraws, slot.FirstUsers, en))
			if err != nil {
				t.Fatal(err)
			}
			pos, ok := page.PositionOf(en)
			if !ok || pos != want[en.UserID] {
				t.Fatalf("run %d: %s at %d (found %v), want %d", run, en.UserID, pos, ok, want[en.UserID])
			}
		}
	}
	if slot, err := q.Slot(f.ctx, e.ID, waitroom.PreQueue); err != nil || slot.Count != 30 || len(slot.FirstDraws) != 5 {
		t.Fatalf("pre-queue slot = %+v, %v; want 30 entries on 5 pages", slot, err)
	}
}

// lineUp is a room admitting 10 a second to 100 seats on a queue of 8 buckets, whose
// sale starts 2 s after start (now, to the second), with n users (user-00, user-01, ...)
// in its pre-queue.
func (f *fixture) lineUp(n int) (q *dynamo.Queue, e catalog.Event, start, onSale time.Time) {
	f.t.Helper()
	q = dynamo.NewQueue(f.store, 8)
	start = f.now.Truncate(time.Second)
	onSale = start.Add(2 * time.Second)
	e = f.roomEvent(onSale, 10, 100)
	for i := range n {
		en := waitroom.Entry{UserID: fmt.Sprintf("user-%02d", i), Slot: waitroom.PreQueue, Draw: waitroom.NewDraw()}
		if _, _, err := q.Join(f.ctx, e.ID, en, start, start.Add(time.Hour)); err != nil {
			f.t.Fatal(err)
		}
	}
	return q, e, start, onSale
}

// fakeClock is the admitter's clock in tests: Sleep moves it on instead of waiting.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(max(d, time.Millisecond))
	return ctx.Err()
}

// TestAdmitterLoop runs one invocation of the admitter over a fake minute: nothing is
// admitted before the sale, the pre-queue is sealed at the start and let in at the rate,
// one second's worth a step, a second admitter cannot write meanwhile, and the lease
// comes free when the run ends.
func TestAdmitterLoop(t *testing.T) {
	f := newFixture(t)
	q, e, start, onSale := f.lineUp(25)
	clock := &fakeClock{now: start}
	var seen []int64
	a := &waitroom.Admitter{Store: q, Owner: "a", Now: clock.Now, Sleep: func(ctx context.Context, d time.Duration) error {
		s, _, err := q.Serving(ctx, e.ID)
		if err != nil {
			t.Error(err)
		}
		seen = append(seen, s.Serving)
		if _, ok, err := q.Lease(ctx, e.ID, "b", clock.Now()); err != nil || ok {
			t.Errorf("a second admitter took the lease at %v (%v)", clock.Now().Sub(start), err)
		}
		return clock.Sleep(ctx, d)
	}}
	if err := a.Run(f.ctx, start.Add(waitroom.StopBefore+6*time.Second)); err != nil {
		t.Fatal(err)
	}
	want := []int64{0, 0, 10, 20, 25, 25}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("serving after each step = %v, want %v", seen, want)
	}
	s, _, err := q.Serving(f.ctx, e.ID)
	if err != nil || s.Numbered != 25 || s.PreQueueSize != 25 || s.Reason != waitroom.CaughtUp {
		t.Fatalf("SERVING = %+v, %v", s, err)
	}
	if at, ok := s.Log.AdmittedAt(11); !ok || !at.Equal(onSale.Add(time.Second)) {
		t.Fatalf("position 11 admitted at %v (%v), want %v", at, ok, onSale.Add(time.Second))
	}
	if _, ok, err := q.Lease(f.ctx, e.ID, "b", clock.Now()); err != nil || !ok {
		t.Fatalf("the lease was not released: %v %v", ok, err)
	}
}
