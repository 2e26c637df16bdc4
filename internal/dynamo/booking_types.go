package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/promo"
)

// The booking side reads ticket types and promo codes as docs/ticket-types.md defines
// them (the catalogue writes them): the counters in the event item's tt map, the
// definitions in EVENT#<e>/TYPE#<id> items, codes in EVENT#<e>#PROMO/<CODE>.
// readTypeDefs reads an event's type definitions: one Query of the event's partition,
// eventually consistent (the reservation's condition repeats each type's rev).
func (s *Bookings) readTypeDefs(ctx context.Context, eventID string) (map[string]typeRecord, error) {
	out := map[string]typeRecord{}
	in := &dynamodb.QueryInput{TableName: &s.table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: item{":pk": str(eventPrefix + eventID), ":prefix": str(typePrefix)},
		ReturnConsumedCapacity:    consumedTotal}
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			var r typeRecord
			if err := attributevalue.UnmarshalMap(it, &r); err != nil {
				return nil, fmt.Errorf("ticket type item: %w", err)
			}
			out[r.ID] = r
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// joinBookingTypes gives ev its types: the tt map's counters with the definitions' settings. A
// counter entry without its definition (a type being created or deleted right now) is
// left out: nothing can be sold of it until both are there.
func joinBookingTypes(ev *booking.Event, tt map[string]typeCountsRecord, defs map[string]typeRecord) {
	ev.Types = make([]catalog.TicketType, 0, len(tt))
	for id, c := range tt {
		d, ok := defs[id]
		if !ok {
			continue
		}
		ev.Types = append(ev.Types, catalog.TicketType{ID: id, EventID: ev.ID, Name: d.Name,
			Price: catalog.Money{Amount: d.PriceAmount, Currency: d.PriceCurrency}, MaxPerOrder: d.MaxPerOrder,
			SaleStartsAt: optionalParsed(d.SaleStartsAt), SaleEndsAt: optionalParsed(d.SaleEndsAt),
			Hidden: d.Hidden, Status: catalog.TypeStatus(d.Status), SortOrder: d.SortOrder, Version: c.Rev,
			Counters: c.counters()})
	}
	catalog.SortTypes(ev.Types)
}

// eventWithTypes decodes an event item and, when it stores types, reads their
// definitions.
func (s *Bookings) eventWithTypes(ctx context.Context, it item) (*booking.Event, error) {
	ev, tt, err := decodeBookingEvent(it)
	if err != nil || len(tt) == 0 {
		return ev, err
	}
	defs, err := s.readTypeDefs(ctx, ev.ID)
	if err != nil {
		return nil, err
	}
	joinBookingTypes(ev, tt, defs)
	return ev, nil
}

// GetPromoCode reads an event's promo code (booking.PromoCodes), eventually consistent:
// the transaction repeats its rev and counts the use atomically.
func (s *Bookings) GetPromoCode(ctx context.Context, eventID, code string) (*promo.Code, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: promoKey(eventID, code), ReturnConsumedCapacity: consumedTotal})
	if err != nil {
		return nil, err
	}
	if out.Item == nil {
		return nil, nil
	}
	c, deleted, err := decodeBookingPromo(out.Item)
	if err != nil || deleted {
		return nil, err
	}
	return c, nil
}

// decodeBookingPromo is a code item as the reservation sees it, and whether it was deleted.
func decodeBookingPromo(it item) (*promo.Code, bool, error) {
	c, _, err := fromPromoItem(it)
	if err != nil {
		return nil, false, err
	}
	return &c, c.DeletedAt != nil, nil
}

// orderTypes are the order's types in a fixed order with their aliases (#t0, :q0, ...),
// so the expressions of one order always read the same.
type orderType struct {
	id    string
	alias string
	qty   int64
	rev   int64
	limit int64 // max_per_order
}

func orderTypes(r booking.ReserveRequest) []orderType {
	seats := r.Order.Seats()
	ids := make([]string, 0, len(seats))
	for id := range seats {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]orderType, len(ids))
	for i, id := range ids {
		t, _ := r.Event.Type(id)
		out[i] = orderType{id: id, alias: strconv.Itoa(i), qty: int64(seats[id]), rev: t.Version, limit: t.MaxPerOrder}
	}
	return out
}

