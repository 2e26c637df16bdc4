package booking

import (
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/promo"
)

var orderNow = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)

func eur(a int64) catalog.Money { return catalog.Money{Amount: a, Currency: "EUR"} }

func orderEvent() OrderEvent {
	later := orderNow.Add(time.Hour)
	past := orderNow.Add(-time.Hour)
	return OrderEvent{Currency: "EUR", MaxPerBooking: 6, Types: []catalog.TicketType{
		{ID: "vip", Name: "VIP", Price: eur(9900), MaxPerOrder: 2, Status: catalog.TypeOnSale},
		{ID: "general", Name: "General", Price: eur(2500), MaxPerOrder: 6, Status: catalog.TypeOnSale},
		{ID: "crew", Name: "Crew", Price: eur(0), MaxPerOrder: 1, Hidden: true, Status: catalog.TypeOnSale},
		{ID: "paused", Name: "Paused", Price: eur(100), MaxPerOrder: 4, Status: catalog.TypePaused},
		{ID: "late", Name: "Late", Price: eur(100), MaxPerOrder: 4, Status: catalog.TypeOnSale, SaleStartsAt: &later},
		{ID: "early", Name: "Early", Price: eur(100), MaxPerOrder: 4, Status: catalog.TypeOnSale, SaleEndsAt: &past},
	}}
}

func items(pairs ...any) []OrderItem {
	var out []OrderItem
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, OrderItem{TicketTypeID: pairs[i].(string), Quantity: pairs[i+1].(int)})
	}
	return out
}

func faultOf(t *testing.T, err error) (fault.Code, map[string]string) {
	t.Helper()
	if err == nil {
		return "", nil
	}
	fe, ok := fault.As(err)
	if !ok {
		t.Fatalf("not a fault: %v", err)
	}
	return fe.Code, fe.Fields
}

