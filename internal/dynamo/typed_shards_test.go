package dynamo_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/dynamo/dynamotest"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
)

// onSaleTypedSharded publishes an event of capacity seats over n shards, sold as the
// given types (each type's quota split over the shards as the capacity is).
func (s *seats) onSaleTypedSharded(capacity int64, n int, types ...catalog.TicketTypeInput) catalog.Event {
	s.t.Helper()
	v, err := s.cat.CreateVenue(s.ctx, "admin-1", "", catalog.VenueInput{Name: "Hall", Address: "1 Main St", City: "Lisbon", Country: "PT", Capacity: 100000})
	if err != nil {
		s.t.Fatal(err)
	}
	starts := s.now.Add(30 * 24 * time.Hour)
	e, err := s.cat.CreateEvent(s.ctx, "admin-1", "", catalog.EventInput{Name: "Typed", Category: "music", VenueID: v.ID,
		StartsAt: starts.Format(time.RFC3339), EndsAt: starts.Add(3 * time.Hour).Format(time.RFC3339), Capacity: capacity,
		InventoryShards: &n, TicketTypes: types})
	if err != nil {
		s.t.Fatal(err)
	}
	if e, err = s.cat.Publish(s.ctx, e.ID, 0); err != nil {
		s.t.Fatal(err)
	}
	return e
}

// typedShardInvariant is shardInvariant for a typed event, and per type: on every shard
// each type's capacity = available + held + sold + offering and the bookings' lines (their
// shares there) add up to its held and sold (CheckTypeInvariant), and so in total.
func (s *seats) typedShardInvariant(eventID string, n int, capacity int64) ([]shard, booking.Stats) {
	s.t.Helper()
	ss, st := s.shardInvariant(eventID, n, capacity)
	all := s.allBookings(eventID)
	seatsOf := func(bs []booking.Booking) []booking.OrderSeats {
		out := make([]booking.OrderSeats, 0, len(bs))
		for _, b := range bs {
			out = append(out, booking.OrderSeats{Status: b.Status, Lines: b.Lines})
		}
		return out
	}
	for k, sh := range ss {
		types := map[string]booking.Counters{}
		for id, c := range sh.TT {
			types[id] = booking.Counters{Capacity: c.Capacity, Available: c.Available, Held: c.Held, Sold: c.Sold, Offering: c.Offering}
		}
		ev := booking.Counters{Capacity: sh.Capacity, Available: sh.Available, Held: sh.Held, Sold: sh.Sold, Offering: sh.Offering}
		if bad := booking.CheckTypeInvariant(ev, types, seatsOf(booking.OnShard(all, k))); bad != nil {
			s.t.Errorf("shard %d: %v", k, bad)
		}
	}
	types := map[string]booking.Counters{}
	for _, ts := range st.TicketTypes {
		types[ts.TicketTypeID] = booking.Counters{Capacity: ts.Capacity, Available: ts.Available, Held: ts.Held, Sold: ts.Sold, Offering: ts.Offering}
	}
	total := booking.Counters{Capacity: st.Capacity, Available: st.Available, Held: st.Held, Sold: st.Sold, Offering: st.Offering}
	if bad := booking.CheckTypeInvariant(total, types, seatsOf(all)); bad != nil {
		s.t.Errorf("in total: %v", bad)
	}
	return ss, st
}

func order(lines map[string]int) booking.OrderRequest {
	var r booking.OrderRequest
	for id, q := range lines {
		if q > 0 {
			r.Items = append(r.Items, booking.OrderItem{TicketTypeID: id, Quantity: q})
		}
	}
	return r
}