// typedTake turns the legacy inventory update of a reservation (on the event item or a
// shard) into the one of an order on an event with stored types: every ordered type's
// seats and cached rev join the item's condition (all held or none). share is each
// type's seats on this item when the order spans two shards (a type it takes none of
// here is still checked for its rev), nil when the item gives the whole order.
func typedTake(ev *types.Update, r booking.ReserveRequest, share map[string]int64) {
	cond := []string{"#status = :published AND starts_at > :now AND available >= :q" +
		" AND price_currency = :currency AND max_tickets_per_booking = :max" +
		" AND (attribute_not_exists(waiting_any) OR waiting_any = :zero)"}
	set := []string{*ev.UpdateExpression}
	delete(ev.ExpressionAttributeValues, ":price")
	for _, t := range orderTypes(r) {
		tn, q, rev := "#t"+t.alias, ":q"+t.alias, ":rev"+t.alias
		qty := t.qty
		if share != nil {
			qty = share[t.id]
		}
		ev.ExpressionAttributeNames[tn] = t.id
		ev.ExpressionAttributeValues[q], ev.ExpressionAttributeValues[rev] = num(qty), num(t.rev)
		cond = append(cond, "tt."+tn+".available >= "+q, "tt."+tn+".waiting = :zero", "tt."+tn+".rev = "+rev)
		set = append(set, "tt."+tn+".available = tt."+tn+".available - "+q, "tt."+tn+".held = tt."+tn+".held + "+q)
	}
	ev.ConditionExpression = aws.String(strings.Join(cond, " AND "))
	ev.UpdateExpression = aws.String(strings.Join(set, ", "))
}

// typedUser counts a typed order's seats per type on the reservation's user seats
// update too, each type within its max_per_order.
func typedUser(user *types.Update, r booking.ReserveRequest) {
	userCond := []string{"(attribute_not_exists(tickets) OR tickets <= :room)"}
	userAdd := []string{"tickets :q", "version :one"}
	if user.ExpressionAttributeNames == nil {
		user.ExpressionAttributeNames = map[string]string{}
	}
	for _, t := range orderTypes(r) {
		un, q, room := "#u"+t.alias, ":q"+t.alias, ":room"+t.alias
		user.ExpressionAttributeNames[un] = "tickets#" + t.id
		user.ExpressionAttributeValues[q], user.ExpressionAttributeValues[room] = num(t.qty), num(t.limit-t.qty)
		userCond = append(userCond, "(attribute_not_exists("+un+") OR "+un+" <= "+room+")")
		userAdd = append(userAdd, un+" "+q)
	}
	user.ConditionExpression = aws.String(strings.Join(userCond, " AND "))
	user.UpdateExpression = aws.String("SET event_id = :event, user_id = :user ADD " + strings.Join(userAdd, ", "))
}

// promoUse counts (delta 1) or gives back (delta -1) one use of the booking's code. A use
// is counted only while the code is as cached, not deleted, in its window and not used
// up; a give-back only needs the item (deletion is soft, so it is always there).
func (s *Bookings) promoUse(eventID string, c *promo.Code, code string, delta int64, now time.Time) *types.Update {
	u := &types.Update{TableName: &s.table, Key: promoKey(eventID, code),
		UpdateExpression:          aws.String("ADD uses :delta, version :one"),
		ExpressionAttributeValues: item{":delta": num(delta), ":one": num(1)},
	}
	if delta < 0 {
		u.ConditionExpression = aws.String("attribute_exists(pk)")
		return u
	}
	u.ConditionExpression = aws.String("attribute_not_exists(deleted_at) AND (max_uses = :zero OR uses < max_uses)" +
		" AND (attribute_not_exists(valid_from) OR valid_from <= :now) AND (attribute_not_exists(valid_until) OR valid_until > :now)")
	u.ExpressionAttributeValues[":zero"], u.ExpressionAttributeValues[":now"] = num(0), str(formatTime(now))
	if c != nil {
		*u.ConditionExpression += " AND #rev = :rev"
		u.ExpressionAttributeNames = map[string]string{"#rev": "rev"}
		u.ExpressionAttributeValues[":rev"] = num(c.Rev)
	}
	u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	return u
}

