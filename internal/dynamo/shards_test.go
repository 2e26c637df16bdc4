package dynamo_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// shard is a shard item as a test reads it.
type shard struct {
	Capacity  int64  `dynamodbav:"capacity"`
	Available int64  `dynamodbav:"available"`
	Held      int64  `dynamodbav:"held"`
	Sold      int64  `dynamodbav:"sold"`
	Offering  int64  `dynamodbav:"offering"`
	Waiting   int64  `dynamodbav:"waiting"`
	Status    string `dynamodbav:"status"`
	Price     int64  `dynamodbav:"price_amount"`
	Revenue   int64  `dynamodbav:"revenue"`
	Version   int64  `dynamodbav:"version"`
	TT        map[string]struct {
		Capacity  int64 `dynamodbav:"capacity"`
		Available int64 `dynamodbav:"available"`
		Held      int64 `dynamodbav:"held"`
		Sold      int64 `dynamodbav:"sold"`
		Offering  int64 `dynamodbav:"offering"`
		Rev       int64 `dynamodbav:"rev"`
	} `dynamodbav:"tt"`
}

func (f *fixture) shards(eventID string, n int) []shard {
	f.t.Helper()
	return readShards(f.t, f.db, f.table, eventID, n)
}

func readShards(t testing.TB, db *dynamodb.Client, table, eventID string, n int) []shard {
	t.Helper()
	out := make([]shard, n)
	for k := range n {
		got, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &table, ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + eventID + "#INV#" + strconv.Itoa(k)},
				"sk": &types.AttributeValueMemberS{Value: "INV"}}})
		if err != nil || got.Item == nil {
			t.Fatalf("shard %d: %v (found: %v)", k, err, got != nil && got.Item != nil)
		}
		if err := attributevalue.UnmarshalMap(got.Item, &out[k]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkShards checks capacity = available + held + sold + offering on every shard and
// for every type on it, and that the shards add up to the event's capacity.
func checkShards(t testing.TB, ss []shard, capacity int64) {
	t.Helper()
	var total int64
	for k, s := range ss {
		if bad := (booking.Counters{Capacity: s.Capacity, Available: s.Available, Held: s.Held, Sold: s.Sold, Offering: s.Offering}).Violations(); bad != nil {
			t.Errorf("shard %d: %v", k, bad)
		}
		for id, c := range s.TT {
			if c.Capacity != c.Available+c.Held+c.Sold+c.Offering || c.Available < 0 {
				t.Errorf("shard %d type %s: %+v", k, id, c)
			}
		}
		total += s.Capacity
	}
	if total != capacity {
		t.Errorf("shards hold %d seats, the event %d", total, capacity)
	}
}

func TestShardsAreMadeAtPublication(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	in := f.eventInput(v, "Stadium", "live-music", 48*time.Hour, 299)
	in.InventoryShards = ptr(8)
	e, err := f.svc.CreateEvent(f.ctx, "admin-1", "", in)
	if err != nil {
		t.Fatal(err)
	}
	if e.Shards() != 8 {
		t.Fatalf("inventory_shards = %d", e.Shards())
	}
	// A draft may still be re-sharded: nothing is split until publication.
	e, err = f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{InventoryShards: ptr(7)})
	if err != nil || e.Shards() != 7 {
		t.Fatalf("re-shard the draft: %v, %d", err, e.Shards())
	}
	e, err = f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{InventoryShards: ptr(8)})
	if err != nil {
		t.Fatal(err)
	}
	e = f.publish(e)
	ss := f.shards(e.ID, 8)
	for k, s := range ss {
		want := int64(37)
		if k < 3 {
			want = 38
		}
		if s.Capacity != want || s.Available != want || s.Status != "published" || s.Price != 2500 {
			t.Errorf("shard %d: %+v", k, s)
		}
	}
	checkShards(t, ss, 299)
	if e.Capacity != 299 || e.Available != 299 || e.Status != catalog.Published {
		t.Fatalf("published: %+v", e)
	}

	_, err = f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{InventoryShards: ptr(4)})
	wantCode(t, err, fault.InvalidTransition)

	// Growth is spread, a price change reaches every shard's guard, in one transaction.
	e, err = f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{Capacity: ptr(int64(310)), Price: &catalog.Money{Amount: 3000, Currency: "USD"}})
	if err != nil {
		t.Fatal(err)
	}
	ss = f.shards(e.ID, 8)
	checkShards(t, ss, 310)
	for k, s := range ss {
		if s.Price != 3000 || s.Capacity < 38 || s.Capacity > 40 {
			t.Errorf("shard %d after growth: %+v", k, s)
		}
	}
	if e.Capacity != 310 || e.Available != 310 {
		t.Fatalf("after growth: %+v", e)
	}
	av, err := catalog.NewAvailabilityReader(f.store, 0, time.Now).Get(f.ctx, e.ID)
	if err != nil || av.Available != 310 {
		t.Fatalf("availability: %+v, %v", av, err)
	}
	// Lists show the shards' sums too, not the event item's counters.
	f.takeShardSeats(e.ID, 2, 5)
	page, err := f.svc.ListEvents(f.ctx, catalog.EventFilter{Limit: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].Available != 305 || page.Items[0].Held != 5 {
		t.Fatalf("admin list: %+v, %v", page.Items, err)
	}

	e, err = f.svc.Cancel(f.ctx, e.ID, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range f.shards(e.ID, 8) {
		if s.Status != "cancelled" {
			t.Errorf("shard %d still %s", k, s.Status)
		}
	}
}

func TestTypedShardsSplitEveryQuota(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	in := f.eventInput(v, "Typed", "live-music", 48*time.Hour, 100)
	in.Price, in.InventoryShards = nil, ptr(3)
	in.TicketTypes = []catalog.TicketTypeInput{typeInput("Floor", 5000, 61), typeInput("Seated", 3000, 39)}
	e, err := f.svc.CreateEvent(f.ctx, "admin-1", "", in)
	if err != nil {
		t.Fatal(err)
	}
	e = f.publish(e)
	ss := f.shards(e.ID, 3)
	checkShards(t, ss, 100)
	floor, seated := typeNamed(t, e, "Floor"), typeNamed(t, e, "Seated")
	for k, want := range [][2]int64{{21, 13}, {20, 13}, {20, 13}} {
		if ss[k].TT[floor.ID].Capacity != want[0] || ss[k].TT[seated.ID].Available != want[1] || ss[k].TT[floor.ID].Rev != floor.Version {
			t.Errorf("shard %d: %+v", k, ss[k].TT)
		}
	}
	if c := typeNamed(t, e, "Floor").Counters; c.Capacity != 61 || c.Available != 61 {
		t.Fatalf("floor summed: %+v", c)
	}
}

// onSaleSharded publishes an event of capacity seats over n shards, up to max per booking.
func (s *seats) onSaleSharded(capacity int64, n int, max int64) string {
	s.t.Helper()
	v, err := s.cat.CreateVenue(s.ctx, "admin-1", "", catalog.VenueInput{
		Name: "Hall", Address: "1 Main St", City: "Lisbon", Country: "PT", Capacity: 100000})
	if err != nil {
		s.t.Fatalf("create venue: %v", err)
	}
	starts := s.now.Add(30 * 24 * time.Hour)
	e, err := s.cat.CreateEvent(s.ctx, "admin-1", "", catalog.EventInput{
		Name: "Stadium", Category: "music", VenueID: v.ID,
		StartsAt: starts.Format(time.RFC3339), EndsAt: starts.Add(3 * time.Hour).Format(time.RFC3339),
		Capacity: capacity, Price: &catalog.Money{Amount: 2500, Currency: "USD"},
		MaxTicketsPerBooking: &max, InventoryShards: &n,
	})
	if err != nil {
		s.t.Fatalf("create event: %v", err)
	}
	if _, err := s.cat.Publish(s.ctx, e.ID, 0); err != nil {
		s.t.Fatalf("publish: %v", err)
	}
	return e.ID
}

// shardInvariant checks capacity = available + held + sold + offering and the bookings'
// seats on every shard and in total (the admin stats), and returns the shards and stats.
func (s *seats) shardInvariant(eventID string, n int, capacity int64) ([]shard, booking.Stats) {
	s.t.Helper()
	ss := readShards(s.t, s.db, s.table, eventID, n)
	checkShards(s.t, ss, capacity)
	all := s.allBookings(eventID)
	for k, sh := range ss {
		c := booking.Counters{Capacity: sh.Capacity, Available: sh.Available, Held: sh.Held, Sold: sh.Sold, Offering: sh.Offering}
		if bad := booking.CheckInvariant(c, booking.OnShard(all, k)); bad != nil {
			s.t.Errorf("shard %d: %v", k, bad)
		}
	}
	st, err := s.store.Stats(s.ctx, eventID)
	if err != nil {
		s.t.Fatal(err)
	}
	total := booking.Counters{Capacity: st.Capacity, Available: st.Available, Held: st.Held, Sold: st.Sold, Offering: st.Offering}
	if bad := booking.CheckInvariant(total, all); bad != nil || st.Capacity != capacity {
		s.t.Errorf("in total (%+v): %v", st, bad)
	}
	return ss, st
}

// storm reserves wants[i] seats for buyer i, stormWorkers buyers at a time (as many
// as the emulator serves without resetting connections), and returns the seats won and
// the refusals' codes.
func (s *seats) storm(eventID string, wants []int) (won int, codes map[fault.Code]int) {
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		next  = make(chan int)
		start = make(chan struct{})
	)
	codes = map[fault.Code]int{}
	for range stormWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range next {
				q := wants[i]
				_, err := s.booking.Reserve(s.ctx, fmt.Sprintf("buyer-%d", i), eventID, q, fmt.Sprintf("key-%d", i), time.Now())
				mu.Lock()
				if fe, ok := fault.As(err); ok {
					codes[fe.Code]++
				} else if err != nil {
					s.t.Errorf("buyer %d: %v", i, err)
				} else {
					won += q
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	for i := range wants {
		next <- i
	}
	close(next)
	wg.Wait()
	return won, codes
}

const stormWorkers = 32

// stormInBackground storms the event with n buyers of one seat each; done closes when
// the storm ends, and outcome is then its result.
func (s *seats) stormInBackground(eventID string, n int) (done <-chan struct{}, outcome func() (int, map[fault.Code]int)) {
	wants := make([]int, n)
	for i := range wants {
		wants[i] = 1
	}
	var (
		won     int
		codes   map[fault.Code]int
		stormed = make(chan struct{})
	)
	go func() {
		defer close(stormed)
		won, codes = s.storm(eventID, wants)
	}()
	return stormed, func() (int, map[fault.Code]int) { <-stormed; return won, codes }
}

// retryEdit runs an admin's edit during a storm up to 5 times while it answers conflict
// or version_conflict (the sales moved the event under it), and counts 1 if it landed.
func (s *seats) retryEdit(edit func() error) int {
	s.t.Helper()
	for range 5 {
		err := edit()
		if err == nil {
			return 1
		}
		if fe, ok := fault.As(err); !ok || (fe.Code != fault.Conflict && fe.Code != fault.VersionConflict) {
			s.t.Fatalf("edit during the storm: %v", err)
		}
	}
	return 0
}

// TestStrandedSeats: 300 buyers for 299 seats over 8 shards sell exactly 299; the last
// buyer is told sold_out, and no shard keeps a seat.
func TestStrandedSeats(t *testing.T) {
	s := newSeats(t)
	ev := s.onSaleSharded(299, 8, 4)
	wants := make([]int, 300)
	for i := range wants {
		wants[i] = 1
	}
	won, codes := s.storm(ev, wants)
	if won != 299 || codes[fault.SoldOut] != 1 || len(codes) != 1 {
		t.Fatalf("won %d seats, refusals %v", won, codes)
	}
	ss, st := s.shardInvariant(ev, 8, 299)
	for k, sh := range ss {
		if sh.Available != 0 {
			t.Errorf("shard %d strands %d seats", k, sh.Available)
		}
	}
	if st.Held != 299 || st.Available != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A storm of orders of 1 to 4 seats ends with fewer seats left than any refused order
// wanted: remainders spread over shards are gathered or spanned, never stranded.
func TestMixedOrdersLeaveNothingStranded(t *testing.T) {
	s := newSeats(t)
	ev := s.onSaleSharded(101, 8, 4)
	wants := make([]int, 60)
	for i := range wants {
		wants[i] = 1 + i%4 // 150 seats wanted
	}
	won, codes := s.storm(ev, wants)
	_, st := s.shardInvariant(ev, 8, 101)
	if int64(won) != st.Held || len(codes) != 1 || codes[fault.SoldOut] == 0 {
		t.Fatalf("won %d, stats %+v, refusals %v", won, st, codes)
	}
	if st.Available >= 4 {
		t.Fatalf("%d seats left after %d refusals", st.Available, codes[fault.SoldOut])
	}
	t.Logf("101 seats over 8 shards: %d sold, %d left, %d refused", won, st.Available, codes[fault.SoldOut])
}

// An order larger than any shard's remainder spans two shards in one transaction;
// confirming, cancelling and expiring it move the seats on both.
func TestSpanningOrder(t *testing.T) {
	s := newSeats(t)
	ev := s.onSaleSharded(6, 3, 4) // 2 seats per shard
	id := s.hold(ev, "span", 4, s.now)
	b, err := s.store.GetBooking(s.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Shards) != 2 || b.Shards[0]+b.Shards[1]+b.Shards[2] != 4 {
		t.Fatalf("shards of the booking: %v", b.Shards)
	}
	s.shardInvariant(ev, 3, 6)
	if _, err := s.booking.Confirm(s.ctx, "span", id, "pm_card_visa", "confirm-1", s.now); err != nil {
		t.Fatal(err)
	}
	if _, st := s.shardInvariant(ev, 3, 6); st.Sold != 4 || st.Available != 2 {
		t.Fatalf("after confirm: %+v", st)
	}
	if _, err := s.booking.Cancel(s.ctx, "span", id, s.now); err != nil {
		t.Fatal(err)
	}
	if _, st := s.shardInvariant(ev, 3, 6); st.Sold != 0 || st.Available != 6 {
		t.Fatalf("after cancel: %+v", st)
	}

	// A spanning hold left to expire: the sweeper gives both shards their seats back.
	past := s.now.Add(-20 * time.Minute)
	s.hold(ev, "late", 3, past) // 3 seats: no shard has them
	if r, err := s.sweeper.Sweep(s.ctx, s.now); err != nil || r.Expired != 1 || r.Seats != 3 {
		t.Fatalf("sweep = %+v, %v", r, err)
	}
	if _, st := s.shardInvariant(ev, 3, 6); st.Held != 0 || st.Available != 6 {
		t.Fatalf("after expiry: %+v", st)
	}
}

// When the seats left are spread one per shard, an order the sum covers gathers them
// into one shard (capacity moving with them) and sells.
func TestRemaindersAreGathered(t *testing.T) {
	s := newSeats(t)
	ev := s.onSaleSharded(8, 8, 4) // one seat per shard
	id := s.hold(ev, "four", 4, s.now)
	ss, st := s.shardInvariant(ev, 8, 8)
	if st.Held != 4 || st.Available != 4 {
		t.Fatalf("stats %+v", st)
	}
	b, _ := s.store.GetBooking(s.ctx, id)
	if len(b.Shards) != 1 {
		t.Fatalf("gathered order on shards %v", b.Shards)
	}
	for k := range b.Shards {
		if ss[k].Capacity != 8 {
			t.Fatalf("the gathering shard holds %+v", ss[k])
		}
	}
	s.hold(ev, "three", 3, s.now)
	_, err := s.booking.Reserve(s.ctx, "two", ev, 2, "key-two", s.now)
	wantCode(t, err, fault.SoldOut)
	s.hold(ev, "one", 1, s.now)
	if _, st := s.shardInvariant(ev, 8, 8); st.Available != 0 || st.Held != 8 {
		t.Fatalf("stats %+v", st)
	}
}

// An admin grows and then cuts the capacity of an 8-shard event while 250 buyers storm
// it: every change lands in one transaction over the event and the shards, the cut only
// from seats still free, and the invariant holds on every shard and in total.
func TestCapacityChangeDuringAShardedStorm(t *testing.T) {
	s := newSeats(t)
	ev := s.onSaleSharded(200, 8, 1)
	stormed, outcome := s.stormInBackground(ev, 250)
	edits := 0
	for _, delta := range []int64{40, -20, 15} {
		edits += s.retryEdit(func() error {
			e, err := s.cat.GetEvent(s.ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.cat.UpdateEvent(s.ctx, ev, e.Version, catalog.EventPatch{Capacity: ptr(e.Capacity + delta)})
			return err
		})
	}
	<-stormed
	won, codes := outcome()
	e, err := s.cat.GetEvent(s.ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	_, st := s.shardInvariant(ev, 8, e.Capacity)
	if int64(won) != st.Held || st.Available+st.Held != e.Capacity || len(codes) > 1 || (len(codes) == 1 && codes[fault.SoldOut] == 0) {
		t.Fatalf("won %d, stats %+v, capacity %d, refusals %v", won, st, e.Capacity, codes)
	}
	t.Logf("%d edits landed; capacity %d, %d sold during the storm, %d left, %d refused", edits, e.Capacity, won, st.Available, codes[fault.SoldOut])
}

// A typed order on a sharded event takes all its lines from one shard; confirm and
// cancel move each type's seats there, and the type invariant holds per shard and in
// total.
func TestTypedOrderOnAShard(t *testing.T) {
	s := newSeats(t)
	e := s.onSaleTypedSharded(40, 4, typeInput("Floor", 5000, 20), typeInput("Seated", 3000, 20))
	floor, seated := typeNamed(t, e, "Floor"), typeNamed(t, e, "Seated")
	check := func() { t.Helper(); s.typedShardInvariant(e.ID, 4, 40) }
	order := booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: floor.ID, Quantity: 2}, {TicketTypeID: seated.ID, Quantity: 3}}}
	r, err := s.booking.ReserveOrder(s.ctx, "typed", e.ID, order, "typed-1", s.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Booking.Shards) != 1 {
		t.Fatalf("typed order on shards %v", r.Booking.Shards)
	}
	check()
	if _, err := s.booking.Confirm(s.ctx, "typed", r.Booking.ID, "pm_card_visa", "c-1", s.now); err != nil {
		t.Fatal(err)
	}
	check()
	st, err := s.store.Stats(s.ctx, e.ID)
	if err != nil || st.Sold != 5 {
		t.Fatalf("stats %+v, %v", st, err)
	}
	for _, ts := range st.TicketTypes {
		if want := map[string]int64{floor.ID: 2, seated.ID: 3}[ts.TicketTypeID]; ts.Sold != want || ts.Capacity != 20 {
			t.Errorf("type %s: %+v", ts.Name, ts)
		}
	}
	if _, err := s.booking.Cancel(s.ctx, "typed", r.Booking.ID, s.now); err != nil {
		t.Fatal(err)
	}
	check()
}

// The waitlist of a sharded event: the first join flags every shard (no queue jumping on
// any), seats freed on a shard go to that shard's offering, offers take from the shards'
// offering, and once the line is empty the worker's settle gives what is left back on
// sale and clears the flags.
func TestWaitlistAcrossShards(t *testing.T) {
	s := newSeats(t)
	ev := s.onSaleSharded(12, 4, 4)
	var holds []string
	for i := range 12 {
		holds = append(holds, s.hold(ev, fmt.Sprintf("holder-%02d", i), 1, s.now))
	}
	for i := range 5 {
		user := fmt.Sprintf("waiter-%02d", i)
		_, err := s.onsale.Reserve(s.ctx, user, ev, 1, "k-"+user, true, s.now.Add(time.Duration(i)*time.Millisecond))
		fe, ok := fault.As(err)
		if !ok || fe.Code != fault.SoldOut || fe.Extra["waitlist"].(onsale.Place).Position != i+1 {
			t.Fatalf("reserve %s: %v", user, err)
		}
	}
	for k, sh := range readShards(t, s.db, s.table, ev, 4) {
		if sh.Waiting != 1 {
			t.Errorf("shard %d not flagged: %+v", k, sh)
		}
	}
	for i, id := range holds[:6] {
		if _, err := s.booking.Cancel(s.ctx, fmt.Sprintf("holder-%02d", i), id, s.now); err != nil {
			t.Fatal(err)
		}
	}
	if _, st := s.shardInvariant(ev, 4, 12); st.Available != 0 || st.Offering != 6 || st.Held != 6 {
		t.Fatalf("after cancellations: %+v", st)
	}
	_, err := s.onsale.Reserve(s.ctx, "late", ev, 1, "k-late", false, s.now)
	wantCode(t, err, fault.SoldOut)

	r, err := s.waiting.OfferSeats(s.ctx, ev, s.now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Offers != 5 || r.Returned != 1 {
		t.Fatalf("offers = %+v, want 5 and 1 seat back on sale", r)
	}
	for i := range 5 {
		v := s.me(fmt.Sprintf("waiter-%02d", i), ev)
		if v.Status != waitlist.Offered || v.Offer == nil {
			t.Fatalf("waiter %d: %+v", i, v)
		}
		b, err := s.store.GetBooking(s.ctx, v.Offer.BookingID)
		if err != nil || len(b.Shards) != 1 {
			t.Fatalf("offer of waiter %d: %+v, %v", i, b, err)
		}
	}
	ss, st := s.shardInvariant(ev, 4, 12)
	if st.Available != 1 || st.Offering != 0 || st.Held != 11 {
		t.Fatalf("after offers: %+v", st)
	}
	for k, sh := range ss {
		if sh.Waiting != 0 {
			t.Errorf("shard %d still flagged: %+v", k, sh)
		}
	}
	// The line is empty: the seat left is on sale again.
	s.hold(ev, "late", 1, s.now)
	s.shardInvariant(ev, 4, 12)
}

// What a reservation costs on a sharded event against the same event unsharded, metered
// on the store's client (warm event cache): the transaction is the same six items; the
// shards' view adds one BatchGetItem of N keys when it is older than a second.
func TestShardedReservationCost(t *testing.T) {
	s := newSeats(t)
	svc, meter := s.metered()
	for _, shards := range []int{1, 8} {
		ev := s.onSaleSharded(100, shards, 4)
		if _, err := svc.Reserve(s.ctx, "warm", ev, 1, fmt.Sprintf("warm-%d", shards), time.Now()); err != nil {
			t.Fatal(err)
		}
		meter.Reset()
		const n = 10
		for i := range n {
			if _, err := svc.Reserve(s.ctx, fmt.Sprintf("u-%d", i), ev, 1, fmt.Sprintf("k-%d-%d", shards, i), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		r := meter.Read()
		if r.ByOp["TransactWriteItems"] != n {
			t.Fatalf("%d shards: %d transactions for %d reservations (%v)", shards, r.ByOp["TransactWriteItems"], n, r.ByOp)
		}
		t.Logf("%d shard(s): %d reservations, %.1f capacity units estimated (%.1f per reservation), calls %v",
			shards, n, r.Estimated, r.Estimated/n, r.ByOp)
	}
}

// takeShardSeats holds n seats of shard k directly, as a reservation would.
func (f *fixture) takeShardSeats(eventID string, k int, n int64) {
	f.t.Helper()
	v := &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
	_, err := f.db.UpdateItem(f.ctx, &dynamodb.UpdateItemInput{TableName: &f.table,
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + eventID + "#INV#" + strconv.Itoa(k)},
			"sk": &types.AttributeValueMemberS{Value: "INV"}},
		UpdateExpression: aws.String("SET available = available - :n, held = held + :n"), ConditionExpression: aws.String("available >= :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": v}})
	if err != nil {
		f.t.Fatal(err)
	}
}