// A typed order that no one shard can serve takes each line's seats from two shards in
// one transaction; the booking records each type's share per shard, and confirming,
// cancelling and (the sweeper) expiring it move each type's seats on the right shard.
func TestTypedSpanningOrder(t *testing.T) {
	s := newSeats(t)
	e := s.onSaleTypedSharded(12, 3, typeInput("VIP", 9000, 6), typeInput("General", 3000, 6)) // 2 + 2 per shard
	vip, gen := typeNamed(t, e, "VIP").ID, typeNamed(t, e, "General").ID
	r, err := s.booking.ReserveOrder(s.ctx, "span", e.ID, order(map[string]int{vip: 3, gen: 2}), "span-1", s.now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.store.GetBooking(s.ctx, r.Booking.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Shards) != 2 || len(b.ShardTypes) != 2 {
		t.Fatalf("shards of the booking: %v, per type %v", b.Shards, b.ShardTypes)
	}
	got := map[string]int{}
	for k, share := range b.ShardTypes {
		n := 0
		for id, q := range share {
			got[id] += q
			n += q
		}
		if n != b.Shards[k] {
			t.Errorf("shard %d: %d seats, types %v", k, b.Shards[k], share)
		}
	}
	if got[vip] != 3 || got[gen] != 2 {
		t.Fatalf("types over the shards: %v", got)
	}
	if _, st := s.typedShardInvariant(e.ID, 3, 12); st.Held != 5 {
		t.Fatalf("after the hold: %+v", st)
	}
	if _, err := s.booking.Confirm(s.ctx, "span", b.ID, "pm_card_visa", "confirm-1", s.now); err != nil {
		t.Fatal(err)
	}
	if _, st := s.typedShardInvariant(e.ID, 3, 12); st.Sold != 5 || st.Available != 7 {
		t.Fatalf("after confirm: %+v", st)
	}
	if _, err := s.booking.Cancel(s.ctx, "span", b.ID, s.now); err != nil {
		t.Fatal(err)
	}
	if _, st := s.typedShardInvariant(e.ID, 3, 12); st.Sold != 0 || st.Available != 12 {
		t.Fatalf("after cancel: %+v", st)
	}

	// A spanning typed hold left to expire: the sweeper gives each shard its types back.
	past := s.now.Add(-20 * time.Minute)
	if _, err := s.booking.ReserveOrder(s.ctx, "late", e.ID, order(map[string]int{vip: 4}), "late-1", past); err != nil {
		t.Fatal(err)
	}
	s.typedShardInvariant(e.ID, 3, 12)
	if r, err := s.sweeper.Sweep(s.ctx, s.now); err != nil || r.Expired != 1 || r.Seats != 4 {
		t.Fatalf("sweep = %+v, %v", r, err)
	}
	if _, st := s.typedShardInvariant(e.ID, 3, 12); st.Held != 0 || st.Available != 12 {
		t.Fatalf("after expiry: %+v", st)
	}
}

// When a type's last seats are one per shard, an order the sums cover gathers them (with
// their event-level quota) into one shard and sells; the other type stays where it was.
func TestTypedRemaindersAreGathered(t *testing.T) {
	s := newSeats(t)
	e := s.onSaleTypedSharded(16, 4, typeInput("VIP", 9000, 4), typeInput("General", 3000, 12)) // 1 VIP + 3 General per shard
	vip, gen := typeNamed(t, e, "VIP").ID, typeNamed(t, e, "General").ID
	r, err := s.booking.ReserveOrder(s.ctx, "four", e.ID, order(map[string]int{vip: 4}), "four-1", s.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Booking.Shards) != 1 {
		t.Fatalf("gathered order on shards %v", r.Booking.Shards)
	}
	ss, st := s.typedShardInvariant(e.ID, 4, 16)
	for k, sh := range ss {
		want := int64(0)
		if _, ok := r.Booking.Shards[k]; ok {
			want = 4
		}
		if sh.TT[vip].Capacity != want || sh.TT[gen].Capacity != 3 {
			t.Errorf("shard %d: %+v", k, sh.TT)
		}
	}
	if st.Held != 4 || st.Available != 12 {
		t.Fatalf("stats %+v", st)
	}
	// Every General seat still sells, 3 at a time and then one spanning 6.
	for i := range 2 {
		if _, err := s.booking.ReserveOrder(s.ctx, fmt.Sprintf("gen-%d", i), e.ID, order(map[string]int{gen: 3}), fmt.Sprintf("gen-%d", i), s.now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.booking.ReserveOrder(s.ctx, "gen-six", e.ID, order(map[string]int{gen: 6}), "gen-six", s.now); err != nil {
		t.Fatal(err)
	}
	_, err = s.booking.ReserveOrder(s.ctx, "one-more", e.ID, order(map[string]int{gen: 1}), "one-more", s.now)
	wantCode(t, err, fault.SoldOut)
	if _, st := s.typedShardInvariant(e.ID, 4, 16); st.Available != 0 || st.Held != 16 {
		t.Fatalf("stats %+v", st)
	}
}

// The typed stampede: 2 types over 8 shards, buyers of mixed orders (one or both types,
// 1 to 4 seats) racing: nothing oversold, the invariant on every shard per type and in
// total, and when the storm ends every type either sold out or has fewer seats left than
// the smallest order of it that was refused: nothing stranded on any shard.
func TestTypedStampede(t *testing.T) {
	s := newSeats(t)
	e := s.onSaleTypedSharded(160, 8, typeInput("VIP", 9000, 61), typeInput("General", 3000, 99))
	vip, gen := typeNamed(t, e, "VIP").ID, typeNamed(t, e, "General").ID
	var wants []map[string]int
	for i := range 110 { // about 250 seats wanted
		switch i % 3 {
		case 0:
			wants = append(wants, map[string]int{vip: 1 + i%4})
		case 1:
			wants = append(wants, map[string]int{gen: 1 + i%4})
		default:
			wants = append(wants, map[string]int{vip: 1 + i%2, gen: 1 + i%3})
		}
	}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		next    = make(chan int)
		won     = map[string]int{}
		refused = map[fault.Code]int{}
		short   = map[string]int{} // type -> smallest refused single-type order of it
	)
	for range stormWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				_, err := s.booking.ReserveOrder(s.ctx, fmt.Sprintf("buyer-%d", i), e.ID, order(wants[i]), fmt.Sprintf("key-%d", i), time.Now())
				mu.Lock()
				if fe, ok := fault.As(err); ok {
					refused[fe.Code]++
					if len(wants[i]) == 1 {
						for id, q := range wants[i] {
							if short[id] == 0 || q < short[id] {
								short[id] = q
							}
						}
					}
				} else if err != nil {
					t.Errorf("buyer %d: %v", i, err)
				} else {
					for id, q := range wants[i] {
						won[id] += q
					}
				}
				mu.Unlock()
			}
		}()
	}
	for i := range wants {
		next <- i
	}
	close(next)
	wg.Wait()
	ss, st := s.typedShardInvariant(e.ID, 8, 160)
	if len(refused) != 1 || refused[fault.SoldOut] == 0 {
		t.Fatalf("refusals %v", refused)
	}
	left := map[string]int64{}
	for _, ts := range st.TicketTypes {
		left[ts.TicketTypeID] = ts.Available
		if want := int64(won[ts.TicketTypeID]); ts.Held != want {
			t.Errorf("type %s: held %d, buyers won %d", ts.Name, ts.Held, want)
		}
	}
	for _, id := range []string{vip, gen} {
		if short[id] > 0 && left[id] >= int64(short[id]) {
			t.Errorf("type %s: %d left after an order of %d was refused (shards %+v)", id, left[id], short[id], ss)
		}
	}
	t.Logf("160 seats (61 VIP, 99 General) over 8 shards, %d orders: won %v, left VIP %d General %d, refused %v",
		len(wants), won, left[vip], left[gen], refused)
}

