package dynamo

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// The waitlist of a sharded event (docs/waiting-room.md §5). The line stays where it
// is: entries, the block counters and the count of waiting entries on the event item
// (joins, leaves and offers write it, not the reservations). The shards carry what the
// reservation and the release check: a waiting flag, set on every shard by a join (with
// the shard's free seats moved to its offering) and cleared by the worker's settle once
// the line is empty, and the offering seats: freed on a shard, offered from it.

// typedShardsWaitlist refuses a per-type waitlist on a sharded event: its shards carry
// one flag and one offering, not each type's.
func typedShardsWaitlist() error {
	return fault.New(fault.Conflict, "The waitlist of an event with inventory_shards > 1 is not per ticket type yet")
}

// shardCounts remembers each event's inventory_shards: fixed from publication on, so
// once seen it is good for the life of the instance.
type shardCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *shardCounts) put(eventID string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[eventID] = n
}

func (c *shardCounts) get(eventID string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.n[eventID]
	return n, ok
}

// shardsOf is the number of shards an event's seats are in (0: the event item).
func (w *Waitlist) shardsOf(ctx context.Context, eventID string) (int, error) {
	if n, ok := w.shards.get(eventID); ok {
		return n, nil
	}
	if _, err := w.Seats(ctx, eventID); err != nil && !fault.Is(err, fault.NotFound) {
		return 0, err
	}
	n, _ := w.shards.get(eventID)
	return n, nil
}

// joinSharded is Join on a sharded event: the event item counts the entry (and lists
// the event under OFFERING, so the sweeper re-nudges the worker while anyone waits), and
// every shard not yet flagged or with free seats gets the flag and moves exactly the
// free seats read (available, summed) to its offering.
func (w *Waitlist) joinSharded(ctx context.Context, e waitlist.Entry, n int, available int64, ptr *types.Put, rec item, now time.Time) error {
	shards, err := w.b.readShards(ctx, e.EventID, n, true)
	if err != nil {
		return err
	}
	if sumShards(shards).Available != available {
		return waitlist.ErrChanged
	}
	cond := "#status = :published AND starts_at > :now"
	vals := item{":published": str(booking.Published), ":now": str(formatTime(now)), ":zero": num(0), ":one": num(1),
		":offeringpk": str(offeringGSI3PK), ":since": str(fmtBookingTime(now))}
	if available >= int64(e.Quantity) {
		// Joining makes sense when the seats wanted are not free, or free only for the line.
		cond += " AND waiting > :zero"
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &w.b.table, Key: eventKey(e.EventID), ConditionExpression: aws.String(cond),
			UpdateExpression:         aws.String("SET waiting = if_not_exists(waiting, :zero) + :one, version = version + :one, gsi3pk = :offeringpk, gsi3sk = if_not_exists(gsi3sk, :since)"),
			ExpressionAttributeNames: map[string]string{"#status": "status"}, ExpressionAttributeValues: vals,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Put: ptr},
		{Put: &types.Put{TableName: &w.b.table, Item: rec, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		w.countWaiting(e.EventID, e.Seq, 1),
	}
	for k, sh := range shards {
		if sh.Waiting > 0 && sh.Available == 0 {
			continue
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: &w.b.table, Key: shardKey(e.EventID, k),
			ConditionExpression:       aws.String("available = :a"),
			UpdateExpression:          aws.String("SET waiting = :one, available = :zero, offering = offering + :a, version = version + :one"),
			ExpressionAttributeValues: item{":a": num(sh.Available), ":zero": num(0), ":one": num(1)}}})
	}
	err = w.b.transact(ctx, items, requestToken("join", e.ID))
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return err
	case reasons.failed(0):
		old := reasons.item(0)
		if old == nil {
			return fault.New(fault.NotFound, "Event not found")
		}
		ev, err := fromEventForBooking(old)
		if err != nil {
			return err
		}
		if !ev.OnSale(now) {
			return fault.New(fault.NotOnSale, "This event is not on sale")
		}
		return fault.New(fault.Conflict, "Enough seats are available: reserve them instead of joining the waitlist").With("available", available)
	}
	return waitlist.ErrChanged
}

