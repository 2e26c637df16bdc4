package stampede_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/payments"
)

// Tickets name their seat's type, check-in reports it, and stats break down by type.
func TestTypedTicketsCheckInStats(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ev := h.seedTyped(100, 10, typeSpec{name: "VIP", capacity: 10, price: 20000, max: 4},
		typeSpec{name: "General", capacity: 90, price: 5000, max: 6})
	vip, gen := ev.types[0].id, ev.types[1].id
	svc := h.typedService(booking.Config{}, ev.id)
	ctx, now := context.Background(), time.Now()
	res, err := svc.ReserveOrder(ctx, "u", ev.id, order(item(vip, 1), item(gen, 2)), "k", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Confirm(ctx, "u", res.Booking.ID, payments.MethodSucceeds, "c", now); err != nil {
		t.Fatal(err)
	}
	ts, err := svc.Tickets(ctx, "u", res.Booking.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 || ts[0].TicketTypeName != "VIP" || ts[1].TicketTypeID != gen || ts[2].TicketTypeName != "General" {
		t.Fatalf("tickets = %+v", ts)
	}
	c, err := svc.CheckIn(ctx, ev.id, ts[0].Code, now)
	if err != nil || c.TicketTypeID != vip || c.TicketTypeName != "VIP" {
		t.Fatalf("check-in = %+v, %v", c, err)
	}
	st, err := svc.Stats(ctx, ev.id)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]booking.TypeStats{}
	for _, s := range st.TicketTypes {
		by[s.TicketTypeID] = s
	}
	if by[vip].Sold != 1 || by[vip].Revenue.Amount != 20000 || by[vip].CheckedIn != 1 || by[gen].Sold != 2 || by[gen].Revenue.Amount != 10000 || by[gen].CheckedIn != 0 || by[gen].Name != "General" {
		t.Errorf("stats by type = %+v", st.TicketTypes)
	}
	if st.Revenue.Amount != 30000 || st.CheckedIn != 1 {
		t.Errorf("stats = %+v", st)
	}
}
