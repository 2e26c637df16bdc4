package dynamo_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// typedOnSale publishes an event of capacity seats selling the given types and returns
// it with its types.
func (s *seats) typedOnSale(capacity int64, ts ...catalog.TicketTypeInput) catalog.Event {
	s.t.Helper()
	v, err := s.cat.CreateVenue(s.ctx, "admin-1", "", catalog.VenueInput{
		Name: "Hall", Address: "1 Main St", City: "Lisbon", Country: "PT", Capacity: 100000})
	if err != nil {
		s.t.Fatalf("create venue: %v", err)
	}
	starts := s.now.Add(30 * 24 * time.Hour)
	e, err := s.cat.CreateEvent(s.ctx, "admin-1", "", catalog.EventInput{
		Name: "Typed show", Category: "music", VenueID: v.ID,
		StartsAt: starts.Format(time.RFC3339), EndsAt: starts.Add(3 * time.Hour).Format(time.RFC3339),
		Capacity: capacity, MaxTicketsPerBooking: new(min(int64(10), capacity)), TicketTypes: ts,
	})
	if err != nil {
		s.t.Fatalf("create event: %v", err)
	}
	if _, err := s.cat.Publish(s.ctx, e.ID, 0); err != nil {
		s.t.Fatalf("publish: %v", err)
	}
	return e
}

// order holds q seats of one type for user and returns the booking id.
func (s *seats) order(eventID, typeID, user string, q int) string {
	s.t.Helper()
	res, err := s.booking.ReserveOrder(s.ctx, user, eventID, booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: typeID, Quantity: q}}},
		"k-"+user+"-"+typeID, s.now)
	if err != nil {
		s.t.Fatalf("reserve %s: %v", user, err)
	}
	return res.Booking.ID
}

// typeCounts reads the event item's counters, its tt map and waiting_any, and checks
// booking.CheckTypeInvariant against every booking's lines.
type typeCounts struct {
	event      booking.Counters
	types      map[string]booking.Counters
	waiting    map[string]int64 // per type
	allWaiting int64
	waitingAny int64
}