func TestPriceOrderRejects(t *testing.T) {
	tenPct := &promo.Code{Code: "TEN", Kind: promo.Percent, BasisPoints: 1000}
	crewOnly := &promo.Code{Code: "CREW", Kind: promo.None, UnlocksHidden: true, TicketTypeIDs: []string{"crew"}}
	until := orderNow
	expired := &promo.Code{Code: "OLD", Kind: promo.Percent, BasisPoints: 1000, ValidUntil: &until}
	usedUp := &promo.Code{Code: "GONE", Kind: promo.Percent, BasisPoints: 1000, MaxUses: 10, Uses: 10}
	vipOnly := &promo.Code{Code: "VIPONLY", Kind: promo.Percent, BasisPoints: 1000, TicketTypeIDs: []string{"vip"}}
	one := func(n int) *int { return &n }
	cases := []struct {
		name   string
		req    OrderRequest
		code   *promo.Code
		want   fault.Code
		fields []string
	}{
		{"no items", OrderRequest{}, nil, fault.Validation, []string{"items"}},
		{"quantity and items", OrderRequest{Quantity: one(1), Items: items("vip", 1)}, nil, fault.Validation, []string{"quantity"}},
		{"legacy quantity on a several-type event", OrderRequest{Quantity: one(1)}, nil, fault.Validation, []string{"quantity"}},
		{"unknown type", OrderRequest{Items: items("vip", 1, "nope", 1)}, nil, fault.Validation, []string{"items[1].ticket_type_id"}},
		{"missing type id", OrderRequest{Items: items("", 1)}, nil, fault.Validation, []string{"items[0].ticket_type_id"}},
		{"quantity zero", OrderRequest{Items: items("vip", 0)}, nil, fault.Validation, []string{"items[0].quantity"}},
		{"negative quantity", OrderRequest{Items: items("general", 1, "vip", -2)}, nil, fault.Validation, []string{"items[1].quantity"}},
		{"over the type's max per order", OrderRequest{Items: items("vip", 3)}, nil, fault.Validation, []string{"items[0].quantity"}},
		{"over the event's max per order", OrderRequest{Items: items("vip", 2, "general", 5)}, nil, fault.Validation, []string{"items"}},
		{"type twice", OrderRequest{Items: items("general", 1, "general", 1)}, nil, fault.Validation, []string{"items[1].ticket_type_id"}},
		{"hidden without a code", OrderRequest{Items: items("crew", 1)}, nil, fault.Validation, []string{"items[0].ticket_type_id"}},
		{"hidden with a code that does not unlock it", OrderRequest{Items: items("crew", 1), PromoCode: "ten"}, tenPct, fault.Validation, []string{"items[0].ticket_type_id"}},
		{"hidden with an expired unlocking code", OrderRequest{Items: items("crew", 1), PromoCode: "old"},
			&promo.Code{Code: "OLD", Kind: promo.None, UnlocksHidden: true, ValidUntil: &until}, fault.Validation,
			[]string{"items[0].ticket_type_id", "promo_code"}},
		{"unknown code", OrderRequest{Items: items("vip", 1), PromoCode: "nope"}, nil, fault.Validation, []string{"promo_code"}},
		{"malformed code", OrderRequest{Items: items("vip", 1), PromoCode: "a b"}, tenPct, fault.Validation, []string{"promo_code"}},
		{"someone else's code", OrderRequest{Items: items("vip", 1), PromoCode: "other"}, tenPct, fault.Validation, []string{"promo_code"}},
		{"expired code", OrderRequest{Items: items("vip", 1), PromoCode: "old"}, expired, fault.Validation, []string{"promo_code"}},
		{"exhausted code", OrderRequest{Items: items("vip", 1), PromoCode: "gone"}, usedUp, fault.Validation, []string{"promo_code"}},
		{"code for none of the types", OrderRequest{Items: items("general", 2), PromoCode: "viponly"}, vipOnly, fault.Validation, []string{"promo_code"}},
		{"unlock-only code with no hidden type ordered", OrderRequest{Items: items("general", 1), PromoCode: "crew"}, crewOnly, fault.Validation, []string{"promo_code"}},
		{"every field at once", OrderRequest{Items: items("nope", 0, "vip", 9)}, nil, fault.Validation,
			[]string{"items[0].ticket_type_id", "items[0].quantity", "items[1].quantity", "items"}},
		{"paused type", OrderRequest{Items: items("general", 1, "paused", 1)}, nil, fault.NotOnSale, []string{"items[1].ticket_type_id"}},
		{"not started", OrderRequest{Items: items("late", 1)}, nil, fault.NotOnSale, []string{"items[0].ticket_type_id"}},
		{"ended", OrderRequest{Items: items("early", 1)}, nil, fault.NotOnSale, []string{"items[0].ticket_type_id"}},
		{"bad input wins over not on sale", OrderRequest{Items: items("paused", 0)}, nil, fault.Validation, []string{"items[0].quantity"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := PriceOrder(c.req, orderEvent(), c.code, orderNow)
			code, fields := faultOf(t, err)
			if code != c.want || len(fields) != len(c.fields) {
				t.Fatalf("err = %v (%v), want %s naming %v", err, fields, c.want, c.fields)
			}
			for _, f := range c.fields {
				if _, ok := fields[f]; !ok {
					t.Fatalf("fields = %v, want %v", fields, c.fields)
				}
			}
			if len(o.Lines) != 0 {
				t.Fatal("a rejected order has no lines")
			}
		})
	}
}

