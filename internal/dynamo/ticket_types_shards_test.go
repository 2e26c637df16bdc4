package dynamo_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/inventory"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
)

// typeNow is the event's type called name as it reads now (counters summed over the shards).
func (s *seats) typeNow(eventID, name string) catalog.TicketType {
	s.t.Helper()
	e, err := s.cat.GetEvent(s.ctx, eventID)
	if err != nil {
		s.t.Fatal(err)
	}
	return typeNamed(s.t, e, name)
}

// Every admin edit of a type on a published 8-shard event with seats of every type
// taken: each lands on the type item, the event item and all eight shards at once, keeps
// the type invariant per shard and in total, and a refused one changes nothing.
func TestTypeEditsOnAShardedEvent(t *testing.T) {
	s := newSeats(t)
	types := catalog.NewTypeService(dynamo.New(s.db, s.table), time.Now)
	e := s.onSaleTypedSharded(200, 8, typeInput("Floor", 5000, 120), typeInput("Seated", 3000, 80))
	floor, seated := typeNamed(t, e, "Floor"), typeNamed(t, e, "Seated")
	for i := range 6 {
		order := booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: floor.ID, Quantity: 2}, {TicketTypeID: seated.ID, Quantity: 1}}}
		if _, err := s.booking.ReserveOrder(s.ctx, fmt.Sprintf("buyer-%d", i), e.ID, order, fmt.Sprintf("k-%d", i), s.now); err != nil {
			t.Fatal(err)
		}
	}
	s.typedShardInvariant(e.ID, 8, 200)
	unchanged := func(before []shard, err error, code fault.Code) {
		t.Helper()
		wantCode(t, err, code)
		if after := readShards(t, s.db, s.table, e.ID, 8); !reflect.DeepEqual(before, after) {
			t.Fatalf("a refused edit changed the shards:\n%+v\n%+v", before, after)
		}
	}
	revs := func(id string, rev int64) {
		t.Helper()
		for k, sh := range readShards(t, s.db, s.table, e.ID, 8) {
			if sh.TT[id].Rev != rev {
				t.Errorf("shard %d: type %s at rev %d, want %d", k, id, sh.TT[id].Rev, rev)
			}
		}
	}

	// Add: the quota split over the shards, beside quotas that already sum to the cap.
	late, err := types.CreateTicketType(s.ctx, "admin-1", "late", e.ID, typeInput("Late", 2000, 30))
	if err != nil {
		t.Fatal(err)
	}
	want := inventory.Split(30, 8)
	s.typedShardInvariant(e.ID, 8, 200)
	for k, sh := range readShards(t, s.db, s.table, e.ID, 8) {
		if c := sh.TT[late.ID]; c.Capacity != want[k] || c.Available != want[k] || c.Rev != late.Version {
			t.Errorf("shard %d: Late %+v", k, c)
		}
	}
	if c := s.typeNow(e.ID, "Late").Counters; c.Capacity != 30 || c.Available != 30 {
		t.Fatalf("Late summed %+v", c)
	}
	late = s.typeNow(e.ID, "Late")
	order := booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: late.ID, Quantity: 1}}}
	if _, err := s.booking.ReserveOrder(s.ctx, "late-buyer", e.ID, order, "k-late", s.now); err != nil {
		t.Fatalf("reserve the added type: %v", err)
	}

	// Resize: growth spread, a cut below what is taken refused naming it, a cut above
	// it taken from free seats.
	up, err := types.UpdateTicketType(s.ctx, e.ID, floor.ID, floor.Version, catalog.TicketTypePatch{Capacity: ptr(int64(130))})
	if err != nil || up.Counters.Capacity != 130 || up.Counters.Available != 118 || up.Counters.Held != 12 {
		t.Fatalf("grow Floor: %+v, %v", up.Counters, err)
	}
	s.typedShardInvariant(e.ID, 8, 200)
	revs(floor.ID, up.Version)
	floor = up
	before := readShards(t, s.db, s.table, e.ID, 8)
	_, err = types.UpdateTicketType(s.ctx, e.ID, floor.ID, floor.Version, catalog.TicketTypePatch{Capacity: ptr(int64(11))})
	unchanged(before, err, fault.Conflict)
	if floor, err = types.UpdateTicketType(s.ctx, e.ID, floor.ID, floor.Version, catalog.TicketTypePatch{Capacity: ptr(int64(100))}); err != nil {
		t.Fatal(err)
	}
	if c := s.typeNow(e.ID, "Floor").Counters; c.Capacity != 100 || c.Available != 88 || c.Held != 12 {
		t.Fatalf("Floor after the cut: %+v", c)
	}
	s.typedShardInvariant(e.ID, 8, 200)

	// Reprice and pause: every shard's rev moves with the definition.
	if seated, err = types.UpdateTicketType(s.ctx, e.ID, seated.ID, seated.Version, catalog.TicketTypePatch{Price: &catalog.Money{Amount: 3500, Currency: "USD"}}); err != nil {
		t.Fatal(err)
	}
	revs(seated.ID, seated.Version)
	if p := s.typeNow(e.ID, "Seated").Price.Amount; p != 3500 {
		t.Fatalf("Seated priced %d", p)
	}
	if late, err = types.UpdateTicketType(s.ctx, e.ID, late.ID, late.Version, catalog.TicketTypePatch{Status: ptr("paused"), Name: ptr("Last call")}); err != nil {
		t.Fatal(err)
	}
	revs(late.ID, late.Version)
	_, err = s.booking.ReserveOrder(s.ctx, "paused-buyer", e.ID, order, "k-paused", s.now)
	wantCode(t, err, fault.NotOnSale)
	s.typedShardInvariant(e.ID, 8, 200)

	// A stale If-Match is 412 and writes nothing.
	before = readShards(t, s.db, s.table, e.ID, 8)
	_, err = types.UpdateTicketType(s.ctx, e.ID, floor.ID, floor.Version-1, catalog.TicketTypePatch{Capacity: ptr(int64(150))})
	unchanged(before, err, fault.VersionConflict)

	// Delete: refused while a seat of the type is held on any shard; an unused type
	// leaves every shard.
	unchanged(before, types.DeleteTicketType(s.ctx, e.ID, late.ID, late.Version), fault.Conflict)
	spare, err := types.CreateTicketType(s.ctx, "admin-1", "spare", e.ID, typeInput("Spare", 1000, 8))
	if err != nil {
		t.Fatal(err)
	}
	before = readShards(t, s.db, s.table, e.ID, 8)
	unchanged(before, types.DeleteTicketType(s.ctx, e.ID, spare.ID, spare.Version+1), fault.VersionConflict)
	if err := types.DeleteTicketType(s.ctx, e.ID, spare.ID, spare.Version); err != nil {
		t.Fatal(err)
	}
	s.typedShardInvariant(e.ID, 8, 200)
	for k, sh := range readShards(t, s.db, s.table, e.ID, 8) {
		if _, ok := sh.TT[spare.ID]; ok || len(sh.TT) != 3 {
			t.Errorf("shard %d after the delete: %+v", k, sh.TT)
		}
	}
	if got, err := s.cat.GetEvent(s.ctx, e.ID); err != nil || len(got.Types) != 3 {
		t.Fatalf("types after the delete: %+v, %v", got.Types, err)
	}
}

