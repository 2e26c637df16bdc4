package booking

import (
	"strconv"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/idempotency"
)

func TestOrderLinesAndView(t *testing.T) {
	usd := func(a int64) Money { return Money{Amount: a, Currency: "USD"} }
	typed := []Line{
		{TicketTypeID: "vip", TicketTypeName: "VIP", UnitPrice: usd(20000), Quantity: 2, Discount: usd(4000), Total: usd(36000)},
		{TicketTypeID: "gen", TicketTypeName: "General", UnitPrice: usd(5000), Quantity: 1, Discount: usd(0), Total: usd(5000)},
	}
	cases := []struct {
		name                      string
		b                         Booking
		lines                     int
		subtotal, discount, total int64
		unit                      int64
	}{
		{"legacy booking reads as one default line", Booking{EventID: "e1", Quantity: 3, UnitPrice: usd(2500), Total: usd(7500)}, 1, 7500, 0, 7500, 2500},
		{"legacy booking with a code", Booking{EventID: "e1", Quantity: 2, UnitPrice: usd(2500), Total: usd(4000), PromoCode: "X"}, 1, 5000, 1000, 4000, 2500},
		{"typed booking keeps its lines", Booking{EventID: "e1", Quantity: 3, Total: usd(41000), Lines: typed}, 2, 45000, 4000, 41000, 0},
		{"one stored line shows its unit price", Booking{EventID: "e1", Quantity: 1, Total: usd(5000), Lines: typed[1:]}, 1, 5000, 0, 5000, 5000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ls := c.b.OrderLines()
			if len(ls) != c.lines {
				t.Fatalf("lines = %+v", ls)
			}
			if len(c.b.Lines) == 0 && (ls[0].TicketTypeID != catalog.DefaultTypeID("e1") || ls[0].TicketTypeName != catalog.DefaultTypeName) {
				t.Errorf("default line = %+v", ls[0])
			}
			v := c.b.View()
			if v.Subtotal.Amount != c.subtotal || v.Discount.Amount != c.discount || v.Total.Amount != c.total || v.UnitPrice.Amount != c.unit {
				t.Errorf("view subtotal %d discount %d total %d unit %d", v.Subtotal.Amount, v.Discount.Amount, v.Total.Amount, v.UnitPrice.Amount)
			}
		})
	}
}

func TestOrderHash(t *testing.T) {
	q := 3
	// Keys stored before types replay: the legacy body hashes as it always did.
	if got, want := orderHash("e1", OrderRequest{Quantity: &q}, "", true), idempotency.Hash("reserve", "e1", strconv.Itoa(q)); got != want {
		t.Errorf("legacy hash changed: %s, want %s", got, want)
	}
	a := orderHash("e1", OrderRequest{Items: []OrderItem{{"t1", 1}}}, "", false)
	for _, other := range []string{
		orderHash("e1", OrderRequest{Items: []OrderItem{{"t1", 2}}}, "", false),
		orderHash("e1", OrderRequest{Items: []OrderItem{{"t1", 1}}}, "CODE", false),
		orderHash("e2", OrderRequest{Items: []OrderItem{{"t1", 1}}}, "", false),
	} {
		if other == a {
			t.Errorf("different orders hash alike: %s", a)
		}
	}
}

func TestNewOrderHold(t *testing.T) {
	now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	usd := Money{Amount: 5000, Currency: "USD"}
	o := Order{Quantity: 2, Total: Money{Amount: 9000, Currency: "USD"}, PromoCode: "TEN",
		Lines: []Line{{TicketTypeID: "t", UnitPrice: usd, Quantity: 2, Discount: Money{Amount: 1000, Currency: "USD"}, Total: Money{Amount: 9000, Currency: "USD"}}}}
	untyped := &Event{ID: "e", Price: usd}
	b := newOrderHold("u", untyped, o, now, time.Minute)
	if len(b.Lines) != 0 || b.UnitPrice != usd || b.Total.Amount != 9000 || b.PromoCode != "TEN" || b.Quantity != 2 {
		t.Errorf("default-type hold = %+v", b)
	}
	typed := &Event{ID: "e", Price: usd, Types: []catalog.TicketType{{ID: "t"}}}
	b = newOrderHold("u", typed, o, now, time.Minute)
	if len(b.Lines) != 1 || b.UnitPrice != (Money{}) || b.Total.Amount != 9000 {
		t.Errorf("typed hold = %+v", b)
	}
}