func TestPriceOrderPrices(t *testing.T) {
	cases := []struct {
		name  string
		req   OrderRequest
		code  *promo.Code
		lines []Line
		total Money
	}{
		{"two types, no code", OrderRequest{Items: items("vip", 2, "general", 3)}, nil, []Line{
			{TicketTypeID: "vip", TicketTypeName: "VIP", UnitPrice: Money{9900, "EUR"}, Quantity: 2, Discount: Money{0, "EUR"}, Total: Money{19800, "EUR"}},
			{TicketTypeID: "general", TicketTypeName: "General", UnitPrice: Money{2500, "EUR"}, Quantity: 3, Discount: Money{0, "EUR"}, Total: Money{7500, "EUR"}},
		}, Money{27300, "EUR"}},
		{"12.5 % on every type, rounded up per ticket", OrderRequest{Items: items("vip", 2, "general", 1), PromoCode: "Spring"},
			&promo.Code{Code: "SPRING", Kind: promo.Percent, BasisPoints: 1250}, []Line{
				// 9900 x 12.5 % = 1237.5 -> 1238 per ticket; 2500 x 12.5 % = 312.5 -> 313.
				{TicketTypeID: "vip", TicketTypeName: "VIP", UnitPrice: Money{9900, "EUR"}, Quantity: 2, Discount: Money{2476, "EUR"}, Total: Money{17324, "EUR"}},
				{TicketTypeID: "general", TicketTypeName: "General", UnitPrice: Money{2500, "EUR"}, Quantity: 1, Discount: Money{313, "EUR"}, Total: Money{2187, "EUR"}},
			}, Money{19511, "EUR"}},
		{"fixed off one type only, never below zero", OrderRequest{Items: items("general", 2, "vip", 1), PromoCode: "big"},
			&promo.Code{Code: "BIG", Kind: promo.Fixed, Amount: eur(3000), TicketTypeIDs: []string{"general"}}, []Line{
				{TicketTypeID: "general", TicketTypeName: "General", UnitPrice: Money{2500, "EUR"}, Quantity: 2, Discount: Money{5000, "EUR"}, Total: Money{0, "EUR"}},
				{TicketTypeID: "vip", TicketTypeName: "VIP", UnitPrice: Money{9900, "EUR"}, Quantity: 1, Discount: Money{0, "EUR"}, Total: Money{9900, "EUR"}},
			}, Money{9900, "EUR"}},
		{"hidden type unlocked", OrderRequest{Items: items("crew", 1), PromoCode: "CREW"},
			&promo.Code{Code: "CREW", Kind: promo.None, UnlocksHidden: true, TicketTypeIDs: []string{"crew"}}, []Line{
				{TicketTypeID: "crew", TicketTypeName: "Crew", UnitPrice: Money{0, "EUR"}, Quantity: 1, Discount: Money{0, "EUR"}, Total: Money{0, "EUR"}},
			}, Money{0, "EUR"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := PriceOrder(c.req, orderEvent(), c.code, orderNow)
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Lines) != len(c.lines) {
				t.Fatalf("lines = %+v", o.Lines)
			}
			var q int
			var sub, disc, tot int64
			for i, l := range o.Lines {
				if l != c.lines[i] {
					t.Fatalf("line %d = %+v, want %+v", i, l, c.lines[i])
				}
				q, sub, disc, tot = q+l.Quantity, sub+l.UnitPrice.Amount*int64(l.Quantity), disc+l.Discount.Amount, tot+l.Total.Amount
			}
			if o.Total != c.total || o.Total.Amount != tot || o.Subtotal.Amount != sub || o.Discount.Amount != disc ||
				o.Subtotal.Amount-o.Discount.Amount != o.Total.Amount || o.Quantity != q {
				t.Fatalf("order = %+v, want total %v", o, c.total)
			}
			if (c.code == nil) != (o.PromoCode == "") {
				t.Fatalf("promo code on the order = %q", o.PromoCode)
			}
		})
	}
}

