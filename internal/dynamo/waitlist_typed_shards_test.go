package dynamo_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// shardFlags are a typed shard's waitlist flags as a test reads them.
type shardFlags struct {
	Waiting    int64 `dynamodbav:"waiting"`
	WaitingAny int64 `dynamodbav:"waiting_any"`
	TT         map[string]struct {
		Waiting int64 `dynamodbav:"waiting"`
	} `dynamodbav:"tt"`
}

func (s *seats) shardFlags(eventID string, n int) []shardFlags {
	s.t.Helper()
	out := make([]shardFlags, n)
	for k := range n {
		got, err := s.db.GetItem(s.ctx, &dynamodb.GetItemInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + eventID + "#INV#" + strconv.Itoa(k)},
				"sk": &types.AttributeValueMemberS{Value: "INV"}}})
		if err != nil || got.Item == nil {
			s.t.Fatalf("shard %d: %v", k, err)
		}
		if err := attributevalue.UnmarshalMap(got.Item, &out[k]); err != nil {
			s.t.Fatal(err)
		}
	}
	return out
}

// wantFlags checks every shard carries the flags given (type -> flag, "" for waiting_any),
// and never the flag of an event sold as one type.
func (s *seats) wantFlags(eventID string, n int, want map[string]int64) {
	s.t.Helper()
	for k, f := range s.shardFlags(eventID, n) {
		got := map[string]int64{"": f.WaitingAny}
		for id := range want {
			if id != "" {
				got[id] = f.TT[id].Waiting
			}
		}
		for id, w := range want {
			if got[id] != w || f.Waiting != 0 {
				s.t.Errorf("shard %d: flags %+v, want %v", k, f, want)
				break
			}
		}
	}
}

// lineCounts are the line's counts on the event item: waiting, waiting_any, per type.
type lineCounts struct {
	Waiting    int64 `dynamodbav:"waiting"`
	WaitingAny int64 `dynamodbav:"waiting_any"`
	TT         map[string]struct {
		Waiting int64 `dynamodbav:"waiting"`
	} `dynamodbav:"tt"`
}

func (s *seats) lineCounts(eventID string) lineCounts {
	s.t.Helper()
	got, err := s.db.GetItem(s.ctx, &dynamodb.GetItemInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + eventID}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}}})
	if err != nil || got.Item == nil {
		s.t.Fatalf("event item: %v", err)
	}
	var c lineCounts
	if err := attributevalue.UnmarshalMap(got.Item, &c); err != nil {
		s.t.Fatal(err)
	}
	if _, listed := got.Item["gsi3pk"]; !listed && c.Waiting > 0 {
		s.t.Errorf("%d waiting, but the event is not listed under OFFERING", c.Waiting)
	}
	return c
}

// typeTotals checks the type invariant on every shard and in total
// (typedShardInvariant) and gives each type's summed counters.
func (s *seats) typeTotals(eventID string, n int, capacity int64) map[string]booking.Counters {
	s.t.Helper()
	_, st := s.typedShardInvariant(eventID, n, capacity)
	out := map[string]booking.Counters{}
	for _, ts := range st.TicketTypes {
		out[ts.TicketTypeID] = booking.Counters{Capacity: ts.Capacity, Available: ts.Available, Held: ts.Held, Sold: ts.Sold, Offering: ts.Offering}
	}
	return out
}

// bought reserves q seats of one type for user and pays for them.
func (s *seats) bought(eventID, typeID, user string, q int) {
	s.t.Helper()
	id := s.order(eventID, typeID, user, q)
	if _, err := s.booking.Confirm(s.ctx, user, id, "pm_card_visa", "k-pay-"+user, s.now); err != nil {
		s.t.Fatalf("confirm %s: %v", user, err)
	}
}

