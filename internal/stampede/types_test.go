package stampede_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/payments"
)

// typeSpec is one ticket type of a seeded event.
type typeSpec struct {
	id       string
	name     string
	capacity int
	price    int
	max      int
	hidden   bool
}

// typedEvent is a seeded event with stored ticket types, written as the catalogue writes
// them (docs/ticket-types.md): the tt map on the event item and one TYPE# item per type.
type typedEvent struct {
	id    string
	types []typeSpec
}

func nAV(v int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }
func sAV(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func (h *harness) seedTyped(capacity, max int, ts ...typeSpec) typedEvent {
	h.t.Helper()
	ctx := context.Background()
	id := h.seedEvent(eventSpec{capacity: capacity, price: ts[0].price, max: max})
	tt := map[string]types.AttributeValue{}
	for i := range ts {
		if ts[i].id == "" {
			ts[i].id = fmt.Sprintf("%s-type-%d", id, i)
		}
		t := ts[i]
		tt[t.id] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"capacity": nAV(t.capacity), "available": nAV(t.capacity), "held": nAV(0), "sold": nAV(0),
			"offering": nAV(0), "waiting": nAV(0), "rev": nAV(1)}}
		_, err := h.raw.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(h.table), Item: map[string]types.AttributeValue{
			"pk": sAV("EVENT#" + id), "sk": sAV("TYPE#" + t.id), "ticket_type_id": sAV(t.id), "event_id": sAV(id),
			"name": sAV(t.name), "price_amount": nAV(t.price), "price_currency": sAV("USD"), "max_per_order": nAV(t.max),
			"hidden": &types.AttributeValueMemberBOOL{Value: t.hidden}, "status": sAV("on_sale"), "sort_order": nAV(i), "version": nAV(1)}})
		if err != nil {
			h.t.Fatalf("seed type: %v", err)
		}
	}
	h.setEvent(id, "SET tt = :tt, waiting_any = :zero", map[string]types.AttributeValue{
		":tt": &types.AttributeValueMemberM{Value: tt}, ":zero": nAV(0)})
	return typedEvent{id: id, types: ts}
}

// seedCode writes a promo code item as the catalogue writes it.
func (h *harness) seedCode(eventID, code string, percentBP, maxUses int) {
	h.t.Helper()
	_, err := h.raw.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(h.table), Item: map[string]types.AttributeValue{
		"pk": sAV("EVENT#" + eventID + "#PROMO"), "sk": sAV(code), "code": sAV(code), "event_id": sAV(eventID),
		"discount_type": sAV("percent"), "percent_off_bp": nAV(percentBP), "max_uses": nAV(maxUses), "uses": nAV(0),
		"unlocks_hidden": &types.AttributeValueMemberBOOL{Value: true}, "rev": nAV(1), "version": nAV(1)}})
	if err != nil {
		h.t.Fatalf("seed code: %v", err)
	}
}