// An admin cuts and grows a type's capacity on an 8-shard event while 250 buyers storm
// it: every change lands over all shards in one transaction, a cut only from seats still
// free, so the type never goes below what is taken, nothing is oversold, and the type
// invariant holds on every shard and in total.
func TestTypeCapacityCutDuringAShardedStorm(t *testing.T) {
	s := newSeats(t)
	types := catalog.NewTypeService(dynamo.New(s.db, s.table), time.Now)
	e := s.onSaleTypedSharded(300, 8, typeInput("General", 3000, 200))
	stormed, outcome := s.stormInBackground(e.ID, 250)
	// Every type write moves the type's rev, which sends a reservation in flight back
	// to re-read the event (booking.maxReserveRounds times at most): the edits wait for
	// sales between them, as an organiser's would, rather than land three within one
	// reservation on a slow emulator.
	edits, held := 0, int64(0)
	for _, delta := range []int64{-40, -25, 15} {
		for {
			select {
			case <-stormed:
			default:
				if g := s.typeNow(e.ID, "General"); g.Counters.Held < held+20 {
					time.Sleep(50 * time.Millisecond)
					continue
				}
			}
			break
		}
		edits += s.retryEdit(func() error {
			g := s.typeNow(e.ID, "General")
			held = g.Counters.Held
			_, err := types.UpdateTicketType(s.ctx, e.ID, g.ID, g.Version, catalog.TicketTypePatch{Capacity: ptr(g.Counters.Capacity + delta)})
			return err
		})
	}
	won, codes := outcome()
	s.typedShardInvariant(e.ID, 8, 300)
	g := s.typeNow(e.ID, "General")
	c := g.Counters
	if int64(won) != c.Held || c.Available+c.Held != c.Capacity || c.Capacity >= 200 || len(codes) > 1 || (len(codes) == 1 && codes[fault.SoldOut] == 0) {
		t.Fatalf("won %d, General %+v, refusals %v", won, c, codes)
	}
	t.Logf("%d edits landed; General capacity %d, %d sold during the storm, %d left, %d refused", edits, c.Capacity, won, c.Available, codes[fault.SoldOut])
}

