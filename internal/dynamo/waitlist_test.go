package dynamo_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// soldOutWithLine sells an event of capacity seats to capacity one-seat holders
// (returned in order) and puts waiters users in line, each by a sold-out reservation.
func (s *seats) soldOutWithLine(capacity, waiters int) (string, []string) {
	s.t.Helper()
	ev := s.onSale(int64(capacity))
	var holds []string
	for i := range capacity {
		holds = append(holds, s.hold(ev, fmt.Sprintf("holder-%02d", i), 1, s.now))
	}
	for i := range waiters {
		user := fmt.Sprintf("waiter-%02d", i)
		// Each waiter's address (the token's email claim) goes with the entry to its offer.
		ctx := booking.WithBuyerEmail(s.ctx, user+"@example.com")
		_, err := s.onsale.Reserve(ctx, user, ev, 1, "k-"+user, true, s.now.Add(time.Duration(i)*time.Millisecond))
		fe, ok := fault.As(err)
		if !ok || fe.Code != fault.SoldOut {
			s.t.Fatalf("reserve %s: %v, want sold_out", user, err)
		}
		ref, ok := fe.Extra["waitlist"].(onsale.Place)
		if !ok || ref.Position != i+1 || ref.EntryID == "" {
			s.t.Fatalf("sold_out answer for %s carries %+v, want position %d", user, fe.Extra["waitlist"], i+1)
		}
	}
	return ev, holds
}

func (s *seats) me(user, ev string) waitlist.View {
	s.t.Helper()
	v, err := s.waiting.Me(s.ctx, user, ev)
	if err != nil {
		s.t.Fatalf("me %s: %v", user, err)
	}
	return v
}

func TestFreedSeatsGoToTheFirstTenInOrder(t *testing.T) {
	s := newSeats(t)
	ev, holds := s.soldOutWithLine(10, 50)
	if c := s.invariant(ev); c.Available != 0 || c.Held != 10 {
		t.Fatalf("counters = %+v", c)
	}
	// 10 seats freed by cancellations while 50 wait: none goes back to the public.
	for i, id := range holds {
		if _, err := s.booking.Cancel(s.ctx, fmt.Sprintf("holder-%02d", i), id, s.now); err != nil {
			t.Fatal(err)
		}
	}
	if c := s.invariant(ev); c.Available != 0 || c.Offering != 10 {
		t.Fatalf("after cancellations counters = %+v, want 10 offering", c)
	}
	if s.nudges.count() == 0 {
		t.Fatal("the worker was never nudged")
	}
	// A late buyer cannot jump the line.
	_, err := s.onsale.Reserve(s.ctx, "late", ev, 1, "k-late", false, s.now)
	wantCode(t, err, fault.SoldOut)

	r, err := s.waiting.OfferSeats(s.ctx, ev, s.now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Offers != 10 || r.Seats != 10 {
		t.Errorf("offers = %+v, want 10", r)
	}
	var last time.Time
	for i := range 50 {
		v := s.me(fmt.Sprintf("waiter-%02d", i), ev)
		switch {
		case i < 10:
			if v.Status != waitlist.Offered || v.Offer == nil {
				t.Fatalf("waiter %d: %+v, want an offer", i, v)
			}
			b, err := s.store.GetBooking(s.ctx, v.Offer.BookingID)
			if err != nil {
				t.Fatal(err)
			}
			if b.Status != booking.Held || b.Source != waitlist.SourceWaitlist || !b.ExpiresAt.Equal(s.now.Add(30*time.Minute).Truncate(time.Millisecond)) ||
				b.Email != fmt.Sprintf("waiter-%02d@example.com", i) {
				t.Errorf("offer %d = %+v", i, b)
			}
			if b.CreatedAt.Before(last) {
				t.Errorf("offer %d made before the one ahead of it", i)
			}
			last = b.CreatedAt
		default:
			if v.Status != waitlist.Waiting || v.Position != i-9 {
				t.Errorf("waiter %d: %+v, want waiting at %d", i, v, i-9)
			}
		}
	}
	// The same message again (redelivery), and two workers at once: nothing twice.
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := s.waiting.OfferSeats(s.ctx, ev, s.now); err != nil || r.Offers != 0 {
				t.Errorf("redelivered: %+v, %v", r, err)
			}
		}()
	}
	wg.Wait()
	if c := s.invariant(ev); c.Held != 10 || c.Offering != 0 || c.Available != 0 {
		t.Errorf("counters = %+v", c)
	}
}

