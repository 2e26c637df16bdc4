package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/expiry"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/notify"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// seats is a fixture for expiry and the waitlist: the catalogue, booking and waitlist
// services on one fresh table, the sweeper, and a queue that records nudges.
type seats struct {
	t       testing.TB
	ctx     context.Context
	db      *dynamodb.Client
	table   string
	now     time.Time
	cat     *catalog.Service
	store   *dynamo.Bookings
	wl      *dynamo.Waitlist
	booking *booking.Service
	onsale  *onsale.Service
	waiting *waitlist.Service
	sweeper *expiry.Sweeper
	nudges  *nudges
	events  *published
}

// published records the domain events the services send.
type published struct {
	mu     sync.Mutex
	events []notify.Event
}

func (p *published) Publish(_ context.Context, evs ...notify.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, evs...)
	return nil
}

func (p *published) of(typ string) []notify.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []notify.Event
	for _, e := range p.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

type nudges struct {
	mu     sync.Mutex
	events []string
}

func (n *nudges) Nudge(_ context.Context, eventID string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.events = append(n.events, eventID)
	return nil
}

func (n *nudges) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.events)
}

func newSeats(t testing.TB) *seats { return newSeatsFreeing(t, nil) }

// newSeatsFreeing is newSeats with freed, when not nil, woken for the seats a
// cancellation hands to the waitlist instead of the recorder.
func newSeatsFreeing(t testing.TB, freed booking.Nudger) *seats {
	t.Helper()
	db, table := localtest.Table(t)
	f := &seats{t: t, ctx: context.Background(), db: db, table: table, now: time.Now().UTC(), cat: catalog.NewService(dynamo.New(db, table), time.Now)}
	store := dynamo.NewBookings(f.db, f.table)
	n, bus := &nudges{}, &published{}
	if freed == nil {
		freed = n
	}
	signer, err := tickets.NewSigner("test-signing-key-0123")
	if err != nil {
		t.Fatal(err)
	}
	svc := booking.NewService(booking.Deps{Store: store, Payments: payments.NewSimulated(dynamo.NewPaymentLedger(f.db, f.table)),
		Signer: signer, Bus: bus, Line: freed}, booking.Config{})
	wl := dynamo.NewWaitlist(store)
	wsvc := waitlist.NewService(wl, n, svc, nil, 30*time.Minute)
	sw := expiry.New(store, store, n, nil, expiry.Config{Batch: 7})
	f.store, f.wl, f.booking, f.waiting, f.sweeper, f.nudges, f.events = store, wl, svc, wsvc, sw, n, bus
	f.onsale = onsale.New(svc, sw, wsvc)
	return f
}

// onSale publishes an event of capacity seats, up to 10 per booking.
func (s *seats) onSale(capacity int64) string {
	s.t.Helper()
	v, err := s.cat.CreateVenue(s.ctx, "admin-1", "", catalog.VenueInput{
		Name: "Hall", Address: "1 Main St", City: "Lisbon", Country: "PT", Capacity: 100000})
	if err != nil {
		s.t.Fatalf("create venue: %v", err)
	}
	starts := s.now.Add(30 * 24 * time.Hour)
	e, err := s.cat.CreateEvent(s.ctx, "admin-1", "", catalog.EventInput{
		Name: "Show", Category: "music", VenueID: v.ID,
		StartsAt: starts.Format(time.RFC3339), EndsAt: starts.Add(3 * time.Hour).Format(time.RFC3339),
		Capacity: capacity, Price: &catalog.Money{Amount: 2500, Currency: "USD"},
		MaxTicketsPerBooking: new(min(int64(10), capacity)),
	})
	if err != nil {
		s.t.Fatalf("create event: %v", err)
	}
	p, err := s.cat.Publish(s.ctx, e.ID, 0)
	if err != nil {
		s.t.Fatalf("publish: %v", err)
	}
	return p.ID
}

// hold reserves q seats for user at now and returns the booking id.
func (s *seats) hold(eventID, user string, q int, now time.Time) string {
	s.t.Helper()
	a, err := s.booking.Reserve(s.ctx, user, eventID, q, "key-"+user+"-"+now.Format("150405.000"), now)
	if err != nil {
		s.t.Fatalf("reserve %s: %v", user, err)
	}
	if a.Booking == nil {
		s.t.Fatalf("reserve %s: replayed %+v, want a new hold", user, a.Replayed)
	}
	return a.Booking.ID
}

// allBookings lists every booking of the event.
func (s *seats) allBookings(eventID string) []booking.Booking {
	s.t.Helper()
	var all []booking.Booking
	for cursor := ""; ; {
		p, err := s.store.ListEventBookings(s.ctx, eventID, booking.ListFilter{Limit: 100, Cursor: cursor})
		if err != nil {
			s.t.Fatal(err)
		}
		all = append(all, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			return all
		}
	}
}

// invariant checks capacity = available + held + sold + offering against the bookings.
func (s *seats) invariant(eventID string) booking.Counters {
	s.t.Helper()
	ev, err := s.wl.Seats(s.ctx, eventID)
	if err != nil {
		s.t.Fatal(err)
	}
	all := s.allBookings(eventID)
	c := booking.Counters{Capacity: ev.Capacity, Available: ev.Available, Held: ev.Held, Sold: ev.Sold, Offering: ev.Offering}
	if bad := booking.CheckInvariant(c, all); bad != nil {
		s.t.Fatalf("invariant broken: %v", bad)
	}
	return c
}