// The per-type waitlist of a sharded event: VIP (2 a shard over 4 shards) sells out and
// people wait for VIP, later for any type; General stays on sale to the public until
// someone waits for any type; VIP seats freed on any shard go to VIP's line as offers
// taken from the shards' VIP offering (one offer from two shards); an offer lapses and
// its seats pass to the any-type entry; once nobody waits the worker's settle gives the
// rest back on sale and clears every flag. The invariant holds per shard, per type and
// in total after every step.
func TestTypedWaitlistAcrossShards(t *testing.T) {
	s := newSeats(t)
	e := s.onSaleTypedSharded(20, 4, typeInput("VIP", 9000, 8), typeInput("General", 3000, 12))
	ev, vip, ga := e.ID, typeNamed(t, e, "VIP").ID, typeNamed(t, e, "General").ID
	check := func() map[string]booking.Counters { t.Helper(); return s.typeTotals(ev, 4, 20) }

	// VIP sells out: two bookings a shard; the first of each is paid, the second held
	// (paid too on shard 3).
	type hold struct{ user, id string }
	byShard := map[int][]hold{}
	for i := range 8 {
		user := fmt.Sprintf("vip-%d", i)
		id := s.order(ev, vip, user, 1)
		b, err := s.store.GetBooking(s.ctx, id)
		if err != nil || len(b.Shards) != 1 {
			t.Fatalf("VIP booking %d: %+v, %v", i, b, err)
		}
		for k := range b.Shards {
			byShard[k] = append(byShard[k], hold{user, id})
			if len(byShard[k]) == 1 || k == 3 {
				if _, err := s.booking.Confirm(s.ctx, user, id, "pm_card_visa", "k-pay-"+user, s.now); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	held := func(k int) (user, id string) {
		t.Helper()
		if len(byShard[k]) != 2 {
			t.Fatalf("shard %d has VIP bookings %v", k, byShard[k])
		}
		return byShard[k][1].user, byShard[k][1].id
	}
	check()

	// wV1 wants 2 VIP: the sold-out reservation puts it in VIP's line; wV2 joins for 1.
	_, err := s.onsale.ReserveOrder(s.ctx, "wV1", ev, booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: vip, Quantity: 2}}}, "k-wV1", true, s.now)
	fe, ok := fault.As(err)
	if !ok || fe.Code != fault.SoldOut {
		t.Fatalf("reserve 2 VIP, sold out: %v", err)
	}
	if p, ok := fe.Extra["waitlist"].(onsale.Place); !ok || p.Position != 1 {
		t.Fatalf("sold_out carries %+v, want first in line", fe.Extra)
	}
	if _, _, err := s.waiting.Join(s.ctx, "wV2", ev, vip, 1, s.now.Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	s.wantFlags(ev, 4, map[string]int64{vip: 1, ga: 0, "": 0})
	if c := s.lineCounts(ev); c.Waiting != 2 || c.TT[vip].Waiting != 2 || c.WaitingAny != 0 {
		t.Fatalf("the line's counts on the event item: %+v", c)
	}

	// General stays on sale on every shard: 11 of its 12 seats sell; one cancelled goes
	// back to the public, not to the line.
	for i := range 11 {
		s.bought(ev, ga, fmt.Sprintf("ga-%02d", i), 1)
	}
	gaHeld := s.order(ev, ga, "ga-held", 1)
	if _, err := s.booking.Cancel(s.ctx, "ga-held", gaHeld, s.now); err != nil {
		t.Fatal(err)
	}
	if sum := check(); sum[ga].Available != 1 || sum[ga].Offering != 0 || sum[ga].Sold != 11 {
		t.Fatalf("General after its sale: %+v", sum[ga])
	}

	// VIP cancelled on shards 0 and 1: each seat goes to VIP's offering on its shard, and
	// no buyer jumps the line.
	for _, k := range []int{0, 1} {
		user, id := held(k)
		if _, err := s.booking.Cancel(s.ctx, user, id, s.now); err != nil {
			t.Fatal(err)
		}
	}
	ss, _ := s.shardInvariant(ev, 4, 20)
	for k := range 2 {
		if ss[k].TT[vip].Offering != 1 || ss[k].TT[vip].Available != 0 {
			t.Fatalf("shard %d after its VIP cancellation: %+v", k, ss[k].TT[vip])
		}
	}
	_, err = s.booking.ReserveOrder(s.ctx, "late", ev, booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: vip, Quantity: 1}}}, "k-late-vip", s.now)
	wantCode(t, err, fault.SoldOut)
	check()

	// The worker offers wV1 its two VIP seats, one from each shard.
	s.offerSeats(ev, 1, 0)
	offer := s.offerTo("wV1", ev)
	if len(offer.Lines) != 1 || offer.Lines[0].TicketTypeID != vip || offer.Quantity != 2 || offer.Total.Amount != 18000 ||
		len(offer.Shards) != 2 || offer.Shards[0] != 1 || offer.Shards[1] != 1 {
		t.Fatalf("wV1's offer = %+v, want 2 VIP at 9000, one from shard 0 and one from shard 1", offer)
	}
	if sum := check(); sum[vip].Offering != 0 || sum[vip].Held != 3 {
		t.Fatalf("VIP after the offer: %+v", sum[vip])
	}
	s.wantFlags(ev, 4, map[string]int64{vip: 1, ga: 0, "": 0}) // wV2 still waits

	// wAny wants 2 of any type, and only one General seat is free: it joins, the seat
	// goes to the line, and General is no longer sold to the public.
	if _, _, err := s.waiting.Join(s.ctx, "wAny", ev, "", 2, s.now.Add(2*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	s.wantFlags(ev, 4, map[string]int64{vip: 1, ga: 0, "": 1})
	if sum := check(); sum[ga].Available != 0 || sum[ga].Offering != 1 {
		t.Fatalf("General after wAny joined: %+v", sum[ga])
	}
	_, err = s.booking.ReserveOrder(s.ctx, "late", ev, booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: ga, Quantity: 1}}}, "k-late-ga", s.now)
	wantCode(t, err, fault.SoldOut)

	// VIP freed on shard 2 goes to wV2 (VIP's own line first); General's one seat is too
	// few for wAny and stays in the line.
	user, id := held(2)
	if _, err := s.booking.Cancel(s.ctx, user, id, s.now); err != nil {
		t.Fatal(err)
	}
	s.offerSeats(ev, 1, 0)
	if h := s.offerTo("wV2", ev); h.Lines[0].TicketTypeID != vip || h.Quantity != 1 || h.Shards[2] != 1 {
		t.Fatalf("wV2's offer = %+v, want 1 VIP from shard 2", h)
	}
	s.wantFlags(ev, 4, map[string]int64{vip: 0, ga: 0, "": 1}) // nobody waits for VIP itself
	check()
	if _, err := s.booking.Confirm(s.ctx, "wV2", s.me("wV2", ev).Offer.BookingID, "pm_card_visa", "k-confirm-wV2", s.now); err != nil {
		t.Fatal(err)
	}
	check()

	// wV1's offer lapses: its two VIP seats go to the line on their shards (wAny waits for
	// any type) and on to wAny, as one offer from the two shards.
	later := offer.ExpiresAt.Add(time.Second)
	if r, err := s.sweeper.Sweep(s.ctx, later); err != nil || r.Expired != 1 {
		t.Fatalf("sweep = %+v, %v; want wV1's offer expired", r, err)
	}
	if v := s.me("wV1", ev); v.Status != waitlist.OfferExpired {
		t.Fatalf("wV1 after the lapse: %+v", v)
	}
	if sum := check(); sum[vip].Offering != 2 {
		t.Fatalf("VIP after the lapse: %+v", sum[vip])
	}
	// The line is then empty: General's seat in the line goes back on sale, every flag
	// is cleared.
	r, err := s.waiting.OfferSeats(s.ctx, ev, later)
	if err != nil || r.Offers != 1 || r.Returned != 1 {
		t.Fatalf("offer round = %+v, %v; want wAny's offer and General's seat back", r, err)
	}
	anyHold := s.offerTo("wAny", ev)
	if anyHold.Lines[0].TicketTypeID != vip || anyHold.Quantity != 2 || len(anyHold.Shards) != 2 {
		t.Fatalf("wAny's offer = %+v, want 2 VIP from two shards", anyHold)
	}
	s.wantFlags(ev, 4, map[string]int64{vip: 0, ga: 0, "": 0})
	if c := s.lineCounts(ev); c.Waiting != 0 || c.WaitingAny != 0 || c.TT[vip].Waiting != 0 {
		t.Fatalf("nobody waits: %+v", c)
	}
	if sum := check(); sum[ga].Available != 1 || sum[ga].Offering != 0 || sum[vip].Offering != 0 {
		t.Fatalf("after the last round: %+v", sum)
	}
	s.bought(ev, ga, "ga-last", 1)

	// An offer from two shards confirms like any hold, its seats sold on the shards they
	// came from.
	if _, err := s.booking.Confirm(s.ctx, "wAny", anyHold.ID, "pm_card_visa", "k-confirm-wAny", later); err != nil {
		t.Fatal(err)
	}
	if sum := check(); sum[vip].Sold != 8 || sum[vip].Available != 0 || sum[ga].Sold != 12 {
		t.Fatalf("at the end: %+v", sum)
	}
	if c := s.lineCounts(ev); c.Waiting != 0 {
		t.Fatalf("at the end: %+v", c)
	}
}