func TestLapsedOfferPassesToTheNext(t *testing.T) {
	s := newSeats(t)
	ev, holds := s.soldOutWithLine(1, 3)
	if _, err := s.booking.Cancel(s.ctx, "holder-00", holds[0], s.now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.waiting.OfferSeats(s.ctx, ev, s.now); err != nil {
		t.Fatal(err)
	}
	first := s.me("waiter-00", ev)
	if first.Status != waitlist.Offered {
		t.Fatalf("first = %+v", first)
	}
	// The offer window passes unconfirmed: the sweeper expires it, the entry lapses and
	// the seat passes to the next in line.
	later := first.Offer.ExpiresAt.Add(time.Second)
	r, err := s.sweeper.Sweep(s.ctx, later)
	if err != nil || r.Expired != 1 {
		t.Fatalf("sweep = %+v, %v", r, err)
	}
	if v := s.me("waiter-00", ev); v.Status != waitlist.OfferExpired {
		t.Errorf("first after lapse = %+v", v)
	}
	if c := s.invariant(ev); c.Offering != 1 {
		t.Fatalf("counters = %+v", c)
	}
	if _, err := s.waiting.OfferSeats(s.ctx, ev, later); err != nil {
		t.Fatal(err)
	}
	second := s.me("waiter-01", ev)
	if second.Status != waitlist.Offered {
		t.Fatalf("second = %+v", second)
	}
	// The late first waiter cannot confirm the lapsed offer: its seat is the second's.
	_, err = s.booking.Confirm(s.ctx, "waiter-00", first.Offer.BookingID, "pm_card_visa", "c-0", later)
	wantCode(t, err, fault.HoldExpired)
	// The second confirms: the entry is fulfilled.
	if _, err := s.booking.Confirm(s.ctx, "waiter-01", second.Offer.BookingID, "pm_card_visa", "c-1", later); err != nil {
		t.Fatal(err)
	}
	if v := s.me("waiter-01", ev); v.Status != waitlist.Fulfilled {
		t.Errorf("second after confirm = %+v", v)
	}
	if c := s.invariant(ev); c.Sold != 1 || c.Held != 0 {
		t.Errorf("counters = %+v", c)
	}
}

func TestJoinLeaveAndDecline(t *testing.T) {
	s := newSeats(t)
	ev, holds := s.soldOutWithLine(2, 0)
	v, created, err := s.waiting.Join(s.ctx, "ana", ev, "", 2, s.now)
	if err != nil || !created || v.Position != 1 || v.Status != waitlist.Waiting {
		t.Fatalf("join = %+v, %v, %v", v, created, err)
	}
	again, created, err := s.waiting.Join(s.ctx, "ana", ev, "", 1, s.now)
	if err != nil || created || again.EntryID != v.EntryID {
		t.Errorf("second join = %+v, %v, %v; want the same entry", again, created, err)
	}
	if _, _, err := s.waiting.Join(s.ctx, "bo", ev, "", 11, s.now); !fault.Is(err, fault.Validation) {
		t.Errorf("join 11 seats: %v", err)
	}
	if _, _, err := s.waiting.Join(s.ctx, "bo", ev, "", 1, s.now.Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	// Ana leaves; Bo moves up.
	if left, err := s.waiting.Leave(s.ctx, "ana", ev, s.now); err != nil || left.Status != waitlist.Left {
		t.Fatalf("leave = %+v, %v", left, err)
	}
	if v := s.me("bo", ev); v.Position != 1 {
		t.Errorf("bo = %+v", v)
	}
	// A freed seat is offered to Bo; Bo declines by leaving, and with nobody waiting the
	// seat returns to the public.
	if _, err := s.booking.Cancel(s.ctx, "holder-00", holds[0], s.now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.waiting.OfferSeats(s.ctx, ev, s.now); err != nil {
		t.Fatal(err)
	}
	if v := s.me("bo", ev); v.Status != waitlist.Offered {
		t.Fatalf("bo = %+v", v)
	}
	if v, err := s.waiting.Leave(s.ctx, "bo", ev, s.now); err != nil || v.Status != waitlist.Left {
		t.Fatalf("decline = %+v, %v", v, err)
	}
	if c := s.invariant(ev); c.Available != 1 || c.Offering != 0 {
		t.Errorf("counters after decline = %+v", c)
	}
	p, _, err := s.waiting.ForEvent(s.ctx, ev, 10, "")
	if err != nil || len(p) != 2 || p[0].EntryID != v.EntryID {
		t.Errorf("admin list = %+v, %v", p, err)
	}
	mine, _, err := s.waiting.Mine(s.ctx, "bo", 10, "")
	if err != nil || len(mine) != 1 || mine[0].Status != waitlist.Left {
		t.Errorf("bo's list = %+v, %v", mine, err)
	}
	body, _ := json.Marshal(mine[0])
	t.Logf("entry: %s", body)
}

func TestStarvationGuardHoldsSeatsForTheHead(t *testing.T) {
	s := newSeats(t)
	ev, holds := s.soldOutWithLine(4, 0)
	if _, _, err := s.waiting.Join(s.ctx, "big", ev, "", 3, s.now); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, _, err := s.waiting.Join(s.ctx, fmt.Sprintf("small-%d", i), ev, "", 1, s.now.Add(time.Duration(i+1)*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	// One seat at a time: the first three go past "big" (its quantity), then seats wait
	// for it until it fits.
	for i := range 4 {
		if _, err := s.booking.Cancel(s.ctx, fmt.Sprintf("holder-%02d", i), holds[i], s.now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.waiting.OfferSeats(s.ctx, ev, s.now); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if v := s.me(fmt.Sprintf("small-%d", i), ev); v.Status != waitlist.Offered {
			t.Errorf("small-%d = %+v", i, v)
		}
	}
	if v := s.me("small-3", ev); v.Status != waitlist.Waiting {
		t.Errorf("small-3 = %+v, want waiting behind big", v)
	}
	if c := s.invariant(ev); c.Offering != 1 {
		t.Errorf("counters = %+v, want the 4th seat kept for big", c)
	}
}

func TestCapacityIncreaseGoesToTheLineFirst(t *testing.T) {
	s := newSeats(t)
	ev, _ := s.soldOutWithLine(2, 3)
	e, err := s.cat.GetEvent(s.ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.cat.UpdateEvent(s.ctx, ev, e.Version, catalog.EventPatch{Capacity: new(int64(4))}); err != nil {
		t.Fatalf("raise capacity: %v", err)
	}
	// Two seats appeared while three people wait: a newcomer cannot take them, and joins
	// behind the others; the seats go to the first two in line.
	_, err = s.onsale.Reserve(s.ctx, "newcomer", ev, 1, "k-new", true, s.now.Add(time.Second))
	fe, ok := fault.As(err)
	if !ok || fe.Code != fault.SoldOut {
		t.Fatalf("newcomer: %v, want sold_out", err)
	}
	if ref, _ := fe.Extra["waitlist"].(onsale.Place); ref.Position != 4 {
		t.Errorf("newcomer in line at %+v, want position 4", fe.Extra["waitlist"])
	}
	if c := s.invariant(ev); c.Available != 0 || c.Offering != 2 {
		t.Fatalf("counters = %+v", c)
	}
	if _, err := s.waiting.OfferSeats(s.ctx, ev, s.now); err != nil {
		t.Fatal(err)
	}
	for i, want := range []waitlist.Status{waitlist.Offered, waitlist.Offered, waitlist.Waiting} {
		if v := s.me(fmt.Sprintf("waiter-%02d", i), ev); v.Status != want {
			t.Errorf("waiter %d = %+v, want %s", i, v, want)
		}
	}
	s.invariant(ev)
}

func TestCapacityIncreaseReachesTheLineWithoutNewBuyers(t *testing.T) {
	s := newSeats(t)
	ev, _ := s.soldOutWithLine(2, 3)
	e, err := s.cat.GetEvent(s.ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.cat.UpdateEvent(s.ctx, ev, e.Version, catalog.EventPatch{Capacity: new(int64(3))}); err != nil {
		t.Fatalf("raise capacity: %v", err)
	}
	// Nobody reserves or joins: a later sweep finds the event listed under OFFERING and
	// wakes the worker, which claims the new seat for the line.
	r, err := s.sweeper.Sweep(s.ctx, time.Now().Add(2*time.Minute))
	if err != nil || r.Nudged != 1 {
		t.Fatalf("sweep = %+v, %v; want one event nudged", r, err)
	}
	if _, err := s.waiting.OfferSeats(s.ctx, ev, s.now); err != nil {
		t.Fatal(err)
	}
	if v := s.me("waiter-00", ev); v.Status != waitlist.Offered {
		t.Errorf("first in line = %+v", v)
	}
	if c := s.invariant(ev); c.Available != 0 || c.Offering != 0 || c.Held != 3 {
		t.Errorf("counters = %+v", c)
	}
	// Done: the event leaves the OFFERING list, so later sweeps do not nudge it again.
	if r, err := s.sweeper.Sweep(s.ctx, time.Now().Add(2*time.Minute)); err != nil || r.Nudged != 0 {
		t.Errorf("next sweep = %+v, %v", r, err)
	}
}

// TestPositionAcrossBlocks puts 250 in line (three blocks of tickets), takes some out by
// leaving and by offers, and checks every place: the block counters and the count within
// a block agree with counting the whole line.
func TestPositionAcrossBlocks(t *testing.T) {
	s := newSeats(t)
	ev, holds := s.soldOutWithLine(2, 250) // soldOutWithLine checks places 1..250 at enrolment
	gone := map[int]bool{}
	for _, i := range []int{0, 99, 100, 150, 249} {
		if _, err := s.waiting.Leave(s.ctx, fmt.Sprintf("waiter-%02d", i), ev, s.now); err != nil {
			t.Fatal(err)
		}
		gone[i] = true
	}
	// Two seats freed: the first two still waiting get offers.
	for i, id := range holds {
		if _, err := s.booking.Cancel(s.ctx, fmt.Sprintf("holder-%02d", i), id, s.now); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := s.waiting.OfferSeats(s.ctx, ev, s.now); err != nil || r.Offers != 2 {
		t.Fatalf("offers = %+v, %v", r, err)
	}
	gone[1], gone[2] = true, true
	place := 0
	for i := range 250 {
		if gone[i] {
			continue
		}
		place++
		if v := s.me(fmt.Sprintf("waiter-%02d", i), ev); v.Status != waitlist.Waiting || v.Position != place {
			t.Fatalf("waiter %d = %+v, want waiting at %d", i, v, place)
		}
	}
	if c := s.invariant(ev); c.Held != 2 || c.Offering != 0 {
		t.Errorf("counters = %+v", c)
	}
}
