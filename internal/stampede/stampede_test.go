package stampede_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// storm runs one buyer per goroutine, all released at once, each with its own user and
// key, and returns the seats won and the error codes seen.
func storm(t *testing.T, h *harness, eventID string, wants []int) (won, winners int, refused []int, codes map[fault.Code]int) {
	t.Helper()
	ctx := context.Background()
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	codes = map[fault.Code]int{}
	for i, q := range wants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := h.svc.Reserve(ctx, fmt.Sprintf("buyer-%d", i), eventID, q, fmt.Sprintf("key-%d", i), time.Now())
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fe, ok := fault.As(err)
				if !ok {
					t.Errorf("buyer %d: %v", i, err)
					return
				}
				codes[fe.Code]++
				refused = append(refused, q)
				return
			}
			won += q
			winners++
		}()
	}
	close(start)
	wg.Wait()
	return won, winners, refused, codes
}

func ones(n int) []int {
	w := make([]int, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func TestStampede(t *testing.T) {
	mixed := make([]int, 40)
	for i := range mixed {
		mixed[i] = 1 + i%4 // 100 seats wanted
	}
	cases := []struct {
		name     string
		capacity int
		wants    []int
	}{
		{"10 buyers for 1 seat", 1, ones(10)},
		{"60 buyers for 10 seats", 10, ones(60)},
		{"60 buyers for 59 seats", 59, ones(60)},
		{"40 buyers wanting 1-4 for 70 seats", 70, mixed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, booking.Config{})
			ev := h.seedEvent(eventSpec{capacity: c.capacity, price: 1000, max: 4})
			demand := 0
			for _, q := range c.wants {
				demand += q
			}
			won, winners, refused, codes := storm(t, h, ev, c.wants)
			if want := min(demand, c.capacity); len(c.wants) == demand && won != want {
				t.Fatalf("sold %d seats, want %d (codes %v)", won, want, codes)
			}
			for code, n := range codes {
				if code != fault.SoldOut && code != fault.LimitExceeded {
					t.Errorf("%d answers of %s", n, code)
				}
			}
			st := h.invariant(ev)
			if st.Held != int64(won) || st.Available != int64(c.capacity-won) {
				t.Fatalf("stats %+v after %d seats won by %d buyers", st, won, winners)
			}
			// Seats only ever decrease during a storm, so a buyer refused for quantity q
			// was refused rightly only if q still does not fit at the end: nobody who
			// could be served was turned away.
			for _, q := range refused {
				if int64(q) <= st.Available {
					t.Fatalf("a buyer of %d was refused, yet %d seats are left", q, st.Available)
				}
			}
			t.Logf("%s: %d seats to %d buyers, refused %v", c.name, won, winners, codes)
		})
	}
}

// An admin editing the event during the storm (as the catalogue does: conditional on the
// version it read, retried on conflict) never loses a booking or moves available wrongly.
func TestStampedeWithAdminEdits(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ev := h.seedEvent(eventSpec{capacity: 40, price: 1000, max: 4})
	done := make(chan struct{})
	edits := 0
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			if h.editName(ev, fmt.Sprintf("Renamed %d", i)) {
				edits++
			}
		}
	}()
	won, _, _, codes := storm(t, h, ev, ones(45))
	<-done
	if won != 40 {
		t.Fatalf("sold %d of 40 (codes %v)", won, codes)
	}
	st := h.invariant(ev)
	if st.Available != 0 || st.Held != 40 || st.Capacity != 40 {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("%d admin edits landed during the storm", edits)
}