func (s *seats) typeInvariant(eventID string) typeCounts {
	s.t.Helper()
	out, err := s.db.GetItem(s.ctx, &dynamodb.GetItemInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + eventID}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}}})
	if err != nil {
		s.t.Fatal(err)
	}
	n := func(m map[string]types.AttributeValue, k string) int64 {
		v, _ := m[k].(*types.AttributeValueMemberN)
		if v == nil {
			return 0
		}
		x, _ := strconv.ParseInt(v.Value, 10, 64)
		return x
	}
	c := typeCounts{types: map[string]booking.Counters{}, waiting: map[string]int64{},
		event: booking.Counters{Capacity: n(out.Item, "capacity"), Available: n(out.Item, "available"), Held: n(out.Item, "held"),
			Sold: n(out.Item, "sold"), Offering: n(out.Item, "offering")},
		allWaiting: n(out.Item, "waiting"), waitingAny: n(out.Item, "waiting_any")}
	var typesWaiting int64
	for id, av := range out.Item["tt"].(*types.AttributeValueMemberM).Value {
		m := av.(*types.AttributeValueMemberM).Value
		c.types[id] = booking.Counters{Capacity: n(m, "capacity"), Available: n(m, "available"), Held: n(m, "held"),
			Sold: n(m, "sold"), Offering: n(m, "offering")}
		c.waiting[id] = n(m, "waiting")
		typesWaiting += c.waiting[id]
	}
	var orders []booking.OrderSeats
	for cursor := ""; ; {
		p, err := s.store.ListEventBookings(s.ctx, eventID, booking.ListFilter{Limit: 100, Cursor: cursor})
		if err != nil {
			s.t.Fatal(err)
		}
		for _, b := range p.Items {
			orders = append(orders, booking.OrderSeats{Status: b.Status, Lines: b.OrderLines()})
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if bad := booking.CheckTypeInvariant(c.event, c.types, orders); len(bad) > 0 {
		s.t.Fatalf("type invariant broken: %v", bad)
	}
	if c.allWaiting != typesWaiting+c.waitingAny {
		s.t.Fatalf("waiting = %d, but the types count %d and waiting_any %d", c.allWaiting, typesWaiting, c.waitingAny)
	}
	return c
}

func (s *seats) offerTo(user, eventID string) *booking.Booking {
	s.t.Helper()
	v := s.me(user, eventID)
	if v.Status != waitlist.Offered || v.Offer == nil {
		s.t.Fatalf("%s: entry %+v, want an offer", user, v)
	}
	b, err := s.store.GetBooking(s.ctx, v.Offer.BookingID)
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

func (s *seats) offerSeats(eventID string, offers, returned int) {
	s.t.Helper()
	r, err := s.waiting.OfferSeats(s.ctx, eventID, s.now)
	if err != nil {
		s.t.Fatal(err)
	}
	if r.Offers != offers || r.Returned != int64(returned) {
		s.t.Fatalf("offer round = %+v, want %d offers and %d seats returned", r, offers, returned)
	}
}

// A typed event's line is per type: entries for type A, type B and any type; seats freed
// of a type go to those waiting for it first, then to whoever waits for any type; a type
// nobody waits for keeps selling; the invariant per type holds after every step.
func TestWaitlistPerTicketType(t *testing.T) {
	s := newSeats(t)
	e := s.typedOnSale(7, catalog.TicketTypeInput{Name: "A", Price: &catalog.Money{Amount: 1000, Currency: "USD"}, Capacity: 3},
		catalog.TicketTypeInput{Name: "B", Price: &catalog.Money{Amount: 3000, Currency: "USD"}, Capacity: 4})
	ev, a, b := e.ID, e.Types[0].ID, e.Types[1].ID
	if e.Types[0].Name != "A" {
		a, b = b, a
	}
	a1, a2 := s.order(ev, a, "a1", 1), s.order(ev, a, "a2", 1)
	b1, b2 := s.order(ev, b, "b1", 1), s.order(ev, b, "b2", 1)
	s.order(ev, b, "b3", 1)

	// wA wants 2 of A, which has 1 left: the sold-out reservation puts it in A's line,
	// and that one seat goes to the line with it.
	_, err := s.onsale.ReserveOrder(s.ctx, "wA", ev, booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: a, Quantity: 2}}}, "k-wA", true, s.now)
	fe, ok := fault.As(err)
	if !ok || fe.Code != fault.SoldOut {
		t.Fatalf("reserve 2 of A with 1 left: %v, want sold_out", err)
	}
	if _, ok := fe.Extra["waitlist"].(onsale.Place); !ok {
		t.Fatalf("sold_out carries %+v, want a place in line", fe.Extra)
	}
	if v := s.me("wA", ev); v.TicketTypeID != a || v.Quantity != 2 {
		t.Fatalf("wA's entry = %+v, want 2 of A", v)
	}
	c := s.typeInvariant(ev)
	if c.types[a].Available != 0 || c.types[a].Offering != 1 || c.waiting[a] != 1 || c.event.Available != 1 || c.event.Offering != 1 {
		t.Fatalf("after wA joined: %+v", c)
	}
	s.offerSeats(ev, 0, 0) // 1 seat of A is too few for wA, and stays in A's line

	// Someone waiting for A does not stop B's sale.
	s.order(ev, b, "b4", 1)
	if _, _, err := s.waiting.Join(s.ctx, "wB", ev, b, 1, s.now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.waiting.Join(s.ctx, "wAny", ev, "", 1, s.now.Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	c = s.typeInvariant(ev)
	if c.allWaiting != 3 || c.waitingAny != 1 || c.waiting[a] != 1 || c.waiting[b] != 1 || c.event.Available != 0 {
		t.Fatalf("three waiting: %+v", c)
	}
	for _, ty := range []string{a, b} {
		_, err := s.booking.ReserveOrder(s.ctx, "late", ev, booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: ty, Quantity: 1}}}, "k-late-"+ty, s.now)
		wantCode(t, err, fault.SoldOut)
	}
	// Bad joins: an unknown type, more than a type's max_per_order.
	_, _, err = s.waiting.Join(s.ctx, "x", ev, "nope", 1, s.now)
	wantCode(t, err, fault.Validation)

	// A seat of B freed: B's line takes it (wB), not the any-type entry; A's one seat in
	// line is too few for wA, so the next that fits (wAny, FIFO first fit) takes it,
	// which counts against the starvation guard of wA.
	if _, err := s.booking.Cancel(s.ctx, "b1", b1, s.now); err != nil {
		t.Fatal(err)
	}
	if c = s.typeInvariant(ev); c.types[b].Offering != 1 || c.types[b].Available != 0 {
		t.Fatalf("after b1 cancelled: %+v", c)
	}
	s.offerSeats(ev, 2, 0)
	hold := s.offerTo("wB", ev)
	if len(hold.Lines) != 1 || hold.Lines[0].TicketTypeID != b || hold.Total.Amount != 3000 || hold.Quantity != 1 {
		t.Fatalf("wB's offer = %+v, want one line of B at 3000", hold)
	}
	if hold = s.offerTo("wAny", ev); hold.Lines[0].TicketTypeID != a || hold.Total.Amount != 1000 {
		t.Fatalf("wAny's offer = %+v, want 1 of A", hold)
	}
	if v := s.me("wA", ev); v.Status != waitlist.Waiting || v.Position != 1 {
		t.Fatalf("wA = %+v, want first in line", v)
	}
	s.typeInvariant(ev)

	// Seats of A freed one by one collect in A's line until wA's two fit.
	if _, err := s.booking.Cancel(s.ctx, "a1", a1, s.now); err != nil {
		t.Fatal(err)
	}
	if c = s.typeInvariant(ev); c.types[a].Offering != 1 {
		t.Fatalf("after a1 cancelled: %+v", c)
	}
	s.offerSeats(ev, 0, 0)
	if _, err := s.booking.Cancel(s.ctx, "a2", a2, s.now); err != nil {
		t.Fatal(err)
	}
	s.typeInvariant(ev)
	s.offerSeats(ev, 1, 0)
	if hold = s.offerTo("wA", ev); hold.Lines[0].TicketTypeID != a || hold.Quantity != 2 || hold.Total.Amount != 2000 {
		t.Fatalf("wA's offer = %+v, want 2 of A at 1000", hold)
	}
	c = s.typeInvariant(ev)
	if c.allWaiting != 0 || c.waitingAny != 0 || c.event.Offering != 0 {
		t.Fatalf("nobody waits: %+v", c)
	}

	// Nobody waits: a freed seat of B is for sale again, and wB declining gives another.
	if _, err := s.booking.Cancel(s.ctx, "b2", b2, s.now); err != nil {
		t.Fatal(err)
	}
	if c = s.typeInvariant(ev); c.types[b].Available != 1 || c.types[b].Offering != 0 {
		t.Fatalf("after b2 cancelled: %+v", c)
	}
	if _, err := s.waiting.Leave(s.ctx, "wB", ev, s.now); err != nil {
		t.Fatal(err)
	}
	if c = s.typeInvariant(ev); c.types[b].Available != 2 || c.event.Available != 2 {
		t.Fatalf("after wB declined: %+v", c)
	}
	s.order(ev, b, "late2", 2)
	// The offers confirm like any hold.
	if _, err := s.booking.Confirm(s.ctx, "wA", s.me("wA", ev).Offer.BookingID, "pm_card_visa", "k-confirm-wA", s.now); err != nil {
		t.Fatal(err)
	}
	if c = s.typeInvariant(ev); c.types[a].Sold != 2 {
		t.Fatalf("after wA confirmed: %+v", c)
	}
}