func TestPriceOrderLegacyQuantity(t *testing.T) {
	e := catalog.Event{ID: "7f1c6f4e-2b8a-4c1e-9d2a-1f3b5c7d9e0a", Capacity: 100, Available: 100, MaxTicketsPerBooking: 4,
		Price: eur(2500), Status: catalog.Published}
	ev := OrderEvent{Currency: "EUR", MaxPerBooking: 4, Types: catalog.EffectiveTypes(e, nil)}
	n := 3
	o, err := PriceOrder(OrderRequest{Quantity: &n}, ev, nil, orderNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Lines) != 1 || o.Lines[0].TicketTypeID != catalog.DefaultTypeID(e.ID) || o.Total != (Money{7500, "EUR"}) || o.Quantity != 3 {
		t.Fatalf("order = %+v", o)
	}
	for _, bad := range []int{0, 5} {
		_, err := PriceOrder(OrderRequest{Quantity: &bad}, ev, nil, orderNow)
		if code, fields := faultOf(t, err); code != fault.Validation || len(fields) != 1 || fields["quantity"] == "" {
			t.Fatalf("quantity %d: %v %v; want quantity named", bad, code, fields)
		}
	}
	// One public type beside a hidden one: quantity still means the public one.
	ev.Types = append(ev.Types, catalog.TicketType{ID: "crew", Name: "Crew", Price: eur(0), MaxPerOrder: 1, Hidden: true, Status: catalog.TypeOnSale})
	if o, err := PriceOrder(OrderRequest{Quantity: &n}, ev, nil, orderNow); err != nil || o.Lines[0].TicketTypeID != catalog.DefaultTypeID(e.ID) {
		t.Fatalf("order = %+v, %v", o, err)
	}
	ev.Types[0].Status = catalog.TypePaused
	if _, err := PriceOrder(OrderRequest{Quantity: &n}, ev, nil, orderNow); !fault.Is(err, fault.NotOnSale) {
		t.Fatalf("paused single type: %v", err)
	}
}

func TestLineMoves(t *testing.T) {
	lines := []Line{{TicketTypeID: "vip", Quantity: 2}, {TicketTypeID: "general", Quantity: 3}}
	ev, types, err := LineMoves("", Held, lines)
	if err != nil || ev != (Move{Available: -5, Held: 5}) || types["vip"] != (Move{Available: -2, Held: 2}) || types["general"] != (Move{Available: -3, Held: 3}) {
		t.Fatalf("reserve: %+v %+v %v", ev, types, err)
	}
	ev, types, err = LineMoves(Confirmed, Cancelled, lines)
	if err != nil || ev != (Move{Sold: -5, Available: 5}) || types["vip"] != (Move{Sold: -2, Available: 2}) {
		t.Fatalf("cancel: %+v %+v %v", ev, types, err)
	}
	if _, _, err := LineMoves(Cancelled, Held, lines); !fault.Is(err, fault.InvalidTransition) {
		t.Fatalf("invalid transition: %v", err)
	}
}

func TestLineRefunds(t *testing.T) {
	lines := []Line{{Total: Money{999, "EUR"}}, {Total: Money{1, "EUR"}}, {Total: Money{0, "EUR"}}}
	got := LineRefunds(lines, 50)
	if got[0] != (Money{500, "EUR"}) || got[1] != (Money{1, "EUR"}) || got[2] != (Money{0, "EUR"}) {
		t.Fatalf("refunds = %v", got)
	}
}

