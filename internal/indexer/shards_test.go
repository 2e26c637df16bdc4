package indexer_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/indexer"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/search"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
)

// countingIndex counts the documents the indexer writes (rereads' writes too).
type countingIndex struct {
	*search.Index
	writes atomic.Int64
}

func (c *countingIndex) Apply(ctx context.Context, changes []search.Change) []error {
	c.writes.Add(int64(len(changes)))
	return c.Index.Apply(ctx, changes)
}

// counting makes the pipeline's indexer count its writes.
func (p *pipeline) counting() *countingIndex {
	c := &countingIndex{Index: p.index}
	p.indexer = indexer.New(dynamo.EventFromImage, dynamo.ShardEventID, dynamo.New(p.db, p.table), c)
	return c
}

// bookings is the booking service on the pipeline's table (simulated payments).
func (p *pipeline) bookings() *booking.Service {
	p.t.Helper()
	signer, err := tickets.NewSigner("test-signing-key-0123")
	if err != nil {
		p.t.Fatal(err)
	}
	return booking.NewService(booking.Deps{Store: dynamo.NewBookings(p.db, p.table),
		Payments: payments.NewSimulated(dynamo.NewPaymentLedger(p.db, p.table)), Signer: signer}, booking.Config{})
}

// sharded publishes an event of capacity seats over shards inventory shards, its seats
// in types when any are given, and returns it.
func (p *pipeline) sharded(t testing.TB, ctx context.Context, name string, capacity int64, shards int, types ...catalog.TicketTypeInput) catalog.Event {
	t.Helper()
	v, err := p.svc.CreateVenue(ctx, "admin", "", catalog.VenueInput{Name: "Stadium", Address: "1 Main St", City: "Lisbon", Country: "PT", Capacity: 100000})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	in := catalog.EventInput{Name: name, Category: "live-music", VenueID: v.ID, StartsAt: start.Format(time.RFC3339),
		EndsAt: start.Add(time.Hour).Format(time.RFC3339), Capacity: capacity, InventoryShards: &shards, TicketTypes: types}
	if len(types) == 0 {
		in.Price = &catalog.Money{Amount: 2500, Currency: "USD"}
	}
	e, err := p.svc.CreateEvent(ctx, "admin", "", in)
	if err != nil {
		t.Fatal(err)
	}
	if e, err = p.svc.Publish(ctx, e.ID, 0); err != nil {
		t.Fatal(err)
	}
	return e
}

// await searches for the event by name until its hit satisfies ok, and fails t when it
// never does (the bound is generous: it only stops a broken pipeline). Until the first
// document is written there is no index to search: that is waited out too.
func (p *pipeline) await(t testing.TB, name, id, what string, ok func(search.Hit) bool) {
	t.Helper()
	q, err := search.ParseQuery(func(k string) string { return map[string]string{"q": name}[k] }, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var last search.Hit
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if p.index.Refresh(p.ctx) != nil {
			continue
		}
		r, err := p.index.Search(p.ctx, q)
		if err != nil {
			continue
		}
		for _, h := range r.Items {
			if h.EventID == id {
				if last = h; ok(h) {
					return
				}
			}
		}
	}
	t.Fatalf("search never showed %s %s: last hit available %d, sold_out %v", id, what, last.Available, last.SoldOut)
}