// whyCodeRefused explains a failed use of a code from the item as it was.
func whyCodeRefused(old item, r booking.ReserveRequest) error {
	if old == nil {
		return promo.Unknown()
	}
	c, deleted, err := decodeBookingPromo(old)
	if err != nil {
		return err
	}
	if deleted {
		return &booking.StaleCodeError{Code: nil}
	}
	if r.Code != nil && c.Rev != r.Code.Rev {
		return &booking.StaleCodeError{Code: c}
	}
	if err := c.Usable(r.Now); err != nil {
		return err
	}
	return promo.Unknown()
}

// whyTypedNotReserved explains a refused order on an event with stored types, from the
// event item as the failed transaction found it: not on sale, a stale cached event or
// type (the stored one attached, types re-read), or the short types (booking.SoldOut).
func (s *Bookings) whyTypedNotReserved(ctx context.Context, old item, r booking.ReserveRequest) error {
	ev, tt, err := decodeBookingEvent(old)
	if err != nil {
		return err
	}
	if !ev.OnSale(r.Now) {
		return fault.New(fault.NotOnSale, "This event is not on sale")
	}
	stale := len(tt) == 0 || ev.Price.Currency != r.Event.Price.Currency || ev.MaxPerBooking != r.Event.MaxPerBooking
	for _, t := range orderTypes(r) {
		if e, ok := tt[t.id]; !ok || e.Rev != t.rev {
			stale = true
		}
	}
	if stale {
		fresh, err := s.eventWithTypes(ctx, old)
		if err != nil {
			return err
		}
		return &booking.StaleEventError{Event: fresh}
	}
	counters := make(map[string]catalog.TypeCounters, len(tt))
	for id, e := range tt {
		counters[id] = e.counters()
	}
	if err := booking.SoldOut(*r.Order, ev.Available, ev.WaitingAny, counters); err != nil {
		return err
	}
	return fault.New(fault.NotOnSale, "This event is not on sale")
}

// lineMoves are a booking's seat moves: the event's, and each type's when the booking
// has lines (an event with stored types); nil types for a booking of a default-type event.
func lineMoves(b *booking.Booking, to booking.Status) (booking.Move, map[string]booking.Move, error) {
	if len(b.Lines) == 0 {
		m, err := booking.Transition(b.Status, to, b.Quantity)
		return m, nil, err
	}
	return booking.LineMoves(b.Status, to, b.Lines)
}

// addTypeMoves adds each type's move to the event update u, guarded as seatUpdate guards
// the event's counters. Freed seats of a type follow the event's: to offering when they go
// to the waitlist, else back to available.
func addTypeMoves(u *types.Update, tm map[string]booking.Move, toWaitlist bool) {
	addTypeMovesAt(u, tm, toWaitlist, "#tm")
}