func (s *seats) status(id string) booking.Status {
	s.t.Helper()
	b, err := s.store.GetBooking(s.ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return b.Status
}

func TestSweepExpiresDueHoldsOnly(t *testing.T) {
	s := newSeats(t)
	ev := s.onSale(100)
	past := s.now.Add(-20 * time.Minute) // 15-minute holds made then are 5 minutes overdue
	var due, fresh []string
	for i := range 23 {
		due = append(due, s.hold(ev, fmt.Sprintf("due-%d", i), 2, past))
	}
	for i := range 3 {
		fresh = append(fresh, s.hold(ev, fmt.Sprintf("fresh-%d", i), 1, s.now))
	}
	if c := s.invariant(ev); c.Held != 49 {
		t.Fatalf("held = %d, want 49", c.Held)
	}
	r, err := s.sweeper.Sweep(s.ctx, s.now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Expired != 23 || r.Seats != 46 {
		t.Errorf("sweep = %+v, want 23 holds, 46 seats", r)
	}
	for _, id := range due {
		if st := s.status(id); st != booking.Expired {
			t.Errorf("due hold %s is %s", id, st)
		}
	}
	for _, id := range fresh {
		if st := s.status(id); st != booking.Held {
			t.Errorf("fresh hold %s is %s", id, st)
		}
	}
	if c := s.invariant(ev); c.Available != 97 || c.Held != 3 {
		t.Errorf("counters after sweep = %+v", c)
	}
	// The index no longer lists them: a second sweep finds nothing.
	if r, err := s.sweeper.Sweep(s.ctx, s.now); err != nil || r.Expired+r.Skipped != 0 {
		t.Errorf("second sweep = %+v, %v", r, err)
	}
}

func TestTwoSweepersExpireEachHoldOnce(t *testing.T) {
	s := newSeats(t)
	ev := s.onSale(200)
	past := s.now.Add(-20 * time.Minute)
	for i := range 40 {
		s.hold(ev, fmt.Sprintf("u-%d", i), 3, past)
	}
	other := expiry.New(s.store, s.store, nil, nil, expiry.Config{Batch: 5, Workers: 3})
	var wg sync.WaitGroup
	results := make([]expiry.Result, 2)
	errs := make([]error, 2)
	for i, sw := range []*expiry.Sweeper{s.sweeper, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = sw.Sweep(s.ctx, s.now)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := results[0].Expired + results[1].Expired; got != 40 {
		t.Errorf("expired %d + %d holds, want 40 in total", results[0].Expired, results[1].Expired)
	}
	if got := results[0].Seats + results[1].Seats; got != 120 {
		t.Errorf("returned %d seats, want 120", got)
	}
	if c := s.invariant(ev); c.Available != 200 || c.Held != 0 {
		t.Errorf("counters = %+v", c)
	}
}

func TestExpiredHoldCannotBeConfirmedOnceSeatsAreGone(t *testing.T) {
	s := newSeats(t)
	ev := s.onSale(2)
	id := s.hold(ev, "slow", 2, s.now.Add(-20*time.Minute))
	if _, err := s.sweeper.Sweep(s.ctx, s.now); err != nil {
		t.Fatal(err)
	}
	s.hold(ev, "fast", 2, s.now)
	_, err := s.booking.Confirm(s.ctx, "slow", id, "pm_card_visa", "confirm-1", s.now)
	wantCode(t, err, fault.HoldExpired)
	s.invariant(ev)
}

func TestSoldOutReleasesLapsedHoldsOnTheSpot(t *testing.T) {
	s := newSeats(t)
	ev := s.onSale(4)
	lapsed := s.hold(ev, "gone", 4, s.now.Add(-20*time.Minute))
	// No sweep ran: the buyer finds the event sold out, and the lapsed hold is released
	// for them on the spot.
	a, err := s.onsale.Reserve(s.ctx, "buyer", ev, 3, "k1", true, s.now)
	if err != nil {
		t.Fatalf("reserve: %v", err)
	}
	if a.Booking == nil || a.Booking.Status != booking.Held {
		t.Errorf("reserve = %+v, want a new hold", a)
	}
	if st := s.status(lapsed); st != booking.Expired {
		t.Errorf("lapsed hold is %s", st)
	}
	if c := s.invariant(ev); c.Available != 1 || c.Held != 3 {
		t.Errorf("counters = %+v", c)
	}
}

// booking.confirmed is published by the booking service once the confirm committed, and
// only then: a declined payment and a replayed confirm publish nothing more.
func TestConfirmPublishesBookingConfirmedOnce(t *testing.T) {
	s := newSeats(t)
	ev := s.onSale(4)
	id := s.hold(ev, "buyer", 2, s.now)
	if _, err := s.booking.Confirm(s.ctx, "buyer", id, payments.MethodChargeDeclined, "c0", s.now); !fault.Is(err, fault.PaymentDeclined) {
		t.Fatalf("declined confirm = %v", err)
	}
	if got := s.events.of(notify.BookingConfirmed); len(got) != 0 {
		t.Fatalf("a declined payment published %+v", got)
	}
	for range 2 { // the second is a replay
		if _, err := s.booking.Confirm(s.ctx, "buyer", id, payments.MethodSucceeds, "c1", s.now); err != nil {
			t.Fatalf("confirm: %v", err)
		}
	}
	got := s.events.of(notify.BookingConfirmed)
	if len(got) != 1 || got[0].Detail["booking_id"] != id || got[0].Detail["event_id"] != ev || got[0].Detail["quantity"] != 2 {
		t.Fatalf("booking.confirmed events = %+v", got)
	}
}
