package dynamo

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// The waitlist of a sharded event (docs/waiting-room.md §5). The line stays where it
// is: entries, the block counters and the counts of waiting entries on the event item
// (joins, leaves and offers write them, not the reservations). The shards carry what the
// reservation and the release check: flags, set on every shard by a join (with the
// shard's free seats moved to its offering) and cleared by the worker's settle once
// nobody waits for them, and the offering seats: freed on a shard, offered from it. An
// event sold as one type has one flag, waiting; a typed event has one per type,
// tt.<type>.waiting, and waiting_any, so a type nobody waits for stays on sale.

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
		if err := refusedJoin(reasons, now); err != nil {
			return err
		}
		return fault.New(fault.Conflict, "Enough seats are available: reserve them instead of joining the waitlist").With("available", available)
	}
	return waitlist.ErrChanged
}

// offerSharded is Offer on a sharded event: the entry's seats come from the shards'
// offering (on a typed event, of the type of the hold's one line), as many shards as it
// takes (the line's seats need no spreading), and the hold records each shard's share.
func (w *Waitlist) offerSharded(ctx context.Context, e waitlist.Entry, hold *booking.Booking, n int, items []types.TransactWriteItem) error {
	shards, err := w.b.readShards(ctx, e.EventID, n, true)
	if err != nil {
		return err
	}
	typeID := ""
	if len(hold.Lines) == 1 {
		typeID = hold.Lines[0].TicketTypeID
	}
	left := int64(e.Quantity)
	hold.Shards = map[int]int{}
	var takes []types.TransactWriteItem
	for k, sh := range shards {
		free := sh.Offering
		if typeID != "" {
			free = min(free, sh.TT[typeID].Offering)
		}
		t := min(free, left)
		if t <= 0 {
			continue
		}
		hold.Shards[k], left = int(t), left-t
		u := &types.Update{TableName: &w.b.table, Key: shardKey(e.EventID, k),
			ConditionExpression:       aws.String("offering >= :t"),
			UpdateExpression:          aws.String("SET offering = offering - :t, held = held + :t, version = version + :one"),
			ExpressionAttributeValues: item{":t": num(t), ":one": num(1)}}
		if typeID != "" {
			u.ExpressionAttributeNames = map[string]string{"#t": typeID}
			*u.ConditionExpression += " AND tt.#t.offering >= :t"
			*u.UpdateExpression += ", tt.#t.offering = tt.#t.offering - :t, tt.#t.held = tt.#t.held + :t"
		}
		takes = append(takes, types.TransactWriteItem{Update: u})
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
	items[offerEvent] = types.TransactWriteItem{Update: uncount(e, &types.Update{TableName: &w.b.table, Key: eventKey(e.EventID),
		ConditionExpression:       aws.String("waiting >= :one"),
		UpdateExpression:          aws.String("SET waiting = waiting - :one, version = version + :one"),
		ExpressionAttributeValues: item{":one": num(1)}})}
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
	return w.commitClaim(ctx, items)
}

// commitClaim runs a sharded claim's shard moves: ErrChanged when a shard moved since
// the read.
func (w *Waitlist) commitClaim(ctx context.Context, items []types.TransactWriteItem) error {
	if len(items) == 0 {
		return nil
	}
	err := w.b.transact(ctx, items, aws.String(newToken()))
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

// joinTypedSharded is Join on a typed sharded event: the event item counts the entry in
// waiting and in its type's count (or waiting_any) and lists the event under OFFERING;
// every shard not yet flagged for the entry's type (or any type), or with free seats of
// a type someone waits for, gets the flag and moves its part of c (Claim.OnShard). c was
// read from the shards' sums, and the move is conditioned on each shard as read.
func (w *Waitlist) joinTypedSharded(ctx context.Context, e waitlist.Entry, n int, c waitlist.Claim, ptr *types.Put, rec item, now time.Time) error {
	shards, err := w.b.readShards(ctx, e.EventID, n, true)
	if err != nil {
		return err
	}
	if !claimRead(sumShards(shards), c) {
		return waitlist.ErrChanged
	}
	names := map[string]string{"#status": "status"}
	vals := item{":published": str(booking.Published), ":now": str(formatTime(now)), ":zero": num(0), ":one": num(1),
		":offeringpk": str(offeringGSI3PK), ":since": str(fmtBookingTime(now))}
	cond := "#status = :published AND starts_at > :now"
	set := "SET waiting = if_not_exists(waiting, :zero) + :one, version = version + :one, gsi3pk = :offeringpk, gsi3sk = if_not_exists(gsi3sk, :since)"
	if e.TicketTypeID == "" {
		set += ", waiting_any = if_not_exists(waiting_any, :zero) + :one"
	} else {
		names["#w"] = e.TicketTypeID
		cond += " AND attribute_exists(tt.#w)"
		set += ", tt.#w.waiting = tt.#w.waiting + :one"
	}
	var items []types.TransactWriteItem
	for k, sh := range shards {
		u := w.shardClaim(e.EventID, k, sh, c, false)
		flagged := sh.WaitingAny > 0
		if e.TicketTypeID != "" {
			flagged = sh.TT[e.TicketTypeID].Waiting > 0
		}
		if !flagged {
			if u == nil {
				u = &types.Update{TableName: &w.b.table, Key: shardKey(e.EventID, k), ConditionExpression: aws.String("attribute_exists(pk)"),
					UpdateExpression: aws.String("SET version = version + :one"), ExpressionAttributeValues: item{":one": num(1)}}
			}
			if e.TicketTypeID == "" {
				*u.UpdateExpression += ", waiting_any = :one"
			} else {
				if u.ExpressionAttributeNames == nil {
					u.ExpressionAttributeNames = map[string]string{}
				}
				u.ExpressionAttributeNames["#w"] = e.TicketTypeID
				*u.UpdateExpression += ", tt.#w.waiting = :one"
			}
		}
		if u != nil {
			items = append(items, types.TransactWriteItem{Update: u})
		}
	}
	return w.commitTypedJoin(ctx, e, &types.Update{TableName: &w.b.table, Key: eventKey(e.EventID), ConditionExpression: aws.String(cond),
		UpdateExpression: aws.String(set), ExpressionAttributeNames: names, ExpressionAttributeValues: vals}, ptr, rec, now, items)
}

// claimRead reports whether the shards' sums t are the counts claim c was planned from.
func claimRead(t shardTotals, c waitlist.Claim) bool {
	if t.Available != c.Available {
		return false
	}
	for _, tc := range c.Types {
		if t.TT[tc.ID].Available != tc.Available {
			return false
		}
	}
	return true
}

// shardClaim is the update moving shard k's part of c from available to offering,
// conditioned on the shard's counts as read (claimMove) and, when flagged, on the shard
// still being flagged for each type it moves; nil when the shard has nothing for the line.
func (w *Waitlist) shardClaim(eventID string, k int, sh shardRecord, c waitlist.Claim, flagged bool) *types.Update {
	free := make(map[string]int64, len(sh.TT))
	for id, tc := range sh.TT {
		free[id] = tc.Available
	}
	part := c.OnShard(sh.Available, free)
	if part.Seats == 0 {
		return nil
	}
	names, vals := map[string]string{}, item{":one": num(1)}
	set, cond := claimMove(part, names, vals)
	for i, tc := range part.Types {
		if flagged && tc.Seats > 0 {
			cond = append(cond, "(tt.#c"+strconv.Itoa(i)+".waiting > :zero OR waiting_any > :zero)")
		}
	}
	return &types.Update{TableName: &w.b.table, Key: shardKey(eventID, k),
		ConditionExpression:      aws.String(strings.Join(cond, " AND ")),
		UpdateExpression:         aws.String("SET version = version + :one, " + strings.Join(set, ", ")),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals}
}

// claimTypedSharded is Claim on a typed sharded event: each shard's part of c, while the
// shard is still flagged for the types it moves (a settle may have cleared them since c
// was read).
func (w *Waitlist) claimTypedSharded(ctx context.Context, eventID string, n int, c waitlist.Claim) error {
	shards, err := w.b.readShards(ctx, eventID, n, true)
	if err != nil {
		return err
	}
	if !claimRead(sumShards(shards), c) {
		return waitlist.ErrChanged
	}
	var items []types.TransactWriteItem
	for k, sh := range shards {
		if u := w.shardClaim(eventID, k, sh, c, true); u != nil {
			items = append(items, types.TransactWriteItem{Update: u})
		}
	}
	return w.commitClaim(ctx, items)
}

// settleTypedSharded is Settle on a typed sharded event, in one transaction conditioned
// on the event item's counts as read: the offering seats of the types back lists (nobody
// waits for them) go back to available on every shard, the flags of types nobody waits
// for (and waiting_any, once nobody waits for any type) are cleared on every shard, and
// the event leaves OFFERING once nobody waits and nothing is left offering.
func (w *Waitlist) settleTypedSharded(ctx context.Context, eventID string, n int, back waitlist.Returnable) (int64, error) {
	it, err := w.b.get(ctx, eventKey(eventID))
	if err != nil || it == nil {
		return 0, err
	}
	ev, tt, err := decodeBookingEvent(it)
	if err != nil {
		return 0, err
	}
	shards, err := w.b.readShards(ctx, eventID, n, true)
	if err != nil {
		return 0, err
	}
	ret := map[string]bool{}
	if ev.WaitingAny == back.WaitingAny {
		for _, r := range back.Types {
			ret[r.ID] = tt[r.ID].Waiting == 0
		}
	}
	// Types nobody waits for: their flags go, and the condition says so.
	ids := make([]string, 0, len(tt))
	for id, c := range tt {
		if c.Waiting == 0 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	names := map[string]string{}
	vals := item{":one": num(1), ":w": num(ev.Waiting), ":wa": num(ev.WaitingAny)}
	cond := []string{"(attribute_not_exists(waiting) OR waiting = :w)", "(attribute_not_exists(waiting_any) OR waiting_any = :wa)"}
	for i, id := range ids {
		a := "#s" + strconv.Itoa(i)
		names[a] = id
		cond = append(cond, "tt."+a+".waiting = :zero")
		vals[":zero"] = num(0)
	}
	var returned, left int64
	var items []types.TransactWriteItem
	for k, sh := range shards {
		var set, scond []string
		svals := item{":zero": num(0), ":one": num(1)}
		var back int64
		for i, id := range ids {
			a := "#s" + strconv.Itoa(i)
			c := sh.TT[id]
			if ret[id] && c.Offering > 0 {
				o := ":o" + strconv.Itoa(i)
				svals[o] = num(c.Offering)
				scond = append(scond, "tt."+a+".offering = "+o)
				set = append(set, "tt."+a+".offering = :zero", "tt."+a+".available = tt."+a+".available + "+o)
				back += c.Offering
			}
			if c.Waiting > 0 {
				set = append(set, "tt."+a+".waiting = :zero")
			}
		}
		if ev.WaitingAny == 0 && sh.WaitingAny > 0 {
			set = append(set, "waiting_any = :zero")
		}
		returned, left = returned+back, left+sh.Offering-back
		if len(set) == 0 {
			continue
		}
		if back > 0 {
			svals[":b"] = num(back)
			set = append(set, "offering = offering - :b", "available = available + :b")
			scond = append(scond, "offering >= :b")
		} else {
			scond = append(scond, "attribute_exists(pk)")
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: &w.b.table, Key: shardKey(eventID, k),
			ConditionExpression:      aws.String(strings.Join(scond, " AND ")),
			UpdateExpression:         aws.String("SET version = version + :one, " + strings.Join(set, ", ")),
			ExpressionAttributeNames: usedNames(names, append(set, scond...)), ExpressionAttributeValues: svals}})
	}
	_, listed := it["gsi3pk"]
	unlist := listed && ev.Waiting == 0 && left == 0
	if len(items) == 0 && !unlist {
		return 0, nil
	}
	update := "SET version = version + :one"
	if unlist {
		update += " REMOVE gsi3pk, gsi3sk"
	}
	eu := &types.Update{TableName: &w.b.table, Key: eventKey(eventID),
		ConditionExpression: aws.String(strings.Join(cond, " AND ")), UpdateExpression: aws.String(update), ExpressionAttributeValues: vals}
	if len(names) > 0 {
		eu.ExpressionAttributeNames = names
	}
	items = append([]types.TransactWriteItem{{Update: eu}}, items...)
	err = w.b.transact(ctx, items, aws.String(newToken()))
	if _, cancelled := cancellation(err); cancelled {
		return 0, nil // a join or a release came first: the next round settles
	}
	return returned, err
}

// usedNames are the names of a tt path ("tt.#a.") that the clauses use: DynamoDB refuses
// names an expression does not.
func usedNames(names map[string]string, clauses []string) map[string]string {
	out := map[string]string{}
	all := strings.Join(clauses, " ")
	for a, id := range names {
		if strings.Contains(all, "tt."+a+".") {
			out[a] = id
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
