package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a manual clock: tests move time instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestServesWithinTTLAndReloadsAfter(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := New[string, int](time.Second, 10, clk.now)
	loads := 0
	load := func(context.Context) (int, error) { loads++; return loads, nil }
	steps := []struct {
		advance   time.Duration
		want      int
		wantLoads int
	}{
		{0, 1, 1},
		{500 * time.Millisecond, 1, 1},
		{499 * time.Millisecond, 1, 1},
		{time.Millisecond, 2, 2}, // exactly the TTL: stale
		{999 * time.Millisecond, 2, 2},
	}
	for i, s := range steps {
		clk.add(s.advance)
		v, at, err := c.Get(context.Background(), "k", load)
		if err != nil || v != s.want || loads != s.wantLoads {
			t.Fatalf("step %d: value %d loads %d err %v; want %d, %d", i, v, loads, err, s.want, s.wantLoads)
		}
		if age := clk.now().Sub(at); age >= time.Second {
			t.Fatalf("step %d: served a value %s old", i, age)
		}
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	c := New[string, int](time.Minute, 10, time.Now)
	boom := errors.New("boom")
	if _, _, err := c.Get(context.Background(), "k", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	v, _, err := c.Get(context.Background(), "k", func(context.Context) (int, error) { return 7, nil })
	if err != nil || v != 7 {
		t.Fatalf("after an error: %d %v", v, err)
	}
}

func TestZeroTTLDoesNotCache(t *testing.T) {
	c := New[string, int](0, 10, time.Now)
	var loads int
	for range 3 {
		_, _, _ = c.Get(context.Background(), "k", func(context.Context) (int, error) { loads++; return loads, nil })
	}
	if loads != 3 || held(c) != 0 {
		t.Fatalf("loads %d, len %d", loads, held(c))
	}
}

func TestConcurrentMissesShareOneLoad(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)} // time stands still: late callers find the value fresh
	c := New[string, int](time.Second, 10, clk.now)
	var loads atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	load := func(context.Context) (int, error) {
		if loads.Add(1) == 1 {
			close(started)
		}
		<-release
		return 42, nil
	}
	const callers = 50
	var wg sync.WaitGroup
	results := make([]int, callers)
	// The first caller becomes the loader; the rest arrive while it is blocked.
	wg.Go(func() { results[0], _, _ = c.Get(context.Background(), "k", load) })
	<-started
	for i := 1; i < callers; i++ {
		wg.Go(func() { results[i], _, _ = c.Get(context.Background(), "k", load) })
	}
	// Every follower is either waiting on the in-flight load or has not called yet; either
	// way it must not load again once the value is in.
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads for %d concurrent callers, want 1", n, callers)
	}
	for i, r := range results {
		if r != 42 {
			t.Fatalf("caller %d got %d", i, r)
		}
	}
}

func TestWaiterGivesUpWithItsContext(t *testing.T) {
	c := New[string, int](time.Second, 10, time.Now)
	release, started := make(chan struct{}), make(chan struct{})
	go func() {
		_, _, _ = c.Get(context.Background(), "k", func(context.Context) (int, error) { close(started); <-release; return 1, nil })
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.Get(ctx, "k", func(context.Context) (int, error) { return 2, nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	close(release)
}

func TestBounded(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := New[int, int](time.Second, 3, clk.now)
	for i := range 10 {
		_, _, _ = c.Get(context.Background(), i, func(context.Context) (int, error) { return i, nil })
		if held(c) > 3 {
			t.Fatalf("holds %d values, bound is 3", held(c))
		}
	}
	// The newest value is always kept.
	v, _, _ := c.Get(context.Background(), 9, func(context.Context) (int, error) { return -1, nil })
	if v != 9 {
		t.Fatalf("newest value evicted: %d", v)
	}
}

func held[K comparable, V any](c *Cache[K, V]) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