// The admitter's rebalancing (Queue.Rebalance): seats left in fragments smaller than one
// booking on several shards move, with their capacity (and each type's quota), into one
// shard; the invariant holds on every shard, per type and in total; once consolidated,
// nothing more moves.
func TestRebalanceConsolidatesFragments(t *testing.T) {
	s := newSeats(t)
	q := dynamo.NewQueue(dynamo.New(s.db, s.table), 0)

	ev := s.onSaleSharded(16, 8, 4) // 2 seats per shard: every shard a fragment
	for i := range 3 {
		s.hold(ev, fmt.Sprintf("early-%d", i), 1, s.now)
	}
	moved, err := q.Rebalance(s.ctx, ev)
	if err != nil || !moved {
		t.Fatalf("rebalance = %v, %v", moved, err)
	}
	ss, st := s.shardInvariant(ev, 8, 16)
	with := 0
	for _, sh := range ss {
		if sh.Available > 0 {
			with++
			if sh.Available != 13 {
				t.Errorf("the gathering shard has %d of 13 seats left", sh.Available)
			}
		}
	}
	if with != 1 || st.Held != 3 {
		t.Fatalf("seats left on %d shards, stats %+v", with, st)
	}
	if moved, err := q.Rebalance(s.ctx, ev); err != nil || moved {
		t.Fatalf("second rebalance = %v, %v", moved, err)
	}
	s.hold(ev, "four", 4, s.now)
	s.shardInvariant(ev, 8, 16)

	e := s.onSaleTypedSharded(16, 4, typeInput("VIP", 9000, 4), typeInput("General", 3000, 12)) // 1 + 3 per shard, up to 10 per booking
	vip, gen := typeNamed(t, e, "VIP").ID, typeNamed(t, e, "General").ID
	if _, err := s.booking.ReserveOrder(s.ctx, "typed", e.ID, order(map[string]int{vip: 1, gen: 1}), "typed-1", s.now); err != nil {
		t.Fatal(err)
	}
	if moved, err := q.Rebalance(s.ctx, e.ID); err != nil || !moved {
		t.Fatalf("typed rebalance = %v, %v", moved, err)
	}
	ss, _ = s.typedShardInvariant(e.ID, 4, 16)
	with = 0
	for _, sh := range ss {
		if sh.Available > 0 || sh.TT[vip].Available > 0 || sh.TT[gen].Available > 0 {
			with++
			if sh.Available != 14 || sh.TT[vip].Available != 3 || sh.TT[gen].Available != 11 {
				t.Errorf("the gathering shard: %+v", sh)
			}
		}
	}
	if with != 1 {
		t.Fatalf("typed seats left on %d shards: %+v", with, ss)
	}
	if _, err := s.booking.ReserveOrder(s.ctx, "rest", e.ID, order(map[string]int{vip: 3, gen: 7}), "rest-1", s.now); err != nil {
		t.Fatal(err)
	}
	s.typedShardInvariant(e.ID, 4, 16)
}

