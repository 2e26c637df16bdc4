package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// Keys of the waitlist (docs/table-design.md).
const (
	entryPrefix     = "WAITLIST#" // sk of an entry under its event; gsi1sk prefix; gsi2pk prefix
	latestPrefix    = "WAITUSER#" // sk of a user's latest entry pointer under the event
	waitlistIndexPK = "WAITLIST#"
	// The line's counters live under a partition of their own, away from the event item
	// every reservation writes: the ticket counter, and per block of lineBlock tickets
	// the number of those entries still waiting.
	linePrefix  = "LINE#"
	ticketSK    = "TICKET"
	blockPrefix = "BLOCK#"
)

// lineBlock is how many tickets one block counter covers. Position reads every block
// ahead (one small item per lineBlock entries) and counts within its own block (at most
// lineBlock entries), so a place in a line of n costs about n/lineBlock + lineBlock item
// reads instead of n.
const lineBlock = 100

func entryKey(eventID, entryID string) item { return key(eventPrefix+eventID, entryPrefix+entryID) }
func latestKey(eventID, userID string) item { return key(eventPrefix+eventID, latestPrefix+userID) }
func lineKey(eventID string) string         { return waitlistIndexPK + eventID }
func ticketKey(eventID string) item         { return key(linePrefix+eventID, ticketSK) }

// Fixed width, so the strings sort as the numbers do.
func blockSK(seq int64) string { return fmt.Sprintf("%s%012d", blockPrefix, seq/lineBlock) }
func seqSK(seq int64) string   { return fmt.Sprintf("%016d", seq) }

// countWaiting moves the waiting count of seq's block by delta, inside the transaction
// that moves the entry into or out of waiting.
func (w *Waitlist) countWaiting(eventID string, seq, delta int64) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: &w.b.table,
		Key: key(linePrefix+eventID, blockSK(seq)), UpdateExpression: aws.String("ADD waiting :delta"),
		ExpressionAttributeValues: item{":delta": num(delta)}}}
}

// Waitlist is the waitlist store (waitlist.Store) on the booking store's table and
// transaction retries.
type Waitlist struct {
	b      *Bookings
	shards shardCounts
}

// NewWaitlist returns the waitlist store sharing b's client.
func NewWaitlist(b *Bookings) *Waitlist { return &Waitlist{b: b} }

var _ waitlist.Store = (*Waitlist)(nil)

type entryRecord struct {
	PK             string `dynamodbav:"pk"`
	SK             string `dynamodbav:"sk"`
	GSI1PK         string `dynamodbav:"gsi1pk"`
	GSI1SK         string `dynamodbav:"gsi1sk"`
	GSI2PK         string `dynamodbav:"gsi2pk,omitempty"` // while waiting only: the line
	GSI2SK         string `dynamodbav:"gsi2sk,omitempty"`
	ID             string `dynamodbav:"entry_id"`
	EventID        string `dynamodbav:"event_id"`
	UserID         string `dynamodbav:"user_id"`
	Quantity       int    `dynamodbav:"quantity"`
	TicketTypeID   string `dynamodbav:"ticket_type_id,omitempty"`
	Typed          bool   `dynamodbav:"typed,omitempty"`
	Status         string `dynamodbav:"status"`
	JoinedAt       string `dynamodbav:"joined_at"`
	Seq            int64  `dynamodbav:"seq"`
	Passed         int    `dynamodbav:"passed"`
	Email          string `dynamodbav:"email,omitempty"`
	BookingID      string `dynamodbav:"booking_id,omitempty"`
	OfferExpiresAt string `dynamodbav:"offer_expires_at,omitempty"`
	UpdatedAt      string `dynamodbav:"updated_at"`
	Version        int64  `dynamodbav:"version"`
}

