package dynamo

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/idempotency"
	"github.com/bookmyevent/bookmyevent/internal/inventory"
)

// Bookings is the booking store: the reservation transaction, status changes that move
// seats, idempotency records, per-user seat counters, rate windows, check-ins and stats.
// Every call asks for ReturnConsumedCapacity TOTAL so the cost can be metered
// (internal/dynamo/dynamotest).
type Bookings struct {
	tableClient
	shardCache shardCache
}

// NewBookings returns the booking store on a client (built with dynamotest's options
// when calls are to be counted or failures injected).
func NewBookings(db *dynamodb.Client, table string) *Bookings {
	return &Bookings{tableClient: newTableClient(db, table)}
}

var _ booking.Store = (*Bookings)(nil)

func marshalAV(v any) types.AttributeValue {
	av, err := attributevalue.Marshal(v)
	if err != nil {
		panic("dynamo: marshal " + err.Error()) // only records of this package are marshalled
	}
	return av
}

// GetEvent reads the booking-relevant part of an event. Eventually consistent is enough:
// every decision it informs is re-checked by a transaction's condition.
func (s *Bookings) GetEvent(ctx context.Context, id string) (*booking.Event, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: eventKey(id), ReturnConsumedCapacity: consumedTotal})
	if err != nil {
		return nil, err
	}
	if out.Item == nil {
		return nil, fault.New(fault.NotFound, "Event not found")
	}
	return s.eventWithTypes(ctx, out.Item)
}

// Reserve items, in transaction order; cancellation reasons come back in this order.
// Four items, 2 WRU each (docs/waiting-room.md, "What a reservation writes"): the booking
// is the Idempotency-Key's record, and the user's seats item carries the rate window.
const (
	resEvent = iota
	resBooking
	resReference
	resUserSeats
	resPromo // only in an order with a promo code
)

// Reserve runs the reservation transaction (see booking.Store).
//
// The rate window counts attempts turned away (sold out, not on sale, over the per-user
// limit), by one more write after the answer, on the user's seats item: a user
// hammering a sold-out event is limited at the cost of a write only on the answers that
// sell nothing. Successful attempts need no counting: the per-user limit bounds them
// (and, while the waiting room is on, the admission token).
func (s *Bookings) Reserve(ctx context.Context, r booking.ReserveRequest) (*idempotency.Record, error) {
	rec, err := s.reserve(ctx, r)
	if fe, ok := fault.As(err); ok && (fe.Code == fault.SoldOut || fe.Code == fault.NotOnSale || fe.Code == fault.LimitExceeded) {
		s.countAttempt(ctx, r)
	}
	return rec, err
}

// rateName is the user's seats item's attribute counting turned-away attempts in the
// UTC minute window (yyyymmddhhmm).
func rateName(window string) string { return "rate_" + window }

// rateKeep is how many earlier minutes' windows a count removes, so the item stays far
// under 1 KB however long someone keeps trying.
const rateKeep = 60

// countAttempt adds a turned-away attempt to the user's window. It is best effort:
// failing to count must not turn a clear answer into an error.
func (s *Bookings) countAttempt(ctx context.Context, r booking.ReserveRequest) {
	names := map[string]string{"#w": rateName(r.Window)}
	var old []string
	if t, err := time.Parse("200601021504", r.Window); err == nil {
		for i := 1; i <= rateKeep; i++ {
			n := "#o" + strconv.Itoa(i)
			names[n] = rateName(t.Add(-time.Duration(i) * time.Minute).Format("200601021504"))
			old = append(old, n)
		}
	}
	expr := "SET event_id = :event, user_id = :user ADD #w :one, version :one"
	if len(old) > 0 {
		expr += " REMOVE " + strings.Join(old, ", ")
	}
	_, err := s.update(ctx, &dynamodb.UpdateItemInput{
		Key: userSeatsKey(r.Booking.EventID, r.Booking.UserID), UpdateExpression: aws.String(expr), ExpressionAttributeNames: names,
		ExpressionAttributeValues: item{":event": str(r.Booking.EventID), ":user": str(r.Booking.UserID), ":one": num(1)},
	})
	if err != nil {
		slog.WarnContext(ctx, "turned-away attempt not counted", "error", err)
	}
}