func (h *harness) codeUses(eventID, code string) int64 {
	h.t.Helper()
	out, err := h.raw.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(h.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": sAV("EVENT#" + eventID + "#PROMO"), "sk": sAV(code)}})
	if err != nil {
		h.t.Fatal(err)
	}
	n, _ := strconv.ParseInt(out.Item["uses"].(*types.AttributeValueMemberN).Value, 10, 64)
	return n
}

// typedService is the harness's service with a promo code cache, its event cache warm
// with eventID (as on a busy instance: a storm of cold reads is not what is under test).
func (h *harness) typedService(cfg booking.Config, eventID string) *booking.Service {
	events := booking.NewEventCache(h.store, time.Minute)
	if _, err := events.Get(context.Background(), eventID, time.Now()); err != nil {
		h.t.Fatalf("warm the event cache: %v", err)
	}
	return booking.NewService(booking.Deps{Store: h.store, Payments: h.pay, Signer: h.signer,
		Events: events, Codes: booking.NewCodeCache(h.store, time.Minute)}, cfg)
}

// typeInvariant reads the event item's counters and tt map and every booking, and checks
// booking.CheckTypeInvariant; it returns the types' counters.
func (h *harness) typeInvariant(ev typedEvent) (booking.Counters, map[string]booking.Counters) {
	h.t.Helper()
	ctx := context.Background()
	out, err := h.raw.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(h.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": sAV("EVENT#" + ev.id), "sk": sAV("EVENT")}})
	if err != nil {
		h.t.Fatal(err)
	}
	num := func(m map[string]types.AttributeValue, k string) int64 {
		v, _ := m[k].(*types.AttributeValueMemberN)
		if v == nil {
			return 0
		}
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	event := booking.Counters{Capacity: num(out.Item, "capacity"), Available: num(out.Item, "available"),
		Held: num(out.Item, "held"), Sold: num(out.Item, "sold"), Offering: num(out.Item, "offering")}
	per := map[string]booking.Counters{}
	for id, av := range out.Item["tt"].(*types.AttributeValueMemberM).Value {
		m := av.(*types.AttributeValueMemberM).Value
		per[id] = booking.Counters{Capacity: num(m, "capacity"), Available: num(m, "available"), Held: num(m, "held"),
			Sold: num(m, "sold"), Offering: num(m, "offering")}
	}
	var orders []booking.OrderSeats
	cursor := ""
	for {
		p, err := h.store.ListEventBookings(ctx, ev.id, booking.ListFilter{Limit: 100, Cursor: cursor})
		if err != nil {
			h.t.Fatal(err)
		}
		for _, b := range p.Items {
			orders = append(orders, booking.OrderSeats{Status: b.Status, Lines: b.OrderLines()})
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if bad := booking.CheckTypeInvariant(event, per, orders); len(bad) > 0 {
		h.t.Fatalf("type invariant broken: %q", bad)
	}
	return event, per
}

// orderStorm runs one buyer per order, all released at once, and returns the seats won
// per type, the winners and the refusal codes.
func orderStorm(t *testing.T, svc *booking.Service, eventID string, orders []booking.OrderRequest) (map[string]int, int, map[fault.Code]int) {
	t.Helper()
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		start   = make(chan struct{})
		won     = map[string]int{}
		winners int
		codes   = map[fault.Code]int{}
	)
	for i, o := range orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// A buyer answered 503 (contention outlasted the request) retries with the
			// same key, as the API asks; the key makes the retry safe.
			var (
				res booking.Result
				err error
			)
			for range 5 {
				res, err = svc.ReserveOrder(context.Background(), fmt.Sprintf("buyer-%d", i), eventID, o, fmt.Sprintf("key-%d", i), time.Now())
				if !fault.Is(err, fault.Unavailable) {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fe, ok := fault.As(err)
				if !ok {
					t.Errorf("buyer %d: %v", i, err)
					return
				}
				codes[fe.Code]++
				return
			}
			winners++
			for _, l := range viewOf(t, res).Lines {
				won[l.TicketTypeID] += l.Quantity
			}
		}()
	}
	close(start)
	wg.Wait()
	return won, winners, codes
}

func item(id string, q int) booking.OrderItem {
	return booking.OrderItem{TicketTypeID: id, Quantity: q}
}

func order(items ...booking.OrderItem) booking.OrderRequest {
	return booking.OrderRequest{Items: items}
}

func TestTypedStampedes(t *testing.T) {
	t.Run("300 buyers for 299 seats of one type", func(t *testing.T) {
		h := newHarness(t, booking.Config{})
		ev := h.seedTyped(299, 4, typeSpec{name: "General", capacity: 299, price: 5000, max: 4})
		g := ev.types[0].id
		orders := make([]booking.OrderRequest, 300)
		for i := range orders {
			orders[i] = order(item(g, 1))
		}
		won, winners, codes := orderStorm(t, h.typedService(booking.Config{}, ev.id), ev.id, orders)
		if won[g] != 299 || winners != 299 || codes[fault.SoldOut] != 1 {
			t.Fatalf("won %v by %d winners, refusals %v; want 299 seats, 1 sold_out", won, winners, codes)
		}
		_, per := h.typeInvariant(ev)
		t.Logf("one type: sold %d of 299 (available %d)", won[g], per[g].Available)
	})
	t.Run("two types under a mixed storm never oversell", func(t *testing.T) {
		h := newHarness(t, booking.Config{})
		ev := h.seedTyped(400, 6, typeSpec{name: "VIP", capacity: 50, price: 20000, max: 4},
			typeSpec{name: "General", capacity: 300, price: 5000, max: 6})
		vip, gen := ev.types[0].id, ev.types[1].id
		var orders []booking.OrderRequest
		for i := range 240 {
			switch i % 3 {
			case 0:
				orders = append(orders, order(item(vip, 1+i%2)))
			case 1:
				orders = append(orders, order(item(gen, 1+i%4)))
			default:
				orders = append(orders, order(item(vip, 1), item(gen, 2)))
			}
		}
		won, _, codes := orderStorm(t, h.typedService(booking.Config{}, ev.id), ev.id, orders)
		event, per := h.typeInvariant(ev)
		if won[vip] > 50 || won[gen] > 300 || per[vip].Held != int64(won[vip]) || per[gen].Held != int64(won[gen]) {
			t.Fatalf("won %v, counters %v", won, per)
		}
		if won[vip] != 50 {
			t.Errorf("VIP sold %d of 50 with more demand than seats", won[vip])
		}
		t.Logf("two types: VIP %d/50, General %d/300, event held %d/400, refusals %v", won[vip], won[gen], event.Held, codes)
	})
	t.Run("an event cap below the sum of types is never exceeded", func(t *testing.T) {
		h := newHarness(t, booking.Config{})
		ev := h.seedTyped(100, 4, typeSpec{name: "A", capacity: 80, price: 1000, max: 4},
			typeSpec{name: "B", capacity: 80, price: 1000, max: 4})
		a, b := ev.types[0].id, ev.types[1].id
		var orders []booking.OrderRequest
		for i := range 120 {
			orders = append(orders, order(item([]string{a, b}[i%2], 1+i%2)))
		}
		won, _, codes := orderStorm(t, h.typedService(booking.Config{}, ev.id), ev.id, orders)
		event, _ := h.typeInvariant(ev)
		if won[a]+won[b] > 100 || event.Held != int64(won[a]+won[b]) {
			t.Fatalf("won %v, event %+v", won, event)
		}
		if event.Available > 1 {
			t.Errorf("demand of 180 left %d of the event's 100 seats unsold", event.Available)
		}
		t.Logf("cap 100 over 80+80: A %d, B %d, event held %d, refusals %v", won[a], won[b], event.Held, codes)
	})
	t.Run("2 VIP + 3 General with 1 VIP left holds nothing", func(t *testing.T) {
		h := newHarness(t, booking.Config{})
		ev := h.seedTyped(100, 10, typeSpec{name: "VIP", capacity: 1, price: 20000, max: 4},
			typeSpec{name: "General", capacity: 99, price: 5000, max: 6})
		vip, gen := ev.types[0].id, ev.types[1].id
		svc := h.typedService(booking.Config{}, ev.id)
		_, err := svc.ReserveOrder(context.Background(), "u", ev.id, order(item(vip, 2), item(gen, 3)), "k", time.Now())
		fe, ok := fault.As(err)
		if !ok || fe.Code != fault.SoldOut {
			t.Fatalf("err = %v, want sold_out", err)
		}
		short, _ := fe.Extra["sold_out"].([]booking.Shortage)
		if len(short) != 1 || short[0].TicketTypeID != vip || short[0].Available != 1 {
			t.Errorf("sold_out = %+v, want VIP with 1 left", fe.Extra["sold_out"])
		}
		event, per := h.typeInvariant(ev)
		if event.Held != 0 || per[vip].Available != 1 || per[gen].Available != 99 {
			t.Errorf("something was held: event %+v types %+v", event, per)
		}
	})
}

func TestTypedOrderLifecycle(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ev := h.seedTyped(100, 10, typeSpec{name: "VIP", capacity: 10, price: 20000, max: 4},
		typeSpec{name: "General", capacity: 90, price: 5000, max: 6},
		typeSpec{name: "Crew", capacity: 5, price: 1000, max: 2, hidden: true})
	vip, gen, crew := ev.types[0].id, ev.types[1].id, ev.types[2].id
	h.seedCode(ev.id, "HALF", 5000, 0)
	svc := h.typedService(booking.Config{}, ev.id)
	ctx := context.Background()
	now := time.Now()

	// Bad input: each a 4xx naming the field, nothing held.
	bad := []struct {
		order booking.OrderRequest
		field string
	}{
		{order(item("nope", 1)), "items[0].ticket_type_id"},
		{order(item(crew, 1)), "items[0].ticket_type_id"}, // hidden without its code
		{order(item(vip, 0)), "items[0].quantity"},
		{order(item(vip, 5)), "items[0].quantity"},
		{booking.OrderRequest{Items: []booking.OrderItem{item(vip, 1)}, PromoCode: "NOSUCH"}, "promo_code"},
		{booking.OrderRequest{Quantity: new(2)}, "quantity"}, // several public types
	}
	for i, c := range bad {
		_, err := svc.ReserveOrder(ctx, "bad", ev.id, c.order, fmt.Sprintf("bad-%d", i), now)
		if fe, ok := fault.As(err); !ok || fe.Code != fault.Validation || fe.Fields[c.field] == "" {
			t.Errorf("case %d: err = %v, want validation naming %s", i, err, c.field)
		}
	}

	res, err := svc.ReserveOrder(ctx, "alice", ev.id, booking.OrderRequest{
		Items: []booking.OrderItem{item(vip, 2), item(gen, 3), item(crew, 1)}, PromoCode: "half"}, "k1", now)
	if err != nil {
		t.Fatal(err)
	}
	b := res.Booking
	v := b.View()
	if len(v.Lines) != 3 || v.Subtotal.Amount != 2*20000+3*5000+1000 || v.Discount.Amount != v.Subtotal.Amount/2 || v.Total.Amount != v.Subtotal.Amount/2 || v.PromoCode != "HALF" {
		t.Fatalf("view = %+v", v)
	}
	if h.codeUses(ev.id, "HALF") != 1 {
		t.Errorf("uses = %d, want 1", h.codeUses(ev.id, "HALF"))
	}
	stored, err := svc.Get(ctx, "alice", b.ID)
	if err != nil || len(stored.Lines) != 3 || stored.Total != b.Total {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	h.typeInvariant(ev)

	// Cancelled before payment: seats back per type, the code's use given back.
	if _, err := svc.Cancel(ctx, "alice", b.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, per := h.typeInvariant(ev); per[vip].Available != 10 || per[crew].Available != 5 {
		t.Errorf("after cancel: %+v", per)
	}
	if h.codeUses(ev.id, "HALF") != 0 {
		t.Errorf("uses after cancel = %d, want 0", h.codeUses(ev.id, "HALF"))
	}

	// Confirmed: held moves to sold per type; cancelled after, the seats come back.
	res, err = svc.ReserveOrder(ctx, "bob", ev.id, order(item(vip, 1), item(gen, 2)), "k2", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Confirm(ctx, "bob", res.Booking.ID, payments.MethodSucceeds, "c2", now); err != nil {
		t.Fatal(err)
	}
	if _, per := h.typeInvariant(ev); per[vip].Sold != 1 || per[gen].Sold != 2 {
		t.Errorf("after confirm: %+v", per)
	}
	if _, err := svc.Cancel(ctx, "bob", res.Booking.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, per := h.typeInvariant(ev); per[vip].Available != 10 || per[gen].Available != 90 {
		t.Errorf("after cancelling the confirmed booking: %+v", per)
	}

	// Expired holds give their seats and code use back too.
	res, err = svc.ReserveOrder(ctx, "carol", ev.id, booking.OrderRequest{Items: []booking.OrderItem{item(vip, 1)}, PromoCode: "HALF"}, "k3", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Expire(ctx, res.Booking, res.Booking.ExpiresAt.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, per := h.typeInvariant(ev); per[vip].Available != 10 || h.codeUses(ev.id, "HALF") != 0 {
		t.Errorf("after expiry: %+v, uses %d", per, h.codeUses(ev.id, "HALF"))
	}

	// A per-type limit per user: VIP max 4 across orders.
	if _, err := svc.ReserveOrder(ctx, "dave", ev.id, order(item(vip, 3)), "d1", now); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ReserveOrder(ctx, "dave", ev.id, order(item(vip, 2)), "d2", now)
	if fe, ok := fault.As(err); !ok || fe.Code != fault.LimitExceeded {
		t.Errorf("fifth VIP seat for dave: %v, want limit_exceeded", err)
	}
	h.typeInvariant(ev)
}

func TestPromoCodeRace(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ev := h.seedTyped(500, 4, typeSpec{name: "General", capacity: 500, price: 5000, max: 4})
	h.seedCode(ev.id, "TEN", 1000, 10)
	g := ev.types[0].id
	orders := make([]booking.OrderRequest, 100)
	for i := range orders {
		orders[i] = booking.OrderRequest{Items: []booking.OrderItem{item(g, 1)}, PromoCode: "ten"}
	}
	won, winners, codes := orderStorm(t, h.typedService(booking.Config{}, ev.id), ev.id, orders)
	if winners != 10 || won[g] != 10 || codes[fault.Validation] != 90 || h.codeUses(ev.id, "TEN") != 10 {
		t.Fatalf("%d winners (%v), refusals %v, uses %d; want exactly 10", winners, won, codes, h.codeUses(ev.id, "TEN"))
	}
	h.typeInvariant(ev)
	t.Logf("100 buyers for a 10-use code: %d holds, %d refused (promo_code used up)", winners, codes[fault.Validation])
}

// The legacy body still buys an event whose one type is stored.
func TestLegacyQuantityOnOneStoredType(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ev := h.seedTyped(10, 4, typeSpec{name: "General", capacity: 10, price: 5000, max: 4})
	res, err := h.typedService(booking.Config{}, ev.id).Reserve(context.Background(), "u", ev.id, 2, "k", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if l := res.Booking.OrderLines(); len(l) != 1 || l[0].TicketTypeID != ev.types[0].id || l[0].Quantity != 2 {
		t.Fatalf("lines = %+v", l)
	}
	h.typeInvariant(ev)
}

// BenchmarkReserveTypes reports capacity units per reservation of 1, 2 and 4 types on an
// event of 4 types (warm: event and types cached), without and with a promo code.
func BenchmarkReserveTypes(b *testing.B) {
	for _, withCode := range []bool{false, true} {
		for _, k := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("types=%d/code=%v", k, withCode), func(b *testing.B) {
				h := newHarness(b, booking.Config{RateLimit: 1 << 30})
				var ts []typeSpec
				for i := range 4 {
					ts = append(ts, typeSpec{id: catalog.DerivedID("ticket_type", "bench", strconv.Itoa(i)), name: fmt.Sprintf("Type %d", i), capacity: 4 * (b.N + 1), price: 1000 * (i + 1), max: 1})
				}
				ev := h.seedTyped(16*(b.N+1), 4, ts...)
				h.seedCode(ev.id, "BENCH", 1000, 0)
				svc := booking.NewService(booking.Deps{Store: h.store, Payments: h.pay, Signer: h.signer,
					Events: booking.NewEventCache(h.store, time.Hour), Codes: booking.NewCodeCache(h.store, time.Hour)}, booking.Config{RateLimit: 1 << 30})
				o := booking.OrderRequest{}
				for i := range k {
					o.Items = append(o.Items, item(ev.types[i].id, 1))
				}
				if withCode {
					o.PromoCode = "BENCH"
				}
				ctx := context.Background()
				if _, err := svc.ReserveOrder(ctx, "warmup", ev.id, o, "w", time.Now()); err != nil {
					b.Fatal(err)
				}
				h.meter.Reset()
				b.ResetTimer()
				var last booking.Result
				for i := range b.N {
					res, err := svc.ReserveOrder(ctx, fmt.Sprintf("u%d", i), ev.id, o, "k", time.Now())
					if err != nil {
						b.Fatal(err)
					}
					last = res
				}
				b.StopTimer()
				r := h.meter.Read()
				b.ReportMetric(float64(r.Calls)/float64(b.N), "ddb-calls/op")
				b.ReportMetric(r.Estimated/float64(b.N), "capacity-units/op")
				// The meter counts 2 per action; price the last reservation's items by size.
				user := fmt.Sprintf("u%d", b.N-1)
				keys := [][2]string{{"EVENT#" + ev.id, "EVENT"}, {"BOOKING#" + last.Booking.ID, "BOOKING"},
					{"REF#" + last.Booking.Reference, "REF"}, {"SEATS#" + ev.id + "#" + user, "SEATS"}}
				if withCode {
					keys = append(keys, [2]string{"EVENT#" + ev.id + "#PROMO", "BENCH"})
				}
				wcu := 0
				for _, k := range keys {
					out, err := h.raw.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(h.table), ConsistentRead: aws.Bool(true),
						Key: map[string]types.AttributeValue{"pk": sAV(k[0]), "sk": sAV(k[1])}})
					if err != nil || out.Item == nil {
						b.Fatalf("read %v: %v", k, err)
					}
					size := itemSize(out.Item)
					wcu += 2 * ((size + 1023) / 1024)
					b.ReportMetric(float64(size), k[1]+"-bytes")
				}
				b.ReportMetric(float64(wcu), "priced-wcu/op")
			})
		}
	}
}

// itemSize is an item's size by DynamoDB's rules: names plus values; a number about 1
// byte per 2 digits + 1; a map or list 3 bytes + 1 per element.
func itemSize(it map[string]types.AttributeValue) int {
	n := 0
	for k, v := range it {
		n += len(k) + avSize(v)
	}
	return n
}

func avSize(v types.AttributeValue) int {
	switch a := v.(type) {
	case *types.AttributeValueMemberS:
		return len(a.Value)
	case *types.AttributeValueMemberN:
		return (len(a.Value)+1)/2 + 1
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range a.Value {
			n += 1 + len(k) + avSize(e)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range a.Value {
			n += 1 + avSize(e)
		}
		return n
	}
	return 0
}