func toEntryRecord(e waitlist.Entry) entryRecord {
	joined := fmtBookingTime(e.JoinedAt)
	r := entryRecord{PK: eventPrefix + e.EventID, SK: entryPrefix + e.ID,
		GSI1PK: userPrefix + e.UserID, GSI1SK: entryPrefix + joined + "#" + e.ID,
		ID: e.ID, EventID: e.EventID, UserID: e.UserID, Quantity: e.Quantity, TicketTypeID: e.TicketTypeID, Typed: e.Typed, Status: string(e.Status),
		JoinedAt: joined, Seq: e.Seq, Passed: e.Passed, Email: e.Email, BookingID: e.BookingID, OfferExpiresAt: fmtBookingTime(e.OfferExpiresAt),
		UpdatedAt: fmtBookingTime(e.UpdatedAt), Version: e.Version}
	if e.Status == waitlist.Waiting {
		r.GSI2PK, r.GSI2SK = lineKey(e.EventID), seqSK(e.Seq)
	}
	return r
}

func fromEntryItem(it item) (waitlist.Entry, error) {
	var r entryRecord
	if err := attributevalue.UnmarshalMap(it, &r); err != nil {
		return waitlist.Entry{}, fmt.Errorf("waitlist entry item: %w", err)
	}
	return waitlist.Entry{ID: r.ID, EventID: r.EventID, UserID: r.UserID, Quantity: r.Quantity, TicketTypeID: r.TicketTypeID, Typed: r.Typed, Status: waitlist.Status(r.Status),
		JoinedAt: parseBookingTime(r.JoinedAt), Seq: r.Seq, Passed: r.Passed, Email: r.Email, BookingID: r.BookingID, OfferExpiresAt: parseBookingTime(r.OfferExpiresAt),
		UpdatedAt: parseBookingTime(r.UpdatedAt), Version: r.Version}, nil
}

// Seats reads the event consistently: the worker decides from offering and waiting, per
// type on a typed event (whose definitions, read too, price its offers).
func (w *Waitlist) Seats(ctx context.Context, eventID string) (*booking.Event, error) {
	it, err := w.b.get(ctx, eventKey(eventID))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, fault.New(fault.NotFound, "Event not found")
	}
	ev, err := w.b.eventWithTypes(ctx, it)
	if err != nil {
		return nil, err
	}
	w.shards.put(eventID, ev.Shards)
	if ev.Shards > 1 {
		shards, err := w.b.readShards(ctx, eventID, ev.Shards, true)
		if err != nil {
			return nil, err
		}
		withShardCounters(ev, sumShards(shards))
	}
	return ev, nil
}

// Latest follows the user's pointer to their latest entry.
func (w *Waitlist) Latest(ctx context.Context, eventID, userID string) (*waitlist.Entry, error) {
	ptr, err := w.b.get(ctx, latestKey(eventID, userID))
	if err != nil || ptr == nil {
		return nil, err
	}
	var p struct {
		EntryID string `dynamodbav:"entry_id"`
	}
	if err := attributevalue.UnmarshalMap(ptr, &p); err != nil {
		return nil, err
	}
	it, err := w.b.get(ctx, entryKey(eventID, p.EntryID))
	if err != nil || it == nil {
		return nil, err
	}
	e, err := fromEntryItem(it)
	return &e, err
}

