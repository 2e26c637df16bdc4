package dynamo

import (
	"context"
	"strconv"
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
		u := s.seatUpdate(parts[0].key, m)
		addTypeMoves(u, tm, false)
		items[at] = types.TransactWriteItem{Update: u}
		for _, p := range parts[1:] {
			items = append(items, types.TransactWriteItem{Update: s.seatUpdate(p.key, p.move)})
		}
		return false, s.transact(ctx, items, requestToken(token...))
	}
	base := len(items)
	for range 3 {
		u := s.releaseUpdate(parts[0].key, m, toWaitlist)
		addTypeMoves(u, tm, toWaitlist)
		items[at] = types.TransactWriteItem{Update: u}
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