// Leftover seats of a join go only to types someone waits for; a type nobody waits for
// any more gives its offering seats back at the end of the round.
func TestWaitlistPerTypeReturnsWhatNobodyWaitsFor(t *testing.T) {
	s := newSeats(t)
	e := s.typedOnSale(4, catalog.TicketTypeInput{Name: "A", Price: &catalog.Money{Amount: 1000, Currency: "USD"}, Capacity: 2},
		catalog.TicketTypeInput{Name: "B", Price: &catalog.Money{Amount: 3000, Currency: "USD"}, Capacity: 2})
	ev, a, b := e.ID, e.Types[0].ID, e.Types[1].ID
	if e.Types[0].Name != "A" {
		a, b = b, a
	}
	a1 := s.order(ev, a, "a1", 1)
	s.order(ev, a, "a2", 1)
	b1 := s.order(ev, b, "b1", 1)
	// One of B is free, so an any-type entry for one seat may not join...
	_, _, err := s.waiting.Join(s.ctx, "any1", ev, "", 1, s.now)
	wantCode(t, err, fault.Conflict)
	// ...but one for two may, and takes B's free seat into the line.
	if _, _, err := s.waiting.Join(s.ctx, "any2", ev, "", 2, s.now); err != nil {
		t.Fatal(err)
	}
	if c := s.typeInvariant(ev); c.types[b].Offering != 1 || c.types[a].Offering != 0 || c.waitingAny != 1 {
		t.Fatalf("after any2 joined: %+v", c)
	}
	if _, err := s.booking.Cancel(s.ctx, "b1", b1, s.now); err != nil {
		t.Fatal(err)
	}
	s.offerSeats(ev, 1, 0)
	if hold := s.offerTo("any2", ev); hold.Lines[0].TicketTypeID != b || hold.Quantity != 2 || hold.Total.Amount != 6000 {
		t.Fatalf("any2's offer = %+v, want 2 of B", hold)
	}
	s.typeInvariant(ev)
	// Declined with nobody else waiting: B is for sale again.
	if _, err := s.booking.Cancel(s.ctx, "any2", s.me("any2", ev).Offer.BookingID, s.now); err != nil {
		t.Fatal(err)
	}
	if c := s.typeInvariant(ev); c.types[b].Available != 2 || c.event.Offering != 0 {
		t.Fatalf("after any2 declined: %+v", c)
	}

	if _, _, err := s.waiting.Join(s.ctx, "wb", ev, b, 3, s.now); !fault.Is(err, fault.Validation) {
		t.Fatalf("3 of B (max_per_order 2): %v, want validation", err)
	}
	if _, _, err := s.waiting.Join(s.ctx, "wa", ev, a, 2, s.now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.booking.Cancel(s.ctx, "a1", a1, s.now); err != nil {
		t.Fatal(err)
	}
	s.offerSeats(ev, 0, 0)  // one seat of A is too few for wa: it stays in A's line
	s.order(ev, b, "b2", 1) // A's line does not stop B
	if _, err := s.waiting.Leave(s.ctx, "wa", ev, s.now); err != nil {
		t.Fatal(err)
	}
	s.offerSeats(ev, 0, 1)
	if c := s.typeInvariant(ev); c.allWaiting != 0 || c.event.Offering != 0 || c.types[a].Available != 1 || c.event.Available != 2 {
		t.Fatalf("after wa left: %+v", c)
	}
}

// Cancelling a confirmed booking of two types refunds each line by the event's policy
// (rounded up per line), records the amounts per line, takes each line's refund off its
// type's revenue, and the freed seats of each type go where that type's waiters are.
func TestCancelRefundsPerLine(t *testing.T) {
	s := newSeats(t)
	e := s.typedOnSale(5, catalog.TicketTypeInput{Name: "A", Price: &catalog.Money{Amount: 3333, Currency: "USD"}, Capacity: 2},
		catalog.TicketTypeInput{Name: "B", Price: &catalog.Money{Amount: 1001, Currency: "USD"}, Capacity: 3})
	ev, a, b := e.ID, e.Types[0].ID, e.Types[1].ID
	if e.Types[0].Name != "A" {
		a, b = b, a
	}
	// Half back until the start.
	_, err := s.db.UpdateItem(s.ctx, &dynamodb.UpdateItemInput{TableName: &s.table,
		Key:              map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + ev}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}},
		UpdateExpression: aws.String("SET refund_policy = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"hours_before": &types.AttributeValueMemberN{Value: "0"}, "percent": &types.AttributeValueMemberN{Value: "50"}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.booking.ReserveOrder(s.ctx, "buyer", ev, booking.OrderRequest{Items: []booking.OrderItem{
		{TicketTypeID: a, Quantity: 2}, {TicketTypeID: b, Quantity: 1}}}, "k-buyer", s.now)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Booking.ID
	if _, err := s.booking.Confirm(s.ctx, "buyer", id, "pm_card_visa", "k-confirm", s.now); err != nil {
		t.Fatal(err)
	}
	s.order(ev, b, "other", 2)
	// Someone waits for A: A's seats go to the line, B's back on sale.
	if _, _, err := s.waiting.Join(s.ctx, "wA", ev, a, 1, s.now); err != nil {
		t.Fatal(err)
	}
	out, err := s.booking.Cancel(s.ctx, "buyer", id, s.now)
	if err != nil {
		t.Fatal(err)
	}
	// A: 2 x 3333 = 6666 -> 3333; B: 1001 -> 500.5 -> 501.
	want := []booking.LineRefund{{TicketTypeID: a, Amount: booking.Money{Amount: 3333, Currency: "USD"}},
		{TicketTypeID: b, Amount: booking.Money{Amount: 501, Currency: "USD"}}}
	stored, err := s.store.GetBooking(s.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*booking.Refund{out.Refund, stored.Refund} {
		if r == nil || r.Amount.Amount != 3834 || r.Percent != 50 || len(r.Lines) != 2 || r.Lines[0] != want[0] || r.Lines[1] != want[1] {
			t.Fatalf("refund = %+v, want 3834 as %+v", r, want)
		}
	}
	st, err := s.store.Stats(s.ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	rev := map[string]int64{}
	for _, ts := range st.TicketTypes {
		rev[ts.TicketTypeID] = ts.Revenue.Amount
	}
	if st.Revenue.Amount != 7667-3834 || rev[a] != 6666-3333 || rev[b] != 1001-501 {
		t.Fatalf("revenue = %d, by type %v", st.Revenue.Amount, rev)
	}
	c := s.typeInvariant(ev)
	if c.types[a].Offering != 2 || c.types[b].Available != 1 || c.types[b].Offering != 0 {
		t.Fatalf("after the cancellation: %+v", c)
	}
}