// Join puts the entry (see waitlist.Store). c is the move of free seats to the line as
// the caller read the counts: the transaction moves exactly those seats to offering, so
// the caller knows whether to wake the worker; different counts fail it with ErrChanged.
// On an event without types c moves every available seat.
func (w *Waitlist) Join(ctx context.Context, e waitlist.Entry, prev *waitlist.Entry, c waitlist.Claim, now time.Time) error {
	rec, err := attributevalue.MarshalMap(toEntryRecord(e))
	if err != nil {
		return err
	}
	ptr := &types.Put{TableName: &w.b.table,
		Item: item{"pk": str(eventPrefix + e.EventID), "sk": str(latestPrefix + e.UserID), "entry_id": str(e.ID),
			"event_id": str(e.EventID), "user_id": str(e.UserID), "version": num(e.Version)},
		ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if prev != nil {
		ptr.ConditionExpression = aws.String("entry_id = :prev")
		ptr.ExpressionAttributeValues = item{":prev": str(prev.ID)}
	}
	if n, err := w.shardsOf(ctx, e.EventID); err != nil {
		return err
	} else if n > 1 {
		if e.Typed {
			return w.joinTypedSharded(ctx, e, n, c, ptr, rec, now)
		}
		return w.joinSharded(ctx, e, n, c.Available, ptr, rec, now)
	}
	if e.Typed {
		return w.joinTyped(ctx, e, ptr, rec, c, now)
	}
	available := c.Available
	set := "SET waiting = if_not_exists(waiting, :zero) + :one, version = version + :one"
	vals := item{":published": str(booking.Published), ":now": str(formatTime(now)), ":q": num(int64(e.Quantity)),
		":available": num(available), ":zero": num(0), ":one": num(1)}
	if available > 0 {
		// From the first waiting entry on, every free seat passes through the line.
		set += ", available = :zero, offering = if_not_exists(offering, :zero) + :available, gsi3pk = :offeringpk, gsi3sk = if_not_exists(gsi3sk, :since)"
		vals[":offeringpk"], vals[":since"] = str(offeringGSI3PK), str(fmtBookingTime(now))
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &w.b.table, Key: eventKey(e.EventID),
			// Joining makes sense when the seats wanted are not free, or are free only for
			// the line (someone waits: e.g. a capacity increase added them).
			ConditionExpression:                 aws.String("#status = :published AND starts_at > :now AND (available < :q OR waiting > :zero) AND available = :available"),
			UpdateExpression:                    aws.String(set),
			ExpressionAttributeNames:            map[string]string{"#status": "status"},
			ExpressionAttributeValues:           vals,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Put: ptr},
		{Put: &types.Put{TableName: &w.b.table, Item: rec, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		w.countWaiting(e.EventID, e.Seq, 1),
	}
	err = w.b.transact(ctx, items, requestToken("join", e.ID))
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return err
	case reasons.failed(0):
		ev, err := joinedEvent(reasons)
		if err != nil {
			return err
		}
		switch {
		case !ev.OnSale(now):
			return fault.New(fault.NotOnSale, "This event is not on sale")
		case ev.Available >= int64(e.Quantity) && ev.Waiting == 0:
			return fault.New(fault.Conflict, "Enough seats are available: reserve them instead of joining the waitlist").With("available", ev.Available)
		}
		return waitlist.ErrChanged
	case reasons.failed(1), reasons.failed(2):
		return waitlist.ErrChanged
	}
	return err
}

// Leave moves a waiting entry to left and out of the count.
func (w *Waitlist) Leave(ctx context.Context, e waitlist.Entry, now time.Time) error {
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &w.b.table, Key: entryKey(e.EventID, e.ID),
			ConditionExpression:      aws.String("#status = :waiting AND version = :version"),
			UpdateExpression:         aws.String("SET #status = :left, updated_at = :now, version = version + :one REMOVE gsi2pk, gsi2sk"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: item{":waiting": str(string(waitlist.Waiting)), ":version": num(e.Version),
				":left": str(string(waitlist.Left)), ":now": str(fmtBookingTime(now)), ":one": num(1)}}},
		{Update: uncount(e, &types.Update{TableName: &w.b.table, Key: eventKey(e.EventID),
			ConditionExpression:       aws.String("waiting >= :one"),
			UpdateExpression:          aws.String("SET waiting = waiting - :one, version = version + :one"),
			ExpressionAttributeValues: item{":one": num(1)}})},
		w.countWaiting(e.EventID, e.Seq, -1),
	}
	err := w.b.transact(ctx, items, requestToken("leave", e.ID, itoa64(e.Version)))
	if reasons, cancelled := cancellation(err); cancelled && reasons.failed(0) {
		return waitlist.ErrChanged
	}
	return err
}

// Ticket draws the next place in the event's line.
func (w *Waitlist) Ticket(ctx context.Context, eventID string) (int64, error) {
	out, err := w.b.update(ctx, &dynamodb.UpdateItemInput{TableName: &w.b.table, Key: ticketKey(eventID),
		UpdateExpression: aws.String("ADD seq :one"), ExpressionAttributeValues: item{":one": num(1)},
		ReturnValues: types.ReturnValueUpdatedNew})
	if err != nil {
		return 0, err
	}
	return numAttr(out.Attributes, "seq"), nil
}

