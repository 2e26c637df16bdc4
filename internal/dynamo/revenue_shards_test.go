package dynamo_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
)

// noStatsItem fails unless the event's stats item is absent: a sharded event's
// confirmations and refunds write its revenue on the shards.
func (s *seats) noStatsItem(eventID string) {
	s.t.Helper()
	got, err := s.db.GetItem(s.ctx, &dynamodb.GetItemInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + eventID},
			"sk": &types.AttributeValueMemberS{Value: "STATS"}}})
	if err != nil {
		s.t.Fatal(err)
	}
	if got.Item != nil {
		s.t.Fatalf("the stats item was written: %v", got.Item)
	}
}

// confirmAll confirms each booking for its user and returns the totals confirmed, in all
// and per type.
func (s *seats) confirmAll(users map[string]string) (int64, map[string]int64) {
	s.t.Helper()
	var total int64
	byType := map[string]int64{}
	for user, id := range users {
		if _, err := s.booking.Confirm(s.ctx, user, id, "pm_card_visa", "confirm-"+user, s.now); err != nil {
			s.t.Fatalf("confirm %s: %v", user, err)
		}
		b, err := s.store.GetBooking(s.ctx, id)
		if err != nil {
			s.t.Fatal(err)
		}
		total += b.Total.Amount
		for _, l := range b.OrderLines() {
			byType[l.TicketTypeID] += l.Total.Amount
		}
	}
	return total, byType
}

// wantRevenue checks the stats' revenue, in all and per type, in the event's currency,
// and that the shards' revenue adds up to it.
func wantRevenue(t *testing.T, st booking.Stats, ss []shard, total int64, byType map[string]int64) {
	t.Helper()
	if st.Revenue.Amount != total || st.Revenue.Currency != "USD" {
		t.Errorf("revenue %+v, want %d USD", st.Revenue, total)
	}
	for _, ts := range st.TicketTypes {
		if ts.Revenue.Amount != byType[ts.TicketTypeID] || ts.Revenue.Currency != "USD" {
			t.Errorf("type %s revenue %+v, want %d", ts.Name, ts.Revenue, byType[ts.TicketTypeID])
		}
	}
	var onShards int64
	for _, sh := range ss {
		onShards += sh.Revenue
	}
	if onShards != total {
		t.Errorf("the shards hold %d of revenue, the stats %d", onShards, total)
	}
}

// On an 8-shard event, confirmations (one a spanning order) add their totals on their
// first shard, in the update that sells the seats (the shard's version grows by one);
// a refund takes its amount off there; the stats sum the shards, and the stats item is
// never written.
func TestShardedRevenue(t *testing.T) {
	s := newSeats(t)
	ev := s.onSaleSharded(16, 8, 4) // 2 seats per shard
	holds := map[string]string{"one": s.hold(ev, "one", 1, s.now), "two": s.hold(ev, "two", 2, s.now),
		"span": s.hold(ev, "span", 4, s.now)} // no shard has 4
	span, err := s.store.GetBooking(s.ctx, holds["span"])
	if err != nil || len(span.Shards) != 2 {
		t.Fatalf("spanning hold on shards %v, %v", span.Shards, err)
	}
	held := readShards(t, s.db, s.table, ev, 8)
	total, byType := s.confirmAll(holds)
	if total != 7*2500 {
		t.Fatalf("confirmed %d", total)
	}
	ss, st := s.shardInvariant(ev, 8, 16)
	wantRevenue(t, st, ss, total, byType)
	s.noStatsItem(ev)
	// One write per shard part of each confirmation (1 + 1 + 2), the revenue within it.
	if grew := versions(ss) - versions(held); grew != 4 {
		t.Errorf("the shards' versions grew by %d over the confirmations, want 4", grew)
	}
	first := -1
	for k := range span.Shards {
		if first < 0 || k < first {
			first = k
		}
	}
	if ss[first].Revenue < span.Total.Amount {
		t.Errorf("the span's first shard has %d of revenue, the span %d", ss[first].Revenue, span.Total.Amount)
	}

	out, err := s.booking.Cancel(s.ctx, "span", holds["span"], s.now)
	if err != nil {
		t.Fatal(err)
	}
	if out.Refund == nil || out.Refund.Amount.Amount == 0 {
		t.Fatalf("no refund: %+v", out.Refund)
	}
	total -= out.Refund.Amount.Amount
	for _, l := range out.Refund.Lines {
		byType[l.TicketTypeID] -= l.Amount.Amount
	}
	if len(out.Refund.Lines) == 0 {
		byType[catalog.DefaultTypeID(ev)] -= out.Refund.Amount.Amount
	}
	ss, st = s.shardInvariant(ev, 8, 16)
	wantRevenue(t, st, ss, total, byType)
	s.noStatsItem(ev)
	t.Logf("revenue %d after a refund of %d; per shard %v", st.Revenue.Amount, out.Refund.Amount.Amount, revenues(ss))
}