// addTypeMovesAt is addTypeMoves with its names and values under prefix, so two sets of
// types (some freed to the line, some to the public) can share one update.
func addTypeMovesAt(u *types.Update, tm map[string]booking.Move, toWaitlist bool, prefix string) {
	if len(tm) == 0 {
		return
	}
	ids := make([]string, 0, len(tm))
	for id := range tm {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var set, guard []string
	if u.ExpressionAttributeNames == nil {
		u.ExpressionAttributeNames = map[string]string{}
	}
	for i, id := range ids {
		m, tn := tm[id], prefix+strconv.Itoa(i)
		u.ExpressionAttributeNames[tn] = id
		offering := int64(0)
		if toWaitlist && m.Available > 0 {
			offering, m.Available = m.Available, 0
		}
		for _, c := range []struct {
			name  string
			delta int64
		}{{"available", m.Available}, {"held", m.Held}, {"sold", m.Sold}, {"offering", offering}} {
			path, v := "tt."+tn+"."+c.name, ":"+prefix[1:]+strconv.Itoa(i)+c.name
			switch {
			case c.delta > 0:
				set = append(set, path+" = "+path+" + "+v)
				u.ExpressionAttributeValues[v] = num(c.delta)
			case c.delta < 0:
				set = append(set, path+" = "+path+" - "+v)
				guard = append(guard, path+" >= "+v)
				u.ExpressionAttributeValues[v] = num(-c.delta)
			}
		}
	}
	*u.UpdateExpression += ", " + strings.Join(set, ", ")
	if len(guard) > 0 {
		g := strings.Join(guard, " AND ")
		if u.ConditionExpression != nil {
			g = *u.ConditionExpression + " AND " + g
		}
		u.ConditionExpression = aws.String(g)
	}
}

// userTypeSeats adds each line's seats (negative to give back) to the user's per-type
// counters on the user's seats update u.
func userTypeSeats(u *types.Update, lines []booking.Line, sign int64) {
	if len(lines) == 0 {
		return
	}
	seats := map[string]int64{}
	for _, l := range lines {
		seats[l.TicketTypeID] += int64(l.Quantity)
	}
	ids := make([]string, 0, len(seats))
	for id := range seats {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if u.ExpressionAttributeNames == nil {
		u.ExpressionAttributeNames = map[string]string{}
	}
	for i, id := range ids {
		n, v := "#ut"+strconv.Itoa(i), ":ut"+strconv.Itoa(i)
		u.ExpressionAttributeNames[n] = "tickets#" + id
		u.ExpressionAttributeValues[v] = num(sign * seats[id])
		*u.UpdateExpression += ", " + n + " " + v
	}
}

// revenueMove is what a confirmation adds to an event's revenue (a refund takes off):
// the total and each type's share (revenue#<type>).
type revenueMove struct {
	total int64
	types map[string]int64
}

// confirmedRevenue is b's total, each line's total to its type.
func confirmedRevenue(b *booking.Booking) revenueMove {
	rv := revenueMove{total: b.Total.Amount, types: map[string]int64{}}
	for _, l := range b.OrderLines() {
		rv.types[l.TicketTypeID] += l.Total.Amount
	}
	return rv
}

// refundedRevenue takes r off the revenue, each line's refund off its type's, as the
// confirmation added each line's total.
func refundedRevenue(r *booking.Refund) revenueMove {
	rv := revenueMove{total: -r.Amount.Amount, types: map[string]int64{}}
	for _, l := range r.Lines {
		rv.types[l.TicketTypeID] -= l.Amount.Amount
	}
	return rv
}

func (rv revenueMove) typeIDs() []string {
	ids := make([]string, 0, len(rv.types))
	for id := range rv.types {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// addRevenue adds rv to the shard update u, in its SET clause: the update already grows
// the shard's version by one, and the revenue moves within that one write.
func addRevenue(u *types.Update, rv revenueMove) {
	set := []string{"revenue = if_not_exists(revenue, :revzero) + :rev"}
	u.ExpressionAttributeValues[":revzero"], u.ExpressionAttributeValues[":rev"] = num(0), num(rv.total)
	if u.ExpressionAttributeNames == nil {
		u.ExpressionAttributeNames = map[string]string{}
	}
	for i, id := range rv.typeIDs() {
		n, v := "#rv"+strconv.Itoa(i), ":rv"+strconv.Itoa(i)
		u.ExpressionAttributeNames[n], u.ExpressionAttributeValues[v] = "revenue#"+id, num(rv.types[id])
		set = append(set, n+" = if_not_exists("+n+", :revzero) + "+v)
	}
	clause := strings.Join(set, ", ")
	if rest, ok := strings.CutPrefix(*u.UpdateExpression, "SET "); ok {
		*u.UpdateExpression = "SET " + clause + ", " + rest
	} else {
		*u.UpdateExpression = "SET " + clause + " " + *u.UpdateExpression
	}
}

// typeStats breaks an event's numbers down by type: the tt map's counters (the event's
// own for its default type) with revenue#<type> and checked_in#<type> of the stats item,
// plus each type's revenue on the shards (shardRevenue).
func typeStats(e *booking.Event, st item, shardRevenue map[string]int64) []booking.TypeStats {
	ts := e.Types
	if !e.Typed() {
		ts = e.OrderEvent().Types
		ts[0].Counters = catalog.TypeCounters{Capacity: e.Capacity, Available: e.Available, Held: e.Held, Sold: e.Sold,
			Offering: e.Offering, Waiting: e.Waiting}
	}
	out := make([]booking.TypeStats, 0, len(ts))
	for _, t := range ts {
		c := t.Counters
		out = append(out, booking.TypeStats{TicketTypeID: t.ID, Name: t.Name, Capacity: c.Capacity, Available: c.Available,
			Held: c.Held, Sold: c.Sold, Offering: c.Offering, Waiting: c.Waiting,
			Revenue:   booking.Money{Amount: numAttr(st, "revenue#"+t.ID) + shardRevenue[t.ID], Currency: e.Price.Currency},
			CheckedIn: numAttr(st, "checked_in#"+t.ID)})
	}
	return out
}