// Position counts waiting entries ahead of e in the line, plus one: the block counters
// before e's block, then the waiting entries of its own block ahead of it. Both are read
// as the line's index is, eventually consistent; a place may be off by a join or two in
// flight, never by more.
func (w *Waitlist) Position(ctx context.Context, e waitlist.Entry) (int, error) {
	n := 1
	block, first := e.Seq/lineBlock, e.Seq/lineBlock*lineBlock
	if block > 0 {
		in := &dynamodb.QueryInput{TableName: &w.b.table,
			KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :first AND :last"),
			ExpressionAttributeValues: item{":pk": str(linePrefix + e.EventID),
				":first": str(blockSK(0)), ":last": str(blockSK(first - 1))},
			ProjectionExpression: aws.String("waiting"), ReturnConsumedCapacity: consumedTotal}
		err := w.each(ctx, in, func(out *dynamodb.QueryOutput) {
			for _, it := range out.Items {
				n += int(numAttr(it, "waiting"))
			}
		})
		if err != nil {
			return 0, err
		}
	}
	if e.Seq == first {
		return n, nil // first of its block: nobody in it is ahead
	}
	in := &dynamodb.QueryInput{TableName: &w.b.table, IndexName: aws.String("gsi2"),
		KeyConditionExpression: aws.String("gsi2pk = :pk AND gsi2sk BETWEEN :first AND :before"),
		ExpressionAttributeValues: item{":pk": str(lineKey(e.EventID)),
			":first": str(seqSK(first)), ":before": str(seqSK(e.Seq - 1))},
		Select: types.SelectCount, ReturnConsumedCapacity: consumedTotal}
	err := w.each(ctx, in, func(out *dynamodb.QueryOutput) { n += int(out.Count) })
	return n, err
}

// each runs a query page by page.
func (w *Waitlist) each(ctx context.Context, in *dynamodb.QueryInput, page func(*dynamodb.QueryOutput)) error {
	for p := dynamodb.NewQueryPaginator(w.b.db, in); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		page(out)
	}
	return nil
}