// metered is a booking service whose store's client is metered, with a warm event cache.
func (s *seats) metered() (*booking.Service, *dynamotest.Meter) {
	s.t.Helper()
	meter := &dynamotest.Meter{}
	store := dynamo.NewBookings(dynamodb.New(s.db.Options(), dynamotest.WithMeter(meter)), s.table)
	signer, err := tickets.NewSigner("test-signing-key-0123")
	if err != nil {
		s.t.Fatal(err)
	}
	return booking.NewService(booking.Deps{Store: store, Payments: payments.NewSimulated(dynamo.NewPaymentLedger(s.db, s.table)),
		Signer: signer, Events: booking.NewEventCache(store, time.Minute)}, booking.Config{}), meter
}

// What a typed reservation costs on one shard against one spanning two (each line split):
// the spanning transaction has one more item, the second shard's update. Metered on the
// store's client with a warm event cache; 16 shards of 2 VIP seats each, so an order of
// 3 VIP always spans and one of 2 never does.
func TestTypedSpanningReservationCost(t *testing.T) {
	s := newSeats(t)
	svc, meter := s.metered()
	for _, q := range []int{2, 3} {
		e := s.onSaleTypedSharded(64, 16, typeInput("VIP", 9000, 32), typeInput("General", 3000, 32))
		vip := typeNamed(t, e, "VIP").ID
		if _, err := svc.ReserveOrder(s.ctx, "warm", e.ID, order(map[string]int{vip: 1}), fmt.Sprintf("warm-%d", q), time.Now()); err != nil {
			t.Fatal(err)
		}
		meter.Reset()
		const n = 8
		spans := 0
		for i := range n {
			r, err := svc.ReserveOrder(s.ctx, fmt.Sprintf("u-%d", i), e.ID, order(map[string]int{vip: q}), fmt.Sprintf("k-%d-%d", q, i), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Booking.Shards) > 1 {
				spans++
			}
		}
		r := meter.Read()
		if want := map[int]int{2: 0, 3: n}[q]; spans != want || r.ByOp["TransactWriteItems"] != n {
			t.Fatalf("%d VIP: %d of %d spanned, %d transactions (%v)", q, spans, n, r.ByOp["TransactWriteItems"], r.ByOp)
		}
		t.Logf("%d VIP per order (%d spanning of %d): %.1f capacity units estimated (%.1f per reservation), calls %v",
			q, spans, n, r.Estimated, r.Estimated/n, r.ByOp)
	}
}
