package dynamo

import (
	"context"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// releaseUpdate is the event update of a release (a move that gives seats back). When
// toWaitlist, the seats go to offering, conditioned on someone waiting, and the event
// enters the OFFERING partition of gsi3 (keeping the time it first did); otherwise they go
// to available, conditioned on nobody waiting. The condition makes the choice atomic with
// the count of waiting entries.
func (s *Bookings) releaseUpdate(inv item, m booking.Move, toWaitlist bool) *types.Update {
	freed := m.Available
	if toWaitlist {
		m.Available = 0
	}
	u := s.seatUpdate(inv, m)
	cond := "(attribute_not_exists(waiting) OR waiting = :zero)"
	if toWaitlist {
		cond = "waiting > :zero"
		*u.UpdateExpression += ", offering = if_not_exists(offering, :zero) + :freed"
		u.ExpressionAttributeValues[":freed"] = num(freed)
		if !isShardKey(inv) {
			// A sharded event is listed under OFFERING on its event item, by the join.
			*u.UpdateExpression += ", gsi3pk = :offeringpk, gsi3sk = if_not_exists(gsi3sk, :since)"
			u.ExpressionAttributeValues[":offeringpk"] = str(offeringGSI3PK)
			u.ExpressionAttributeValues[":since"] = str(fmtBookingTime(time.Now()))
		}
	}
	if u.ConditionExpression != nil {
		cond = *u.ConditionExpression + " AND " + cond
	}
	u.ConditionExpression = aws.String(cond)
	return u
}

// transactRelease runs a release transaction whose inventory update is items[at], for
// parts[0]; the other parts (the second shard of a spanning order) are appended and
// follow the same branch. Most releases find nobody waiting, so that branch is tried
// first; a failed inventory condition tries the other branch (bounded: waiting may
// change between tries). toWaitlist says the committed release gave the seats to the
// waitlist, whose worker the caller wakes.
func (s *Bookings) transactRelease(ctx context.Context, items []types.TransactWriteItem, at int, parts []inventoryPart, token ...string) (toWaitlist bool, err error) {
	m, tm := parts[0].move, parts[0].types
	if m.Available <= 0 {
		items[at] = types.TransactWriteItem{Update: s.partUpdate(parts[0])}
		for _, p := range parts[1:] {
			items = append(items, types.TransactWriteItem{Update: s.partUpdate(p)})
		}
		return false, s.transact(ctx, items, requestToken(token...))
	}
	if len(tm) > 0 {
		return s.transactTypedRelease(ctx, items, at, parts, token...)
	}
	base := len(items)
	for range 3 {
		u := s.releaseUpdate(parts[0].key, m, toWaitlist)
		addTypeMoves(u, tm, toWaitlist)
		items[at] = types.TransactWriteItem{Update: parts[0].withRevenue(u)}
		items = items[:base]
		for _, p := range parts[1:] {
			items = append(items, types.TransactWriteItem{Update: s.releaseUpdate(p.key, p.move, toWaitlist)})
		}
		err = s.transact(ctx, items, requestToken(append(token, strconv.FormatBool(toWaitlist))...))
		if reasons, cancelled := cancellation(err); cancelled && !reasons.failed(0) && (reasons.failed(at) || failedFrom(reasons, base, len(items))) {
			toWaitlist = !toWaitlist
			continue
		}
		return toWaitlist && err == nil, err
	}
	return false, err
}

// failedFrom reports whether any of items from..to-1 failed its condition.
func failedFrom(r reasons, from, to int) bool {
	for i := from; i < to; i++ {
		if r.failed(i) {
			return true
		}
	}
	return false
}

// transactTypedRelease is transactRelease of a booking with lines: each type's freed
// seats go to offering when someone waits for the type or for any type, else back to
// available. The first try assumes nobody waits for any of the booking's types (the
// common case); a failed inventory condition shows the item as it was (ALL_OLD), and the
// next try conditions each type on what it saw. The parts after the first (a typed order
// spanning two shards, or a waitlist offer taken from several) follow the same choice per
// type: a join flags, and the worker's settle clears, every shard in one transaction, so
// the shards agree on who waits.
func (s *Bookings) transactTypedRelease(ctx context.Context, items []types.TransactWriteItem, at int, parts []inventoryPart, token ...string) (toWaitlist bool, err error) {
	line := map[string]bool{} // type -> its freed seats go to the line
	for _, p := range parts {
		for id := range p.types {
			line[id] = false
		}
	}
	base := len(items)
	for range 3 {
		items[at] = types.TransactWriteItem{Update: parts[0].withRevenue(s.typedReleaseUpdate(parts[0].key, parts[0].move, parts[0].types, line))}
		items = items[:base]
		for _, p := range parts[1:] {
			items = append(items, types.TransactWriteItem{Update: s.typedReleaseUpdate(p.key, p.move, p.types, line)})
		}
		tried := make([]string, 0, len(line))
		for id, v := range line {
			if v {
				tried = append(tried, id)
			}
		}
		sort.Strings(tried)
		err = s.transact(ctx, items, requestToken(append(token, strings.Join(tried, ","))...))
		reasons, cancelled := cancellation(err)
		if !cancelled || reasons.failed(0) {
			return err == nil && len(tried) > 0, err
		}
		failed := -1
		for i := len(items) - 1; i >= base; i-- {
			if reasons.failed(i) {
				failed = i
			}
		}
		if reasons.failed(at) {
			failed = at
		}
		if failed < 0 {
			return false, err
		}
		old := reasons.item(failed)
		if old == nil {
			return false, err
		}
		ev, tt, derr := decodeBookingEvent(old)
		if derr != nil {
			return false, err
		}
		next := map[string]bool{}
		for id := range line {
			next[id] = tt[id].Waiting > 0 || ev.WaitingAny > 0
		}
		if maps.Equal(next, line) {
			return false, err // not the waiting counts: a guard on the seats failed
		}
		line = next
	}
	return false, err
}

// typedReleaseUpdate is the inventory update of a typed release: the event's (or
// shard's) move with the freed seats of the types in line (true) in offering, and each
// type's move, the event listed under OFFERING in gsi3 when any seat goes to the line (a
// sharded event is listed by the join, on its event item). Each type is conditioned on
// the waiting counts (a shard's flags) that decided where its seats go.
func (s *Bookings) typedReleaseUpdate(inv item, m booking.Move, tm map[string]booking.Move, line map[string]bool) *types.Update {
	var freed int64
	ids := make([]string, 0, len(tm))
	for id := range tm {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if line[id] {
			freed += tm[id].Available
		}
	}
	em := m
	em.Available -= freed
	u := s.seatUpdate(inv, em)
	u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	cond := []string{}
	if u.ConditionExpression != nil {
		cond = append(cond, *u.ConditionExpression)
	}
	if freed > 0 {
		*u.UpdateExpression += ", offering = if_not_exists(offering, :zero) + :freed"
		u.ExpressionAttributeValues[":freed"] = num(freed)
		if !isShardKey(inv) {
			*u.UpdateExpression += ", gsi3pk = :offeringpk, gsi3sk = if_not_exists(gsi3sk, :since)"
			u.ExpressionAttributeValues[":offeringpk"] = str(offeringGSI3PK)
			u.ExpressionAttributeValues[":since"] = str(fmtBookingTime(time.Now()))
		}
	}
	toLine, toPublic := map[string]booking.Move{}, map[string]booking.Move{}
	u.ExpressionAttributeNames = map[string]string{}
	for i, id := range ids {
		n := "#rw" + strconv.Itoa(i)
		u.ExpressionAttributeNames[n] = id
		if line[id] {
			toLine[id] = tm[id]
			cond = append(cond, "(tt."+n+".waiting > :zero OR waiting_any > :zero)")
		} else {
			toPublic[id] = tm[id]
			cond = append(cond, "tt."+n+".waiting = :zero")
		}
	}
	if len(toPublic) > 0 {
		cond = append(cond, "(attribute_not_exists(waiting_any) OR waiting_any = :zero)")
	}
	u.ConditionExpression = aws.String(strings.Join(cond, " AND "))
	addTypeMovesAt(u, toPublic, false, "#tm")
	addTypeMovesAt(u, toLine, true, "#tl")
	return u
}

// offerSettled are the extra writes when an offer (a hold made for a waitlist entry)
// leaves held: its entry becomes fulfilled (confirmed), offer_expired (expired) or left
// (the user declined by cancelling). The booking's own condition in the same transaction
// already guarantees this happens once.
func (s *Bookings) offerSettled(b *booking.Booking, to booking.Status, now time.Time) []types.TransactWriteItem {
	if b.WaitlistEntry == "" || b.Status != booking.Held {
		return nil
	}
	status := waitlist.Left
	switch to {
	case booking.Confirmed:
		status = waitlist.Fulfilled
	case booking.Expired:
		status = waitlist.OfferExpired
	}
	return []types.TransactWriteItem{{Update: &types.Update{TableName: &s.table, Key: entryKey(b.EventID, b.WaitlistEntry),
		UpdateExpression:          aws.String("SET #status = :status, updated_at = :now, version = version + :one"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: item{":status": str(string(status)), ":now": str(fmtBookingTime(now)), ":one": num(1)},
	}}}
}