func TestCheckTypeInvariant(t *testing.T) {
	// Event cap 6 below the types' 4 + 5: oversubscribed types.
	event := Counters{Capacity: 6, Available: 1, Held: 3, Sold: 2}
	types := map[string]Counters{
		"vip":     {Capacity: 4, Available: 1, Held: 2, Sold: 1},
		"general": {Capacity: 5, Available: 3, Held: 1, Sold: 1},
	}
	bookings := []OrderSeats{
		{Status: Held, Lines: []Line{{TicketTypeID: "vip", Quantity: 2}, {TicketTypeID: "general", Quantity: 1}}},
		{Status: Confirmed, Lines: []Line{{TicketTypeID: "vip", Quantity: 1}, {TicketTypeID: "general", Quantity: 1}}},
		{Status: Cancelled, Lines: []Line{{TicketTypeID: "vip", Quantity: 4}}},
	}
	if bad := CheckTypeInvariant(event, types, bookings); bad != nil {
		t.Fatalf("sound event reported: %v", bad)
	}
	cases := []struct {
		name string
		edit func(e *Counters, ts map[string]Counters, bs []OrderSeats) []OrderSeats
		want string
	}{
		{"a type's sum off", func(_ *Counters, ts map[string]Counters, bs []OrderSeats) []OrderSeats {
			v := ts["vip"]
			v.Available++
			ts["vip"] = v
			return bs
		}, "type vip: capacity"},
		{"types do not add up to the event", func(e *Counters, _ map[string]Counters, bs []OrderSeats) []OrderSeats {
			e.Held, e.Available = 4, 0
			return bs
		}, "types hold 3"},
		{"a line too many", func(_ *Counters, _ map[string]Counters, bs []OrderSeats) []OrderSeats {
			return append(bs, OrderSeats{Status: Confirmed, Lines: []Line{{TicketTypeID: "general", Quantity: 1}}})
		}, "type general: confirmed lines own 2"},
		{"a line of an unknown type", func(_ *Counters, _ map[string]Counters, bs []OrderSeats) []OrderSeats {
			return append(bs, OrderSeats{Status: Held, Lines: []Line{{TicketTypeID: "ghost", Quantity: 1}}})
		}, "ghost"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := event
			ts := map[string]Counters{}
			for k, v := range types {
				ts[k] = v
			}
			bs := c.edit(&e, ts, append([]OrderSeats(nil), bookings...))
			bad := CheckTypeInvariant(e, ts, bs)
			if !strings.Contains(strings.Join(bad, "; "), c.want) {
				t.Fatalf("violations = %v, want one containing %q", bad, c.want)
			}
		})
	}
}

func TestSoldOut(t *testing.T) {
	order := Order{Quantity: 5, Lines: []Line{{TicketTypeID: "vip", Quantity: 2}, {TicketTypeID: "general", Quantity: 3}}}
	plenty := map[string]catalog.TypeCounters{"vip": {Available: 10}, "general": {Available: 10}}
	cases := []struct {
		name       string
		eventAvail int64
		waitingAny int64
		types      map[string]catalog.TypeCounters
		short      []string
		available  int64
	}{
		{"nothing short", 100, 0, plenty, nil, 0},
		{"2 VIP + 3 General with 1 VIP left", 100, 0, map[string]catalog.TypeCounters{"vip": {Available: 1}, "general": {Available: 10}}, []string{"vip"}, 100},
		{"both short", 100, 0, map[string]catalog.TypeCounters{"vip": {Available: 0}, "general": {Available: 2}}, []string{"vip", "general"}, 100},
		{"event cap below the types", 4, 0, plenty, []string{}, 4},
		{"someone waits for VIP", 100, 0, map[string]catalog.TypeCounters{"vip": {Available: 10, Waiting: 1}, "general": {Available: 10}}, []string{"vip"}, 100},
		{"someone waits for any type", 100, 1, plenty, []string{"vip", "general"}, 100},
		{"a type deleted meanwhile is not a shortage", 100, 0, map[string]catalog.TypeCounters{"general": {Available: 10}}, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := SoldOut(order, c.eventAvail, c.waitingAny, c.types)
			if c.short == nil {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Code != fault.SoldOut {
				t.Fatalf("err = %v, want sold_out", err)
			}
			got := fe.Extra["sold_out"].([]Shortage)
			if len(got) != len(c.short) || fe.Extra["available"] != c.available {
				t.Fatalf("sold_out = %+v available %v; want %v, %d", got, fe.Extra["available"], c.short, c.available)
			}
			for i, id := range c.short {
				if got[i].TicketTypeID != id {
					t.Fatalf("sold_out = %+v, want %v", got, c.short)
				}
			}
		})
	}
}