// Line returns the first waiting entries in FIFO order.
func (w *Waitlist) Line(ctx context.Context, eventID string, limit int) ([]waitlist.Entry, error) {
	out, err := w.b.db.Query(ctx, &dynamodb.QueryInput{TableName: &w.b.table, IndexName: aws.String("gsi2"),
		KeyConditionExpression:    aws.String("gsi2pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(lineKey(eventID))},
		Limit:                     aws.Int32(int32(limit)), ReturnConsumedCapacity: consumedTotal})
	if err != nil {
		return nil, err
	}
	return entries(out.Items)
}

func entries(its []item) ([]waitlist.Entry, error) {
	out := make([]waitlist.Entry, 0, len(its))
	for _, it := range its {
		e, err := fromEntryItem(it)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Offer indexes in its transaction.
const (
	offerEvent = iota
	offerEntry
	offerBooking
	offerReference
	offerUserSeats
	offerLine
)

// Offer claims the seats and makes the hold (see waitlist.Store). The user's seat
// counter grows without the per-user limit check: the entry's quantity already obeyed
// max_tickets_per_booking, and the seats were promised in line.
func (w *Waitlist) Offer(ctx context.Context, e waitlist.Entry, hold *booking.Booking, now time.Time) error {
	bi, err := attributevalue.MarshalMap(toBookingRecord(hold))
	if err != nil {
		return err
	}
	q := int64(e.Quantity)
	ev := &types.Update{TableName: &w.b.table, Key: eventKey(e.EventID),
		ConditionExpression:       aws.String("offering >= :q AND waiting >= :one"),
		UpdateExpression:          aws.String("SET offering = offering - :q, held = if_not_exists(held, :zero) + :q, waiting = waiting - :one, version = version + :one"),
		ExpressionAttributeValues: item{":q": num(q), ":one": num(1), ":zero": num(0)}}
	if len(hold.Lines) == 1 {
		// A typed offer: its one line's type gives the seats, and the entry leaves its
		// type's count (or waiting_any).
		ev.ExpressionAttributeNames = map[string]string{"#t": hold.Lines[0].TicketTypeID}
		*ev.ConditionExpression += " AND tt.#t.offering >= :q"
		*ev.UpdateExpression += ", tt.#t.offering = tt.#t.offering - :q, tt.#t.held = tt.#t.held + :q"
		uncount(e, ev)
	}
	items := []types.TransactWriteItem{
		offerEvent: {Update: ev},
		offerEntry: {Update: &types.Update{TableName: &w.b.table, Key: entryKey(e.EventID, e.ID),
			ConditionExpression: aws.String("#status = :waiting AND version = :version"),
			UpdateExpression: aws.String("SET #status = :offered, booking_id = :booking, offer_expires_at = :expires, updated_at = :now," +
				" version = version + :one REMOVE gsi2pk, gsi2sk"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: item{":waiting": str(string(waitlist.Waiting)), ":version": num(e.Version),
				":offered": str(string(waitlist.Offered)), ":booking": str(hold.ID), ":expires": str(fmtBookingTime(hold.ExpiresAt)),
				":now": str(fmtBookingTime(now)), ":one": num(1)}}},
		offerBooking: {Put: &types.Put{TableName: &w.b.table, Item: bi, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		offerReference: {Put: &types.Put{TableName: &w.b.table,
			Item:                item{"pk": str(referencePrefix + hold.Reference), "sk": str(referenceSK), "booking_id": str(hold.ID)},
			ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		offerUserSeats: {Update: w.b.userSeatsUpdate(hold, q)},
		offerLine:      w.countWaiting(e.EventID, e.Seq, -1),
	}
	items[offerUserSeats].Update.UpdateExpression = aws.String("SET event_id = :event, user_id = :user ADD tickets :delta, version :one")
	items[offerUserSeats].Update.ExpressionAttributeValues[":event"] = str(e.EventID)
	items[offerUserSeats].Update.ExpressionAttributeValues[":user"] = str(e.UserID)
	userTypeSeats(items[offerUserSeats].Update, hold.Lines, 1)
	if n, err := w.shardsOf(ctx, e.EventID); err != nil {
		return err
	} else if n > 1 {
		return w.offerSharded(ctx, e, hold, n, items)
	}
	err = w.b.transact(ctx, items, requestToken("offer", e.ID, itoa64(e.Version)))
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return err
	case reasons.failed(offerEntry):
		return waitlist.ErrChanged
	case reasons.failed(offerEvent):
		return waitlist.ErrNoSeats
	}
	return err
}

// Claim moves available seats to offering while someone waits: all of them on an event
// without types, c's part of each type on a typed one.
func (w *Waitlist) Claim(ctx context.Context, eventID string, c waitlist.Claim) error {
	if n, err := w.shardsOf(ctx, eventID); err != nil {
		return err
	} else if n > 1 {
		if len(c.Types) > 0 {
			return w.claimTypedSharded(ctx, eventID, n, c)
		}
		return w.claimSharded(ctx, eventID, n, c.Available)
	}
	in := &dynamodb.UpdateItemInput{TableName: &w.b.table, Key: eventKey(eventID),
		ConditionExpression:       aws.String("waiting > :zero AND available = :available"),
		UpdateExpression:          aws.String("SET available = :zero, offering = if_not_exists(offering, :zero) + :available, version = version + :one"),
		ExpressionAttributeValues: item{":zero": num(0), ":available": num(c.Available), ":one": num(1)}}
	if len(c.Types) > 0 {
		in.ExpressionAttributeNames, in.ExpressionAttributeValues = map[string]string{}, item{":one": num(1)}
		set, cond := claimMove(c, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
		in.ConditionExpression = aws.String(strings.Join(append([]string{"waiting > :zero"}, cond...), " AND "))
		in.UpdateExpression = aws.String("SET version = version + :one, " + strings.Join(set, ", "))
	}
	_, err := w.b.update(ctx, in)
	if _, failed := conditionFailed(err); failed {
		return waitlist.ErrChanged
	}
	return err
}

// claimMove is a typed claim's move from available to offering, the event's and each
// type's, as SET clauses, and its conditions: each type's available as read and, when a
// type had seats (so the event's available decided how many moved), the event's.
func claimMove(c waitlist.Claim, names map[string]string, vals item) (set, cond []string) {
	vals[":zero"] = num(0)
	eventCounts := false
	for i, tc := range c.Types {
		n, a, m := "#c"+strconv.Itoa(i), ":ca"+strconv.Itoa(i), ":cm"+strconv.Itoa(i)
		names[n], vals[a] = tc.ID, num(tc.Available)
		cond = append(cond, "tt."+n+".available = "+a)
		eventCounts = eventCounts || tc.Available > 0
		if tc.Seats > 0 {
			vals[m] = num(tc.Seats)
			set = append(set, "tt."+n+".available = tt."+n+".available - "+m, "tt."+n+".offering = tt."+n+".offering + "+m)
		}
	}
	if eventCounts {
		vals[":available"] = num(c.Available)
		cond = append(cond, "available = :available")
	}
	if c.Seats > 0 {
		// DynamoDB refuses values an expression does not use, so :claimed only with a move.
		vals[":claimed"] = num(c.Seats)
		set = append(set, "available = available - :claimed", "offering = if_not_exists(offering, :zero) + :claimed")
	}
	return set, cond
}

// uncount takes entry e out of its type's waiting count (or waiting_any) on the event
// update u, which already takes it out of waiting; an entry of an event without types is
// counted in waiting only.
func uncount(e waitlist.Entry, u *types.Update) *types.Update {
	if !e.Typed {
		return u
	}
	if u.ExpressionAttributeNames == nil {
		u.ExpressionAttributeNames = map[string]string{}
	}
	if e.TicketTypeID == "" {
		*u.ConditionExpression += " AND waiting_any >= :one"
		*u.UpdateExpression += ", waiting_any = waiting_any - :one"
		return u
	}
	u.ExpressionAttributeNames["#w"] = e.TicketTypeID
	*u.ConditionExpression += " AND tt.#w.waiting >= :one"
	*u.UpdateExpression += ", tt.#w.waiting = tt.#w.waiting - :one"
	return u
}

// joinTyped is Join on an event with ticket types: the entry is counted in its type's
// waiting (or waiting_any) too, and c moves the leftover seats per type.
func (w *Waitlist) joinTyped(ctx context.Context, e waitlist.Entry, ptr *types.Put, rec item, c waitlist.Claim, now time.Time) error {
	names := map[string]string{"#status": "status"}
	vals := item{":published": str(booking.Published), ":now": str(formatTime(now)), ":zero": num(0), ":one": num(1)}
	set := []string{"waiting = if_not_exists(waiting, :zero) + :one", "version = version + :one"}
	if e.TicketTypeID == "" {
		set = append(set, "waiting_any = if_not_exists(waiting_any, :zero) + :one")
	} else {
		names["#w"] = e.TicketTypeID
		set = append(set, "tt.#w.waiting = tt.#w.waiting + :one")
	}
	moves, cond := claimMove(c, names, vals)
	set = append(set, moves...)
	if c.Seats > 0 {
		set = append(set, "gsi3pk = :offeringpk", "gsi3sk = if_not_exists(gsi3sk, :since)")
		vals[":offeringpk"], vals[":since"] = str(offeringGSI3PK), str(fmtBookingTime(now))
	}
	cond = append([]string{"#status = :published AND starts_at > :now"}, cond...)
	if e.TicketTypeID != "" {
		cond = append(cond, "attribute_exists(tt.#w)")
	}
	return w.commitTypedJoin(ctx, e, &types.Update{TableName: &w.b.table, Key: eventKey(e.EventID),
		ConditionExpression: aws.String(strings.Join(cond, " AND ")), UpdateExpression: aws.String("SET " + strings.Join(set, ", ")),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals}, ptr, rec, now, nil)
}

// commitTypedJoin runs a typed join's transaction: the event update ev, the user's
// pointer, the entry, its block's count and then shards (a sharded event's flags and
// moves). not_on_sale when the event refuses, else ErrChanged when anything moved since
// the read the join was planned from.
func (w *Waitlist) commitTypedJoin(ctx context.Context, e waitlist.Entry, ev *types.Update, ptr *types.Put, rec item, now time.Time, shards []types.TransactWriteItem) error {
	ev.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	items := append([]types.TransactWriteItem{
		{Update: ev},
		{Put: ptr},
		{Put: &types.Put{TableName: &w.b.table, Item: rec, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		w.countWaiting(e.EventID, e.Seq, 1),
	}, shards...)
	err := w.b.transact(ctx, items, requestToken("join", e.ID))
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return err
	case reasons.failed(0):
		if err := refusedJoin(reasons, now); err != nil {
			return err
		}
	}
	return waitlist.ErrChanged
}

// AddPassed records seats handed past a waiting entry.
func (w *Waitlist) AddPassed(ctx context.Context, eventID, entryID string, seats int) error {
	_, err := w.b.update(ctx, &dynamodb.UpdateItemInput{TableName: &w.b.table, Key: entryKey(eventID, entryID),
		ConditionExpression:       aws.String("#status = :waiting"),
		UpdateExpression:          aws.String("ADD passed :seats, version :one"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: item{":waiting": str(string(waitlist.Waiting)), ":seats": num(int64(seats)), ":one": num(1)}})
	if _, failed := conditionFailed(err); failed {
		return nil // no longer waiting: nothing to guard
	}
	return err
}

// Settle returns offering seats to available when nobody waits, and takes an event with
// nothing offering out of the stranded-offering index. On a typed event back says which
// types' seats go back.
func (w *Waitlist) Settle(ctx context.Context, eventID string, back *waitlist.Returnable, now time.Time) (int64, error) {
	if n, err := w.shardsOf(ctx, eventID); err != nil {
		return 0, err
	} else if n > 1 && back == nil {
		return w.settleSharded(ctx, eventID, n)
	} else if n > 1 {
		return w.settleTypedSharded(ctx, eventID, n, *back)
	}
	if back != nil {
		return w.settleTyped(ctx, eventID, *back)
	}
	out, err := w.b.update(ctx, &dynamodb.UpdateItemInput{TableName: &w.b.table, Key: eventKey(eventID),
		ConditionExpression:       aws.String("(attribute_not_exists(waiting) OR waiting = :zero) AND offering > :zero"),
		UpdateExpression:          aws.String("SET available = available + offering, offering = :zero, version = version + :one REMOVE gsi3pk, gsi3sk"),
		ExpressionAttributeValues: item{":zero": num(0), ":one": num(1)},
		ReturnValues:              types.ReturnValueUpdatedOld})
	if err == nil {
		return numAttr(out.Attributes, "offering"), nil
	}
	if _, failed := conditionFailed(err); !failed {
		return 0, err
	}
	return 0, w.unlistOffering(ctx, eventID)
}

// settleTyped gives back each type's offering seats in back, conditioned on the counts
// back read (nobody waiting for the type, nor for any type when back saw none).
func (w *Waitlist) settleTyped(ctx context.Context, eventID string, back waitlist.Returnable) (int64, error) {
	var returned int64
	if len(back.Types) > 0 {
		names := map[string]string{}
		vals := item{":zero": num(0), ":one": num(1), ":wa": num(back.WaitingAny)}
		cond := []string{"(attribute_not_exists(waiting_any) OR waiting_any = :wa)"}
		var set []string
		for i, t := range back.Types {
			n, o := "#r"+strconv.Itoa(i), ":ro"+strconv.Itoa(i)
			names[n], vals[o] = t.ID, num(t.Offering)
			cond = append(cond, "tt."+n+".offering = "+o, "tt."+n+".waiting = :zero")
			set = append(set, "tt."+n+".offering = :zero", "tt."+n+".available = tt."+n+".available + "+o)
			returned += t.Offering
		}
		if back.WaitingAny != 0 {
			cond[0] = "waiting_any = :wa"
		}
		vals[":returned"] = num(returned)
		set = append(set, "offering = offering - :returned", "available = available + :returned", "version = version + :one")
		_, err := w.b.update(ctx, &dynamodb.UpdateItemInput{TableName: &w.b.table, Key: eventKey(eventID),
			ConditionExpression: aws.String(strings.Join(append(cond, "offering >= :returned"), " AND ")),
			UpdateExpression:    aws.String("SET " + strings.Join(set, ", ")), ExpressionAttributeNames: names, ExpressionAttributeValues: vals})
		if _, failed := conditionFailed(err); failed {
			// Someone joined or the seats moved: the seats stay in the line, and the
			// stranded-offering sweep runs the worker again.
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
	}
	return returned, w.unlistOffering(ctx, eventID)
}

// unlistOffering takes an event with nothing offering out of the stranded-offering index.
func (w *Waitlist) unlistOffering(ctx context.Context, eventID string) error {
	_, err := w.b.update(ctx, &dynamodb.UpdateItemInput{TableName: &w.b.table, Key: eventKey(eventID),
		ConditionExpression:       aws.String("attribute_exists(gsi3pk) AND (attribute_not_exists(offering) OR offering = :zero)"),
		UpdateExpression:          aws.String("SET version = version + :one REMOVE gsi3pk, gsi3sk"),
		ExpressionAttributeValues: item{":zero": num(0), ":one": num(1)}})
	if _, failed := conditionFailed(err); failed {
		return nil
	}
	return err
}

var gsi1Entries = []string{"pk", "sk", "gsi1pk", "gsi1sk"}
var baseCursor = []string{"pk", "sk"}

// ListUser lists a user's entries newest first.
func (w *Waitlist) ListUser(ctx context.Context, userID string, limit int, cursor string) (waitlist.Page, error) {
	in := &dynamodb.QueryInput{IndexName: aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :pk AND begins_with(gsi1sk, :prefix)"),
		ExpressionAttributeValues: item{":pk": str(userPrefix + userID), ":prefix": str(entryPrefix)},
		ScanIndexForward:          aws.Bool(false), ReturnConsumedCapacity: consumedTotal}
	return w.page(ctx, in, limit, cursor, gsi1Entries, func(m map[string]string) bool { return m["gsi1pk"] == userPrefix+userID })
}

// ListEvent lists an event's entries in join order (entry ids sort by join time).
func (w *Waitlist) ListEvent(ctx context.Context, eventID string, limit int, cursor string) (waitlist.Page, error) {
	in := &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: item{":pk": str(eventPrefix + eventID), ":prefix": str(entryPrefix)},
		ConsistentRead:            aws.Bool(true), ReturnConsumedCapacity: consumedTotal}
	return w.page(ctx, in, limit, cursor, baseCursor, func(m map[string]string) bool { return m["pk"] == eventPrefix+eventID })
}

func (w *Waitlist) page(ctx context.Context, in *dynamodb.QueryInput, limit int, cursor string, names []string, valid func(map[string]string) bool) (waitlist.Page, error) {
	its, next, err := w.b.query(ctx, in, max(limit, 1), cursor, names, valid)
	if err != nil {
		return waitlist.Page{}, err
	}
	es, err := entries(its)
	return waitlist.Page{Items: es, NextCursor: next}, err
}

// joinedEvent is the event a join's failed first condition returned (ALL_OLD).
func joinedEvent(r reasons) (*booking.Event, error) {
	old := r.item(0)
	if old == nil {
		return nil, fault.New(fault.NotFound, "Event not found")
	}
	return fromEventForBooking(old)
}

// refusedJoin says why a join's event condition failed when the event itself refuses
// it (gone, or no longer on sale); nil means the counts moved and the join may retry.
func refusedJoin(r reasons, now time.Time) error {
	ev, err := joinedEvent(r)
	if err != nil {
		return err
	}
	if !ev.OnSale(now) {
		return fault.New(fault.NotOnSale, "This event is not on sale")
	}
	return nil
}