// A sharded event's seats move on its shards, never on its event item: search shows the
// shards' sums, through the real pipe (the template's filters) and queue, sold out once
// every shard is, back on sale after a cancellation; per type for a typed event.
func TestShardedEventInSearch(t *testing.T) {
	p := newPipeline(t)
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	p.run(ctx, p.pipe(ctx))
	bk := p.bookings()

	t.Run("untyped", func(t *testing.T) {
		e := p.sharded(t, ctx, "Quartered Untyped", 20, 4)
		p.await(t, "quartered untyped", e.ID, "on sale with 20", func(h search.Hit) bool { return h.Available == 20 && !h.SoldOut })
		var held []string
		for i := range 20 {
			r, err := bk.Reserve(ctx, fmt.Sprint("buyer-", i), e.ID, 1, fmt.Sprint("key-", i), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, r.Booking.ID)
		}
		p.await(t, "quartered untyped", e.ID, "sold out", func(h search.Hit) bool { return h.SoldOut && h.Available == 0 })
		if _, err := bk.Cancel(ctx, "buyer-7", held[7], time.Now()); err != nil {
			t.Fatal(err)
		}
		p.await(t, "quartered untyped", e.ID, "back on sale with 1", func(h search.Hit) bool { return !h.SoldOut && h.Available == 1 })
	})

	t.Run("typed", func(t *testing.T) {
		floor := catalog.TicketTypeInput{Name: "Floor", Price: &catalog.Money{Amount: 5000, Currency: "USD"}, Capacity: 8}
		seated := catalog.TicketTypeInput{Name: "Seated", Price: &catalog.Money{Amount: 3000, Currency: "USD"}, Capacity: 8}
		e := p.sharded(t, ctx, "Quartered Typed", 16, 4, floor, seated)
		p.await(t, "quartered typed", e.ID, "on sale with 16", func(h search.Hit) bool { return h.Available == 16 && !h.SoldOut })
		ids := map[string]string{}
		for _, ty := range e.Types {
			ids[ty.Name] = ty.ID
		}
		reserve := func(user, typ string) string {
			t.Helper()
			order := booking.OrderRequest{Items: []booking.OrderItem{{TicketTypeID: ids[typ], Quantity: 1}}}
			r, err := bk.ReserveOrder(ctx, user, e.ID, order, user+"-key", time.Now())
			if err != nil {
				t.Fatalf("%s: %v", user, err)
			}
			return r.Booking.ID
		}
		var floors []string
		for i := range 8 {
			floors = append(floors, reserve(fmt.Sprint("floor-", i), "Floor"))
		}
		for i := range 8 {
			reserve(fmt.Sprint("seated-", i), "Seated")
		}
		p.await(t, "quartered typed", e.ID, "sold out", func(h search.Hit) bool { return h.SoldOut && h.Available == 0 })
		if _, err := bk.Cancel(ctx, "floor-2", floors[2], time.Now()); err != nil {
			t.Fatal(err)
		}
		p.await(t, "quartered typed", e.ID, "back on sale with one Floor seat", func(h search.Hit) bool { return !h.SoldOut && h.Available == 1 })
		got, err := p.svc.GetEvent(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ty := range got.Types {
			if want := map[string]int64{"Floor": 1, "Seated": 0}[ty.Name]; ty.Counters.Available != want {
				t.Errorf("%s: %d available, want %d", ty.Name, ty.Counters.Available, want)
			}
		}
	})
}

// BenchmarkShardedOnSaleIndexWrites sells 100 seats (100 buyers reserve one each and
// confirm) and reports how many records the pipe put on the queue and how many documents
// the indexer wrote until search showed the event sold out: unsharded, and over 4
// shards. (Before sharded events were indexed, a 4-shard on-sale queued 1 record, its
// publication, and search never showed it sold out.)
func BenchmarkShardedOnSaleIndexWrites(b *testing.B) {
	for _, shards := range []int{1, 4} {
		b.Run(fmt.Sprint("shards=", shards), func(b *testing.B) {
			for b.Loop() {
				p := newPipeline(b)
				writes := p.counting()
				ctx, cancel := context.WithCancel(p.ctx)
				p.run(ctx, p.pipe(ctx))
				bk := p.bookings()
				name := fmt.Sprint("Hundred Seats ", shards)
				e := p.sharded(b, ctx, name, 100, shards)
				for i := range 100 {
					user := fmt.Sprint("buyer-", i)
					r, err := bk.Reserve(ctx, user, e.ID, 1, user, time.Now())
					if err != nil {
						b.Fatal(err)
					}
					if _, err := bk.Confirm(ctx, user, r.Booking.ID, "pm_card_visa", user+"-confirm", time.Now()); err != nil {
						b.Fatal(err)
					}
				}
				p.await(b, name, e.ID, "sold out", func(h search.Hit) bool { return h.SoldOut })
				// The stream is read in order: once an event published after the on-sale is
				// found, every record of the on-sale has been handled. Its own two records
				// (draft, publication) and one write are not counted.
				sentinel := p.event(ctx, e.VenueID, "Sentinel")
				p.await(b, "sentinel", sentinel, "published", func(search.Hit) bool { return true })
				cancel()
				b.ReportMetric(float64(p.received.Load()-2), "records")
				b.ReportMetric(float64(writes.writes.Load()-1), "index-writes")
			}
		})
	}
}
