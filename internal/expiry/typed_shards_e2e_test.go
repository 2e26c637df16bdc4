package expiry_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
)

// TestTypedShardedWaitlistEndToEnd: a typed event over 4 inventory shards (VIP 4,
// General 4). VIP sells out and two buyers are put in VIP's line by their sold-out
// reservations; General is still sold to the public meanwhile; two VIP cancellations
// become offers through the worker's queue, the offers confirm, and the admin's stats
// keep capacity = available + held + sold + offering per type and in total. All through
// the local stack's HTTP API, its SQS poller and the real function binaries.
func TestTypedShardedWaitlistEndToEnd(t *testing.T) {
	t.Parallel()
	st := stack(t)
	admin := client{t, st.BaseURL, st.Token(t, "typed-shards-admin", true)}
	venue := admin.must(201, "POST", "/admin/venues", map[string]any{"name": "Typed Shards Hall", "address": "1 Main St",
		"city": "Porto", "country": "PT", "capacity": 100}, "")
	starts := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	ev := admin.must(201, "POST", "/admin/events", map[string]any{"name": "Typed Shards", "category": "music",
		"venue_id": venue["venue_id"], "starts_at": starts.Format(time.RFC3339), "ends_at": starts.Add(2 * time.Hour).Format(time.RFC3339),
		"capacity": 8, "max_tickets_per_booking": 2, "inventory_shards": 4, "ticket_types": []map[string]any{
			{"name": "VIP", "price": map[string]any{"amount": 9000, "currency": "EUR"}, "capacity": 4},
			{"name": "General", "price": map[string]any{"amount": 3000, "currency": "EUR"}, "capacity": 4}}}, "")
	id := ev["event_id"].(string)
	admin.must(200, "POST", "/admin/events/"+id+"/publish", nil, "")
	types := map[string]string{}
	for _, x := range ev["ticket_types"].([]any) {
		ty := x.(map[string]any)
		types[ty["name"].(string)] = ty["ticket_type_id"].(string)
	}
	order := func(name string) map[string]any {
		return map[string]any{"items": []map[string]any{{"ticket_type_id": types[name], "quantity": 1}}}
	}

	holds := make([]string, 4)
	holders := make([]client, 4)
	for i := range holders {
		holders[i] = client{t, st.BaseURL, st.Token(t, fmt.Sprintf("typed-holder-%d", i), false)}
		holds[i] = holders[i].must(201, "POST", "/events/"+id+"/bookings", order("VIP"), fmt.Sprintf("th-%d", i))["booking_id"].(string)
	}
	waiters := make([]client, 2)
	for i := range waiters {
		waiters[i] = client{t, st.BaseURL, st.Token(t, fmt.Sprintf("typed-waiter-%d", i), false)}
		code, out := waiters[i].call("POST", "/events/"+id+"/bookings", order("VIP"), fmt.Sprintf("tw-%d", i))
		errObj, _ := out["error"].(map[string]any)
		wl, _ := errObj["waitlist"].(map[string]any)
		if code != 409 || errObj["code"] != "sold_out" || wl["position"] != float64(i+1) {
			t.Fatalf("waiter %d: %d %v, want sold_out at position %d", i, code, out, i+1)
		}
	}
	// VIP's line does not stop General.
	buyer := client{t, st.BaseURL, st.Token(t, "typed-ga-buyer", false)}
	buyer.must(201, "POST", "/events/"+id+"/bookings", order("General"), "tg-0")

	for i := range 2 {
		holders[i].must(200, "POST", "/bookings/"+holds[i]+"/cancel", nil, "")
	}
	offers := make([]string, 2)
	eventually(t, "two VIP offers", func() bool {
		for i, w := range waiters {
			me := w.must(200, "GET", "/events/"+id+"/waitlist/me", nil, "")
			offer, _ := me["offer"].(map[string]any)
			if me["status"] != "offered" || offer == nil {
				return false
			}
			offers[i] = offer["booking_id"].(string)
		}
		return true
	})
	for i, w := range waiters {
		b := w.must(200, "GET", "/bookings/"+offers[i], nil, "")
		lines, _ := b["lines"].([]any)
		if len(lines) != 1 || lines[0].(map[string]any)["ticket_type_id"] != types["VIP"] || b["source"] != "waitlist" {
			t.Fatalf("waiter %d's offer = %v, want one VIP line", i, b)
		}
		w.must(200, "POST", "/bookings/"+offers[i]+"/confirm", map[string]any{"payment_method": "pm_card_visa"}, fmt.Sprintf("tw-pay-%d", i))
	}

	stats := admin.must(200, "GET", "/admin/events/"+id+"/stats", nil, "")
	n := func(m map[string]any, k string) int64 { v, _ := m[k].(float64); return int64(v) }
	counters := func(m map[string]any) booking.Counters {
		return booking.Counters{Capacity: n(m, "capacity"), Available: n(m, "available"), Held: n(m, "held"), Sold: n(m, "sold"), Offering: n(m, "offering")}
	}
	want := map[string]booking.Counters{
		types["VIP"]:     {Capacity: 4, Held: 2, Sold: 2},
		types["General"]: {Capacity: 4, Available: 3, Held: 1},
	}
	for _, x := range stats["ticket_types"].([]any) {
		ty := x.(map[string]any)
		if got := counters(ty); got != want[ty["ticket_type_id"].(string)] || n(ty, "waiting") != 0 {
			t.Errorf("type %v: %+v, want %+v and nobody waiting", ty["name"], got, want[ty["ticket_type_id"].(string)])
		}
	}
	if c := counters(stats); c != (booking.Counters{Capacity: 8, Available: 3, Held: 3, Sold: 2}) || c.Violations() != nil {
		t.Errorf("stats = %v", stats)
	}
}