// offerSharded is Offer on a sharded event: the entry's seats come from the shards'
// offering, as many shards as it takes (the line's seats need no spreading), and the
// hold records them.
func (w *Waitlist) offerSharded(ctx context.Context, e waitlist.Entry, hold *booking.Booking, n int, items []types.TransactWriteItem) error {
	shards, err := w.b.readShards(ctx, e.EventID, n, true)
	if err != nil {
		return err
	}
	left := int64(e.Quantity)
	hold.Shards = map[int]int{}
	var takes []types.TransactWriteItem
	for k, sh := range shards {
		t := min(sh.Offering, left)
		if t <= 0 {
			continue
		}
		hold.Shards[k], left = int(t), left-t
		takes = append(takes, types.TransactWriteItem{Update: &types.Update{TableName: &w.b.table, Key: shardKey(e.EventID, k),
			ConditionExpression:       aws.String("offering >= :t"),
			UpdateExpression:          aws.String("SET offering = offering - :t, held = held + :t, version = version + :one"),
			ExpressionAttributeValues: item{":t": num(t), ":one": num(1)}}})
		if left == 0 {
			break
		}
	}
	if left > 0 {
		return waitlist.ErrNoSeats
	}
	bi, err := marshalBooking(hold)
	if err != nil {
		return err
	}
	items[offerBooking].Put.Item = bi
	items[offerEvent] = types.TransactWriteItem{Update: &types.Update{TableName: &w.b.table, Key: eventKey(e.EventID),
		ConditionExpression:       aws.String("waiting >= :one"),
		UpdateExpression:          aws.String("SET waiting = waiting - :one, version = version + :one"),
		ExpressionAttributeValues: item{":one": num(1)}}}
	items = append(items, takes...)
	err = w.b.transact(ctx, items, requestToken("offer", e.ID, itoa64(e.Version)))
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return err
	case reasons.failed(offerEntry):
		return waitlist.ErrChanged
	case reasons.failed(offerEvent), failedFrom(reasons, offerLine+1, len(items)):
		return waitlist.ErrNoSeats
	}
	return err
}

// claimSharded is Claim on a sharded event: each shard's free seats (summing to
// available, as read) move to its offering while it is flagged.
func (w *Waitlist) claimSharded(ctx context.Context, eventID string, n int, available int64) error {
	shards, err := w.b.readShards(ctx, eventID, n, true)
	if err != nil {
		return err
	}
	if sumShards(shards).Available != available {
		return waitlist.ErrChanged
	}
	var items []types.TransactWriteItem
	for k, sh := range shards {
		if sh.Available == 0 {
			continue
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: &w.b.table, Key: shardKey(eventID, k),
			ConditionExpression:       aws.String("waiting > :zero AND available = :a"),
			UpdateExpression:          aws.String("SET available = :zero, offering = offering + :a, version = version + :one"),
			ExpressionAttributeValues: item{":a": num(sh.Available), ":zero": num(0), ":one": num(1)}}})
	}
	if len(items) == 0 {
		return nil
	}
	err = w.b.transact(ctx, items, aws.String(newToken()))
	if _, cancelled := cancellation(err); cancelled {
		return waitlist.ErrChanged
	}
	return err
}

// settleSharded is Settle on a sharded event: once nobody waits (the event item's
// count, in the same transaction, so a join cannot slip in), every shard's offering
// goes back to available and its flag is cleared, and the event leaves OFFERING.
func (w *Waitlist) settleSharded(ctx context.Context, eventID string, n int) (int64, error) {
	ev, err := w.b.get(ctx, eventKey(eventID))
	if err != nil || ev == nil {
		return 0, err
	}
	if numAttr(ev, "waiting") > 0 {
		return 0, nil
	}
	shards, err := w.b.readShards(ctx, eventID, n, true)
	if err != nil {
		return 0, err
	}
	items := []types.TransactWriteItem{{Update: &types.Update{TableName: &w.b.table, Key: eventKey(eventID),
		ConditionExpression:       aws.String("attribute_not_exists(waiting) OR waiting = :zero"),
		UpdateExpression:          aws.String("SET version = version + :one REMOVE gsi3pk, gsi3sk"),
		ExpressionAttributeValues: item{":zero": num(0), ":one": num(1)}}}}
	var returned int64
	for k, sh := range shards {
		if sh.Offering == 0 && sh.Waiting == 0 {
			continue
		}
		returned += sh.Offering
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: &w.b.table, Key: shardKey(eventID, k),
			ConditionExpression:       aws.String("offering = :o"),
			UpdateExpression:          aws.String("SET available = available + :o, offering = :zero, waiting = :zero, version = version + :one"),
			ExpressionAttributeValues: item{":o": num(sh.Offering), ":zero": num(0), ":one": num(1)}}})
	}
	if _, listed := ev["gsi3pk"]; len(items) == 1 && !listed {
		return 0, nil
	}
	err = w.b.transact(ctx, items, aws.String(newToken()))
	if _, cancelled := cancellation(err); cancelled {
		return 0, nil // a join or a release came first: the next round settles
	}
	return returned, err
}