// A buyer whose event cache still has the old price of a type repriced on a sharded
// event is refused by the shard (its rev moved), re-read, and held and charged at the
// new price.
func TestRepriceReachesCachedBuyersOnShards(t *testing.T) {
	s := newSeats(t)
	store := dynamo.NewBookings(s.db, s.table)
	signer, err := tickets.NewSigner("test-signing-key-0123")
	if err != nil {
		t.Fatal(err)
	}
	svc := booking.NewService(booking.Deps{Store: store, Payments: payments.NewSimulated(dynamo.NewPaymentLedger(s.db, s.table)),
		Signer: signer, Events: booking.NewEventCache(store, time.Hour)}, booking.Config{})
	types := catalog.NewTypeService(dynamo.New(s.db, s.table), time.Now)
	e := s.onSaleTypedSharded(40, 4, typeInput("Floor", 5000, 20), typeInput("Seated", 3000, 20))
	floor := typeNamed(t, e, "Floor")
	order := booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: floor.ID, Quantity: 2}}}
	first, err := svc.ReserveOrder(s.ctx, "early", e.ID, order, "k-early", s.now)
	if err != nil || first.Booking.Lines[0].UnitPrice.Amount != 5000 {
		t.Fatalf("first hold: %+v, %v", first.Booking, err)
	}
	floor, err = types.UpdateTicketType(s.ctx, e.ID, floor.ID, floor.Version, catalog.TicketTypePatch{Price: &catalog.Money{Amount: 6500, Currency: "USD"}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := svc.ReserveOrder(s.ctx, "late", e.ID, order, "k-late", s.now)
	if err != nil {
		t.Fatal(err)
	}
	if l := second.Booking.Lines[0]; l.UnitPrice.Amount != 6500 || second.Booking.Total.Amount != 13000 {
		t.Fatalf("held after the reprice at %+v, total %+v", l.UnitPrice, second.Booking.Total)
	}
	paid, err := svc.Confirm(s.ctx, "late", second.Booking.ID, "pm_card_visa", "c-late", s.now)
	if err != nil || paid.Booking.Total.Amount != 13000 || paid.Booking.Status != booking.Confirmed {
		t.Fatalf("confirm: %+v, %v", paid.Booking, err)
	}
	s.typedShardInvariant(e.ID, 4, 40)
}

// An event sharded and published without types sells one type from the shards' own
// counters: adding a type stays refused, naming why.
func TestUntypedShardedEventKeepsOneType(t *testing.T) {
	s := newSeats(t)
	ev := s.onSaleSharded(40, 4, 4)
	_, err := catalog.NewTypeService(dynamo.New(s.db, s.table), time.Now).CreateTicketType(s.ctx, "admin-1", "", ev, typeInput("Late", 1000, 1))
	wantCode(t, err, fault.InvalidTransition)
}

// At the most shards an event may have, a type write is 2 + inventory.MaxShards = 66
// actions: under DynamoDB's 100, accepted as one transaction.
func TestTypeWritesAtMaxShards(t *testing.T) {
	s := newSeats(t)
	types := catalog.NewTypeService(dynamo.New(s.db, s.table), time.Now)
	n := inventory.MaxShards
	e := s.onSaleTypedSharded(int64(2*n), n, typeInput("Floor", 5000, int64(2*n)))
	extra, err := types.CreateTicketType(s.ctx, "admin-1", "extra", e.ID, typeInput("Extra", 1000, int64(n+1)))
	if err != nil {
		t.Fatal(err)
	}
	if extra, err = types.UpdateTicketType(s.ctx, e.ID, extra.ID, extra.Version, catalog.TicketTypePatch{Capacity: ptr(int64(20))}); err != nil {
		t.Fatal(err)
	}
	s.typedShardInvariant(e.ID, n, int64(2*n))
	if err := types.DeleteTicketType(s.ctx, e.ID, extra.ID, extra.Version); err != nil {
		t.Fatal(err)
	}
	s.typedShardInvariant(e.ID, n, int64(2*n))
	for k, sh := range readShards(t, s.db, s.table, e.ID, n) {
		if len(sh.TT) != 1 {
			t.Fatalf("shard %d: %+v", k, sh.TT)
		}
	}
}