// A typed join finding a few free seats of its type (fewer than it wants) flags the type
// and moves those seats to the type's offering on their shard in the same update; a
// cancellation completes the entry's seats and the offer takes them from wherever they
// are.
func TestTypedJoinClaimsItsTypesFreeSeats(t *testing.T) {
	s := newSeats(t)
	e := s.onSaleTypedSharded(8, 2, typeInput("VIP", 9000, 4), typeInput("General", 3000, 4))
	ev, vip, ga := e.ID, typeNamed(t, e, "VIP").ID, typeNamed(t, e, "General").ID
	var held []string
	for i := range 3 {
		held = append(held, s.order(ev, vip, fmt.Sprintf("vip-%d", i), 1))
	}
	if _, _, err := s.waiting.Join(s.ctx, "wV", ev, vip, 2, s.now); err != nil {
		t.Fatal(err)
	}
	s.wantFlags(ev, 2, map[string]int64{vip: 1, ga: 0, "": 0})
	if sum := s.typeTotals(ev, 2, 8); sum[vip].Available != 0 || sum[vip].Offering != 1 || sum[ga].Available != 4 {
		t.Fatalf("after wV joined: %+v", sum)
	}
	s.offerSeats(ev, 0, 0) // one seat is too few for wV: it stays in VIP's line
	s.order(ev, ga, "ga-0", 2)
	if _, err := s.booking.Cancel(s.ctx, "vip-0", held[0], s.now); err != nil {
		t.Fatal(err)
	}
	s.offerSeats(ev, 1, 0)
	if h := s.offerTo("wV", ev); h.Quantity != 2 || h.Lines[0].TicketTypeID != vip || h.Shards[0]+h.Shards[1] != 2 {
		t.Fatalf("wV's offer = %+v", h)
	}
	s.wantFlags(ev, 2, map[string]int64{vip: 0, ga: 0, "": 0})
	if sum := s.typeTotals(ev, 2, 8); sum[vip].Held != 4 || sum[vip].Offering != 0 || sum[ga].Held != 2 {
		t.Fatalf("after the offer: %+v", sum)
	}
	if c := s.lineCounts(ev); c.Waiting != 0 || c.TT[vip].Waiting != 0 {
		t.Fatalf("nobody waits: %+v", c)
	}
}