// A typed 8-shard event: each line's total goes to its type's revenue on the order's
// first shard, a spanning order's too, and a refund takes each line's refund off it.
func TestTypedShardedRevenue(t *testing.T) {
	s := newSeats(t)
	e := s.onSaleTypedSharded(48, 8, typeInput("VIP", 9000, 24), typeInput("General", 3000, 24)) // 3 + 3 per shard
	vip, gen := typeNamed(t, e, "VIP").ID, typeNamed(t, e, "General").ID
	holds := map[string]string{}
	for user, lines := range map[string]map[string]int{"small": {vip: 2, gen: 1}, "span": {vip: 4, gen: 2}} {
		r, err := s.booking.ReserveOrder(s.ctx, user, e.ID, order(lines), "k-"+user, s.now)
		if err != nil {
			t.Fatal(err)
		}
		holds[user] = r.Booking.ID
		if user == "span" && len(r.Booking.Shards) != 2 {
			t.Fatalf("the 4-VIP order on shards %v", r.Booking.Shards)
		}
	}
	total, byType := s.confirmAll(holds)
	if total != 6*9000+3*3000 || byType[vip] != 6*9000 || byType[gen] != 3*3000 {
		t.Fatalf("confirmed %d, %v", total, byType)
	}
	ss, st := s.typedShardInvariant(e.ID, 8, 48)
	wantRevenue(t, st, ss, total, byType)
	s.noStatsItem(e.ID)

	out, err := s.booking.Cancel(s.ctx, "span", holds["span"], s.now)
	if err != nil {
		t.Fatal(err)
	}
	if out.Refund == nil || len(out.Refund.Lines) != 2 {
		t.Fatalf("refund %+v", out.Refund)
	}
	total -= out.Refund.Amount.Amount
	for _, l := range out.Refund.Lines {
		byType[l.TicketTypeID] -= l.Amount.Amount
	}
	ss, st = s.typedShardInvariant(e.ID, 8, 48)
	wantRevenue(t, st, ss, total, byType)
	s.noStatsItem(e.ID)
}

func versions(ss []shard) int64 {
	var v int64
	for _, sh := range ss {
		v += sh.Version
	}
	return v
}

func revenues(ss []shard) []int64 {
	out := make([]int64, len(ss))
	for k, sh := range ss {
		out[k] = sh.Revenue
	}
	return out
}

// What a confirmation writes on an unsharded event and on an 8-shard one, metered on the
// store's client: the sharded one has no stats item in its transaction, 2 WRU less.
func TestShardedConfirmationCost(t *testing.T) {
	s := newSeats(t)
	svc, meter := s.metered()
	const n = 10
	per := map[int]float64{}
	for _, shards := range []int{1, 8} {
		ev := s.onSaleSharded(100, shards, 4)
		ids := make([]string, n)
		for i := range n {
			a, err := svc.Reserve(s.ctx, fmt.Sprintf("u-%d", i), ev, 1, fmt.Sprintf("k-%d-%d", shards, i), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = a.Booking.ID
		}
		meter.Reset()
		for i, id := range ids {
			if _, err := svc.Confirm(s.ctx, fmt.Sprintf("u-%d", i), id, "pm_card_visa", "c", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		r := meter.Read()
		if r.ByOp["TransactWriteItems"] != n {
			t.Fatalf("%d shards: %d transactions for %d confirmations (%v)", shards, r.ByOp["TransactWriteItems"], n, r.ByOp)
		}
		per[shards] = r.Estimated / n
		t.Logf("%d shard(s): %d confirmations, %.1f capacity units estimated (%.1f per confirmation), calls %v",
			shards, n, r.Estimated, per[shards], r.ByOp)
	}
	if per[8] != per[1]-2 {
		t.Fatalf("per confirmation: %.1f sharded, %.1f unsharded; want the stats item's 2 WRU less", per[8], per[1])
	}
}