// rateGuard adds the rate limit to the reservation's update of the user's seats item:
// fewer than limit attempts turned away this minute.
func rateGuard(u *types.Update, r booking.ReserveRequest) {
	if u.ExpressionAttributeNames == nil {
		u.ExpressionAttributeNames = map[string]string{}
	}
	u.ExpressionAttributeNames["#w"] = rateName(r.Window)
	u.ExpressionAttributeValues[":limit"] = num(int64(r.RateLimit))
	u.ConditionExpression = aws.String("(" + *u.ConditionExpression + ") AND (attribute_not_exists(#w) OR #w < :limit)")
}

func (s *Bookings) reserve(ctx context.Context, r booking.ReserveRequest) (*idempotency.Record, error) {
	if r.Event.Shards > 1 {
		return s.reserveSharded(ctx, r)
	}
	return s.reserveOn(ctx, r, nil)
}

// shareOf is take i's seats per type when the order spans shards, nil when one item
// gives it all.
func shareOf(takes []inventory.TypedTake, i int) map[string]int64 {
	if len(takes) < 2 {
		return nil
	}
	return takes[i].Types
}

// reserveOn runs the reservation transaction, taking the seats from the event item
// (takes nil) or from the shards in takes (two for a spanning order, a typed one with
// each type's share per shard). A seat condition failed on a shard is a *shardShort for
// the caller to try another.
func (s *Bookings) reserveOn(ctx context.Context, r booking.ReserveRequest, takes []inventory.TypedTake) (*idempotency.Record, error) {
	b := r.Booking
	inv, q := eventKey(b.EventID), int64(b.Quantity)
	typed := r.Order != nil && r.Event.Typed()
	b.Shards, b.ShardTypes = nil, nil
	if len(takes) > 0 {
		inv, q = shardKey(b.EventID, takes[0].Shard), takes[0].Seats
		b.Shards = map[int]int{}
		for _, t := range takes {
			b.Shards[t.Shard] = int(t.Seats)
		}
	}
	if typed && len(takes) > 1 {
		b.ShardTypes = map[int]map[string]int{}
		for _, t := range takes {
			share := map[string]int{}
			for id, n := range t.Types {
				share[id] = int(n)
			}
			b.ShardTypes[t.Shard] = share
		}
	}
	bi, err := attributevalue.MarshalMap(toBookingRecord(b))
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{
		resEvent: {Update: s.inventoryTake(inv, q, r)},
		// The booking's id is the user's Idempotency-Key's: finding it is the replay.
		resBooking: {Put: &types.Put{TableName: &s.table, Item: bi, ConditionExpression: aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		resReference: {Put: &types.Put{TableName: &s.table,
			Item:                item{"pk": str(referencePrefix + b.Reference), "sk": str(referenceSK), "booking_id": str(b.ID)},
			ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		resUserSeats: {Update: &types.Update{
			TableName: &s.table, Key: userSeatsKey(b.EventID, b.UserID),
			ConditionExpression:                 aws.String("attribute_not_exists(tickets) OR tickets <= :room"),
			UpdateExpression:                    aws.String("SET event_id = :event, user_id = :user ADD tickets :q, version :one"),
			ExpressionAttributeValues:           item{":room": num(int64(r.UserLimit) - int64(b.Quantity)), ":event": str(b.EventID), ":user": str(b.UserID), ":q": num(int64(b.Quantity)), ":one": num(1)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
	}
	if typed {
		typedTake(items[resEvent].Update, r, shareOf(takes, 0))
		typedUser(items[resUserSeats].Update, r)
	}
	rateGuard(items[resUserSeats].Update, r)
	if r.Code != nil {
		items = append(items, types.TransactWriteItem{Update: s.promoUse(b.EventID, r.Code, r.Code.Code, 1, r.Now)})
	}
	span := -1 // the second shard's update of a spanning order
	if len(takes) > 1 {
		span = len(items)
		u := s.inventoryTake(shardKey(b.EventID, takes[1].Shard), takes[1].Seats, r)
		if typed {
			typedTake(u, r, shareOf(takes, 1))
		}
		items = append(items, types.TransactWriteItem{Update: u})
	}
	token := []string{"reserve", b.UserID, r.Key, b.ID, b.Reference}
	for _, t := range takes {
		token = append(token, strconv.Itoa(t.Shard), itoa64(t.Seats))
		if typed && len(takes) > 1 {
			for _, id := range slices.Sorted(maps.Keys(t.Types)) {
				token = append(token, id, itoa64(t.Types[id]))
			}
		}
	}
	err = s.transact(ctx, items, requestToken(token...))
	reasons, cancelled := cancellation(err)
	if !cancelled {
		return nil, err
	}
	switch {
	case reasons.failed(resBooking):
		if it := reasons.item(resBooking); it != nil {
			old, err := fromBookingItem(it)
			if err != nil {
				return nil, err
			}
			return booking.ReservationRecord(old)
		}
		return nil, busy()
	case reasons.failed(resUserSeats) && numAttr(reasons.item(resUserSeats), rateName(r.Window)) >= int64(r.RateLimit):
		return nil, fault.New(fault.RateLimited, "Too many booking attempts")
	case len(takes) > 0 && reasons.failed(resEvent) && shortOn(reasons.item(resEvent), r, takes[0]):
		return nil, &shardShort{shard: takes[0].Shard, old: reasons.item(resEvent)}
	case span > 0 && reasons.failed(span) && shortOn(reasons.item(span), r, takes[1]):
		return nil, &shardShort{shard: takes[1].Shard, old: reasons.item(span)}
	case reasons.failed(resEvent):
		return nil, s.whyNotReserved(ctx, reasons.item(resEvent), r)
	case span > 0 && reasons.failed(span):
		return nil, s.whyNotReserved(ctx, reasons.item(span), r)
	case r.Code != nil && reasons.failed(resPromo):
		return nil, whyCodeRefused(reasons.item(resPromo), r)
	case reasons.failed(resUserSeats):
		owned := numAttr(reasons.item(resUserSeats), "tickets")
		return nil, fault.New(fault.LimitExceeded, "You may hold or own at most %d seats for this event", r.UserLimit).
			With("limit", r.UserLimit).With("held_or_owned", owned)
	case reasons.failed(resReference):
		return nil, booking.ErrReferenceTaken
	}
	return nil, err
}

// inventoryTake is the update that takes q seats from an inventory item (the event item
// or a shard): starts_at is compared as the catalogue stores it (RFC 3339, seconds); while
// anyone waits, every free seat goes through the waitlist (no queue jumping).
func (s *Bookings) inventoryTake(k item, q int64, r booking.ReserveRequest) *types.Update {
	return &types.Update{
		TableName: &s.table, Key: k,
		ConditionExpression: aws.String("#status = :published AND starts_at > :now AND available >= :q" +
			" AND price_amount = :price AND price_currency = :currency AND max_tickets_per_booking = :max" +
			" AND (attribute_not_exists(waiting) OR waiting = :zero) AND attribute_not_exists(tt)"),
		UpdateExpression:         aws.String("SET available = available - :q, held = if_not_exists(held, :zero) + :q, version = version + :one"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: item{
			":published": str(booking.Published), ":now": str(formatTime(r.Now)), ":q": num(q),
			":price": num(r.Event.Price.Amount), ":currency": str(r.Event.Price.Currency), ":max": num(int64(r.Event.MaxPerBooking)),
			":zero": num(0), ":one": num(1),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}

// whyNotReserved tells sold_out, not_on_sale, not_found and a stale cached event apart
// from the event as it was when the transaction failed, without another read.
func (s *Bookings) whyNotReserved(ctx context.Context, old item, r booking.ReserveRequest) error {
	if old == nil {
		return fault.New(fault.NotFound, "Event not found")
	}
	if r.Order != nil && r.Event.Typed() {
		return s.whyTypedNotReserved(ctx, old, r)
	}
	ev, tt, err := decodeBookingEvent(old)
	if err != nil {
		return err
	}
	switch {
	case len(tt) > 0:
		// Its types were stored since the cached read: price the order against them.
		fresh, err := s.eventWithTypes(ctx, old)
		if err != nil {
			return err
		}
		return &booking.StaleEventError{Event: fresh}
	case !ev.OnSale(r.Now):
		return fault.New(fault.NotOnSale, "This event is not on sale")
	case ev.Price != r.Event.Price || ev.MaxPerBooking != r.Event.MaxPerBooking:
		return &booking.StaleEventError{Event: ev}
	case ev.Available < int64(r.Booking.Quantity):
		return fault.New(fault.SoldOut, "Not enough seats available").With("available", ev.Available)
	case ev.Waiting > 0:
		return fault.New(fault.SoldOut, "Freed seats go to the waitlist first").With("available", 0)
	}
	// Only the start-time comparison at second precision can get here.
	return fault.New(fault.NotOnSale, "This event is not on sale")
}

// GetBooking reads a booking consistently.
func (s *Bookings) GetBooking(ctx context.Context, id string) (*booking.Booking, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: bookingKey(id), ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: consumedTotal})
	if err != nil {
		return nil, err
	}
	if out.Item == nil {
		return nil, fault.New(fault.NotFound, "Booking not found")
	}
	return fromBookingItem(out.Item)
}

// ClaimConfirm marks the booking as being confirmed under a key; one UpdateItem that also
// returns the booking, so a confirmation needs no separate read.
func (s *Bookings) ClaimConfirm(ctx context.Context, r booking.ClaimRequest) (*booking.Booking, error) {
	out, err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: bookingKey(r.BookingID),
		ConditionExpression: aws.String("user_id = :user AND (#status = :held OR #status = :expired)" +
			" AND attribute_not_exists(confirm_answers.#key)" +
			" AND (attribute_not_exists(confirm_claim_until) OR confirm_claim_until < :now)"),
		UpdateExpression:         aws.String("SET confirm_claim = :key, confirm_claim_hash = :hash, confirm_claim_until = :until, updated_at = :now, version = version + :one"),
		ExpressionAttributeNames: map[string]string{"#status": "status", "#key": r.Key},
		ExpressionAttributeValues: item{
			":user": str(r.UserID), ":held": str(string(booking.Held)), ":expired": str(string(booking.Expired)),
			":now": str(fmtBookingTime(r.Now)), ":key": str(r.Key), ":hash": str(r.Hash), ":until": str(fmtBookingTime(r.Until)), ":one": num(1),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, failed := conditionFailed(err); failed {
		if len(ccf.Item) == 0 {
			return nil, booking.ErrNotClaimed
		}
		b, err := fromBookingItem(ccf.Item)
		if err != nil {
			return nil, err
		}
		return b, booking.ErrNotClaimed
	}
	if err != nil {
		return nil, err
	}
	return fromBookingItem(out.Attributes)
}

// seatUpdate is the event update that applies a move, guarded so no counter goes
// negative even if a booking and its event were ever out of step.
func (s *Bookings) seatUpdate(inv item, m booking.Move) *types.Update {
	var set, guard []string
	vals := item{":one": num(1), ":zero": num(0)}
	for _, c := range []struct {
		name  string
		delta int64
	}{{"available", m.Available}, {"held", m.Held}, {"sold", m.Sold}} {
		switch {
		case c.delta > 0:
			set = append(set, c.name+" = if_not_exists("+c.name+", :zero) + :"+c.name)
			vals[":"+c.name] = num(c.delta)
		case c.delta < 0:
			set = append(set, c.name+" = "+c.name+" - :"+c.name)
			guard = append(guard, c.name+" >= :"+c.name)
			vals[":"+c.name] = num(-c.delta)
		}
	}
	set = append(set, "version = version + :one")
	u := &types.Update{TableName: &s.table, Key: inv,
		UpdateExpression: aws.String("SET " + strings.Join(set, ", ")), ExpressionAttributeValues: vals}
	if len(guard) > 0 {
		u.ConditionExpression = aws.String(strings.Join(guard, " AND "))
	}
	return u
}

// userSeatsUpdate adds delta seats to the user's counter for the event.
func (s *Bookings) userSeatsUpdate(b *booking.Booking, delta int64) *types.Update {
	return &types.Update{TableName: &s.table, Key: userSeatsKey(b.EventID, b.UserID),
		UpdateExpression:          aws.String("ADD tickets :delta, version :one"),
		ExpressionAttributeValues: item{":delta": num(delta), ":one": num(1)}}
}

// revenueUpdate adds rv (negative for refunds) to the event's revenue and its types' on
// the stats item: the revenue of an event whose seats are not in shards.
func (s *Bookings) revenueUpdate(eventID, currency string, rv revenueMove) *types.Update {
	u := &types.Update{TableName: &s.table, Key: statsKey(eventID),
		UpdateExpression:          aws.String("SET event_id = :event, currency = :currency ADD revenue :amount, version :one"),
		ExpressionAttributeNames:  map[string]string{},
		ExpressionAttributeValues: item{":event": str(eventID), ":currency": str(currency), ":amount": num(rv.total), ":one": num(1)}}
	for i, id := range rv.typeIDs() {
		n, v := "#rt"+strconv.Itoa(i), ":rt"+strconv.Itoa(i)
		u.ExpressionAttributeNames[n], u.ExpressionAttributeValues[v] = "revenue#"+id, num(rv.types[id])
		*u.UpdateExpression += ", " + n + " " + v
	}
	return u
}

// Confirm moves a claimed booking to confirmed and its seats to sold in one transaction.
func (s *Bookings) Confirm(ctx context.Context, b *booking.Booking, p booking.Payment, key string, a booking.StoredAnswer, now time.Time) error {
	parts, err := inventoryParts(b, booking.Confirmed)
	if err != nil {
		return err
	}
	rev := confirmedRevenue(b)
	onShards := len(b.Shards) > 0
	if onShards {
		// A sharded event's revenue rides on the shard update that sells the seats: the
		// stats item would be one hot key for the whole on-sale.
		parts[0].rev = &rev
	}
	seats := s.partUpdate(parts[0])
	ts := fmtBookingTime(now)
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: bookingKey(b.ID),
			ConditionExpression: aws.String("version = :version AND #status = :from AND confirm_claim = :key"),
			UpdateExpression: aws.String("SET #status = :confirmed, payment = :payment, confirmed_at = :now, updated_at = :now," +
				" confirm_answers.#key = :answer, version = version + :one REMOVE confirm_claim, confirm_claim_hash, confirm_claim_until, gsi3pk, gsi3sk"),
			ExpressionAttributeNames: map[string]string{"#status": "status", "#key": key},
			ExpressionAttributeValues: item{":version": num(b.Version), ":from": str(string(b.Status)), ":key": str(key),
				":confirmed": str(string(booking.Confirmed)), ":payment": marshalAV(toPaymentRecord(&p)), ":now": str(ts),
				":answer": marshalAV(answerRecord(a)), ":one": num(1)},
		}},
		{Update: seats},
	}
	if !onShards {
		items = append(items, types.TransactWriteItem{Update: s.revenueUpdate(b.EventID, b.Total.Currency, rev)})
	}
	promoAt := -1
	if b.Status == booking.Expired {
		// Expiry gave the seats back to the user's limit; a late confirm takes them again,
		// and the promo use expiry gave back.
		user := s.userSeatsUpdate(b, int64(b.Quantity))
		userTypeSeats(user, b.Lines, 1)
		items = append(items, types.TransactWriteItem{Update: user})
		if b.PromoCode != "" {
			promoAt = len(items)
			items = append(items, types.TransactWriteItem{Update: s.promoUse(b.EventID, nil, b.PromoCode, 1, now)})
		}
	}
	items = append(items, s.offerSettled(b, booking.Confirmed, now)...)
	spans := len(items)
	for _, p := range parts[1:] {
		items = append(items, types.TransactWriteItem{Update: s.partUpdate(p)})
	}
	err = s.transact(ctx, items, requestToken("confirm", b.ID, key, itoa64(b.Version)))
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return err
	case reasons.failed(0):
		return booking.ErrChanged
	case reasons.failed(1), promoAt >= 0 && reasons.failed(promoAt):
		return booking.ErrSeatsGone
	}
	for i := spans; i < len(items); i++ {
		if reasons.failed(i) {
			return booking.ErrSeatsGone
		}
	}
	return err
}

// SettleClaim ends a claim that did not confirm.
func (s *Bookings) SettleClaim(ctx context.Context, b *booking.Booking, p *booking.Payment, r *booking.Refund, key string, a *booking.StoredAnswer, now time.Time) error {
	set := []string{"updated_at = :now", "version = version + :one"}
	names := map[string]string{}
	vals := item{":now": str(fmtBookingTime(now)), ":one": num(1), ":version": num(b.Version), ":key": str(key)}
	if p != nil {
		set, vals[":payment"] = append(set, "payment = :payment"), marshalAV(toPaymentRecord(p))
	}
	if r != nil {
		set, vals[":refund"] = append(set, "refund = :refund"), marshalAV(toRefundRecord(r))
	}
	if a != nil {
		set, vals[":answer"], names["#key"] = append(set, "confirm_answers.#key = :answer"), marshalAV(answerRecord(*a)), key
	}
	in := &dynamodb.UpdateItemInput{TableName: &s.table, Key: bookingKey(b.ID),
		ConditionExpression:       aws.String("version = :version AND confirm_claim = :key"),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ") + " REMOVE confirm_claim, confirm_claim_hash, confirm_claim_until"),
		ExpressionAttributeValues: vals}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	_, err := s.update(ctx, in)
	if _, failed := conditionFailed(err); failed {
		return booking.ErrChanged
	}
	return err
}

// Release returns a held or confirmed booking's seats in one transaction with its status.
func (s *Bookings) Release(ctx context.Context, b *booking.Booking, to booking.Status, refund *booking.Refund, now time.Time) (booking.Released, error) {
	parts, err := inventoryParts(b, to)
	if err != nil {
		return booking.Released{}, err
	}
	ts := fmtBookingTime(now)
	set := []string{"#status = :to", "updated_at = :now", "version = version + :one"}
	vals := item{":to": str(string(to)), ":now": str(ts), ":one": num(1), ":version": num(b.Version), ":from": str(string(b.Status))}
	if to == booking.Cancelled {
		set = append(set, "cancelled_at = :now")
	}
	if refund != nil {
		set, vals[":refund"] = append(set, "refund = :refund"), marshalAV(toRefundRecord(refund))
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: bookingKey(b.ID),
			ConditionExpression: aws.String("version = :version AND #status = :from"),
			// A confirm still running loses its claim: its transaction will fail on the
			// version and it refunds what it charged.
			UpdateExpression:          aws.String("SET " + strings.Join(set, ", ") + " REMOVE confirm_claim, confirm_claim_hash, confirm_claim_until, gsi3pk, gsi3sk"),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: vals,
		}},
		{Update: s.seatUpdate(parts[0].key, parts[0].move)},
		{Update: s.userSeatsUpdate(b, -int64(b.Quantity))},
	}
	userTypeSeats(items[2].Update, b.Lines, -1)
	if b.PromoCode != "" && b.Status == booking.Held {
		// A hold that ends unpaid gives its code's use back, once: the booking's own
		// condition in this transaction makes it happen once.
		items = append(items, types.TransactWriteItem{Update: s.promoUse(b.EventID, nil, b.PromoCode, -1, now)})
	}
	if refund != nil && refund.Amount.Amount > 0 {
		rev := refundedRevenue(refund)
		if len(b.Shards) > 0 {
			parts[0].rev = &rev // on the shard its confirmation added it to, or a sibling: stats sum them
		} else {
			items = append(items, types.TransactWriteItem{Update: s.revenueUpdate(b.EventID, refund.Amount.Currency, rev)})
		}
	}
	items = append(items, s.offerSettled(b, to, now)...)
	toWaitlist, err := s.transactRelease(ctx, items, 1, parts, "release", b.ID, string(to), itoa64(b.Version))
	if reasons, cancelled := cancellation(err); cancelled {
		if reasons.failed(0) {
			return booking.Released{}, booking.ErrChanged
		}
		return booking.Released{}, err
	}
	if err != nil {
		return booking.Released{}, err
	}
	out := *b
	out.Status, out.UpdatedAt, out.Version, out.Refund = to, now.UTC(), b.Version+1, refund
	out.ConfirmClaim, out.ConfirmClaimHash, out.ConfirmClaimUntil = "", "", time.Time{}
	if to == booking.Cancelled {
		out.CancelledAt = now.UTC()
	}
	return booking.Released{Booking: &out, ToWaitlist: toWaitlist}, nil
}

// RecordRefund marks the booking's refund as paid.
func (s *Bookings) RecordRefund(ctx context.Context, b *booking.Booking, refundID string, now time.Time) (*booking.Booking, error) {
	out, err := s.update(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: bookingKey(b.ID),
		ConditionExpression:       aws.String("attribute_exists(refund)"),
		UpdateExpression:          aws.String("SET refund.refund_id = :id, refund.#status = :succeeded, updated_at = :now, version = version + :one"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: item{":id": str(refundID), ":succeeded": str("succeeded"), ":now": str(fmtBookingTime(now)), ":one": num(1)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return nil, err
	}
	return fromBookingItem(out.Attributes)
}

// ListUserBookings lists a user's bookings newest first.
func (s *Bookings) ListUserBookings(ctx context.Context, userID string, f booking.ListFilter) (booking.Page, error) {
	in := &dynamodb.QueryInput{IndexName: aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :pk AND begins_with(gsi1sk, :prefix)"),
		ExpressionAttributeValues: item{":pk": str(userPrefix + userID), ":prefix": str(bookingPrefix)},
		ScanIndexForward:          aws.Bool(false), ReturnConsumedCapacity: consumedTotal}
	return s.page(ctx, in, f, gsi1Cursor, func(m map[string]string) bool { return m["gsi1pk"] == userPrefix+userID })
}

// ListEventBookings lists an event's bookings newest first.
func (s *Bookings) ListEventBookings(ctx context.Context, eventID string, f booking.ListFilter) (booking.Page, error) {
	in := &dynamodb.QueryInput{IndexName: aws.String("gsi2"),
		KeyConditionExpression:    aws.String("gsi2pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(eventBookingsPartition(eventID))},
		ScanIndexForward:          aws.Bool(false), ReturnConsumedCapacity: consumedTotal}
	return s.page(ctx, in, f, gsi2Cursor, func(m map[string]string) bool { return m["gsi2pk"] == eventBookingsPartition(eventID) })
}

func (s *Bookings) page(ctx context.Context, in *dynamodb.QueryInput, f booking.ListFilter, names []string, valid func(map[string]string) bool) (booking.Page, error) {
	if f.Status != "" {
		in.FilterExpression = aws.String("#status = :status")
		in.ExpressionAttributeNames = map[string]string{"#status": "status"}
		in.ExpressionAttributeValues[":status"] = str(string(f.Status))
	}
	items, next, err := s.query(ctx, in, max(f.Limit, 1), f.Cursor, names, valid)
	if err != nil {
		return booking.Page{}, err
	}
	p := booking.Page{NextCursor: next, Items: make([]booking.Booking, 0, len(items))}
	for _, it := range items {
		b, err := fromBookingItem(it)
		if err != nil {
			return booking.Page{}, err
		}
		p.Items = append(p.Items, *b)
	}
	return p, nil
}

// CheckIn records a ticket's first scan, with the check-in count, in one transaction.
func (s *Bookings) CheckIn(ctx context.Context, eventID, bookingID string, seat int, typeID string, now time.Time) error {
	ticketID := bookingID + "-" + itoa64(int64(seat))
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, ConditionExpression: aws.String("attribute_not_exists(pk)"),
			Item: item{"pk": str(checkinPrefix + ticketID), "sk": str(checkinSK), "event_id": str(eventID),
				"booking_id": str(bookingID), "seat": num(int64(seat)), "checked_in_at": str(fmtBookingTime(now))}}},
		{ConditionCheck: &types.ConditionCheck{TableName: &s.table, Key: bookingKey(bookingID),
			ConditionExpression:       aws.String("#status = :confirmed AND event_id = :event AND quantity >= :seat"),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: item{":confirmed": str(string(booking.Confirmed)), ":event": str(eventID), ":seat": num(int64(seat))}}},
		{Update: &types.Update{TableName: &s.table, Key: statsKey(eventID),
			UpdateExpression:          aws.String("SET event_id = :event ADD checked_in :one, #typed :one, version :one"),
			ExpressionAttributeNames:  map[string]string{"#typed": "checked_in#" + typeID},
			ExpressionAttributeValues: item{":event": str(eventID), ":one": num(1)}}},
	}
	err := s.transact(ctx, items, requestToken("checkin", ticketID, fmtBookingTime(now)))
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return err
	case reasons.failed(0):
		return fault.New(fault.AlreadyCheckedIn, "This ticket was already checked in")
	case reasons.failed(1):
		return fault.New(fault.NotFound, "Not a valid ticket for this event")
	}
	return err
}

// Stats reads an event's counters and its stats item in one call.
func (s *Bookings) Stats(ctx context.Context, eventID string) (booking.Stats, error) {
	out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
		RequestItems:           map[string]types.KeysAndAttributes{s.table: {Keys: []item{eventKey(eventID), statsKey(eventID)}, ConsistentRead: aws.Bool(true)}},
		ReturnConsumedCapacity: consumedTotal,
	})
	if err != nil {
		return booking.Stats{}, err
	}
	var ev, st item
	for _, it := range out.Responses[s.table] {
		if sk, _ := it["sk"].(*types.AttributeValueMemberS); sk != nil && sk.Value == statsSK {
			st = it
		} else {
			ev = it
		}
	}
	if ev == nil {
		if len(out.UnprocessedKeys) > 0 {
			return booking.Stats{}, fault.New(fault.Unavailable, "Stats are busy; try again")
		}
		return booking.Stats{}, fault.New(fault.NotFound, "Event not found")
	}
	e, err := s.eventWithTypes(ctx, ev)
	if err != nil {
		return booking.Stats{}, err
	}
	// A sharded event's revenue is on its shards, plus what the stats item took before
	// it was (check-ins stay there).
	var t shardTotals
	if e.Shards > 1 {
		shards, err := s.readShards(ctx, eventID, e.Shards, true)
		if err != nil {
			return booking.Stats{}, err
		}
		t = sumShards(shards)
		withShardCounters(e, t)
	}
	stats := booking.Stats{EventID: eventID, Capacity: e.Capacity, Available: e.Available, Held: e.Held, Sold: e.Sold,
		Offering:  e.Offering,
		Revenue:   booking.Money{Amount: numAttr(st, "revenue") + t.Revenue, Currency: e.Price.Currency},
		CheckedIn: numAttr(st, "checked_in")}
	stats.TicketTypes = typeStats(e, st, t.TypeRevenue)
	return stats, nil
}
