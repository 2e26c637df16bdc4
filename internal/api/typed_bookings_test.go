package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/promo"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
)

// typedEventBody is an event of 30 seats selling VIP (5), General (20) and a hidden Crew
// type (5).
func typedEventBody(venueID, name string) string {
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	return fmt.Sprintf(`{"name":%q,"category":"live-music","venue_id":%q,"starts_at":%q,"ends_at":%q,"capacity":30,"max_tickets_per_booking":6,
		"ticket_types":[{"name":"VIP","price":{"amount":9000,"currency":"USD"},"capacity":5},
		{"name":"General","price":{"amount":3000,"currency":"USD"},"capacity":20},
		{"name":"Crew","price":{"amount":1000,"currency":"USD"},"capacity":5,"hidden":true}]}`,
		name, venueID, start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339))
}

// typeIDs reads the ids of the types an admin's event answer lists (hidden ones too), by
// name.
func typeIDs(t *testing.T, ev answer) map[string]string {
	t.Helper()
	out := map[string]string{}
	list, _ := ev.body["ticket_types"].([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		id, _ := m["ticket_type_id"].(string)
		name, _ := m["name"].(string)
		out[name] = id
	}
	return out
}

func fieldOf(a answer, field string) string {
	e, _ := a.body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	s, _ := f[field].(string)
	return s
}

// TestTypedBookingRoutes books an order of two types with a promo code through the
// reservation handler on moto, and refuses each bad order of the list with a
// 400 naming the field, holding nothing.
func TestTypedBookingRoutes(t *testing.T) {
	db, table := localtest.Table(t)
	cat := catalog.NewService(dynamo.New(db, table), time.Now)
	store := dynamo.NewBookings(db, table)
	signer, err := tickets.NewSigner("test-signing-key-0123")
	if err != nil {
		t.Fatal(err)
	}
	svc := booking.NewService(booking.Deps{Store: store, Payments: payments.NewSimulated(dynamo.NewPaymentLedger(db, table)), Signer: signer,
		Codes: booking.NewCodeCache(store, 0)}, booking.Config{})
	codes := promo.NewService(dynamo.New(db, table), dynamo.New(db, table), time.Now)
	createVenue, createEvent, publish := api.Wrap(api.Admin, api.CreateVenue(cat)), api.Wrap(api.Admin, api.CreateEvent(cat)), api.Wrap(api.Admin, api.PublishEvent(cat))
	createCode := api.Wrap(api.Admin, api.CreatePromoCode(codes))
	reserve := api.Wrap(api.User, api.CreateBooking(onsale.New(svc, nil, nil)))
	stats := api.Wrap(api.Admin, api.EventStats(svc))

	venue := call(t, createVenue, req{who: "admin", body: venueBody})
	var events []answer
	for _, name := range []string{"Typed", "Other"} {
		ev := call(t, createEvent, req{who: "admin", body: typedEventBody(venue.str("venue_id"), name)})
		expect(t, ev, 201, "")
		expect(t, call(t, publish, req{who: "admin", path: map[string]string{"eventId": ev.str("event_id")}, headers: map[string]string{"If-Match": `"1"`}}), 200, "")
		events = append(events, ev)
	}
	eventID, ids, foreign := events[0].str("event_id"), typeIDs(t, events[0]), typeIDs(t, events[1])
	if ids["VIP"] == "" || ids["General"] == "" || ids["Crew"] == "" {
		t.Fatalf("the admin's answer lists types %v, want VIP, General and the hidden Crew", ids)
	}
	evPath := map[string]string{"eventId": eventID}
	now := time.Now().UTC()
	for _, c := range []string{
		`{"code":"half","percent_off_bp":5000,"max_uses":1}`,
		fmt.Sprintf(`{"code":"gone","percent_off_bp":1000,"valid_from":%q,"valid_until":%q}`, now.Add(-2*time.Hour).Format(time.RFC3339), now.Add(-time.Hour).Format(time.RFC3339)),
	} {
		expect(t, call(t, createCode, req{who: "admin", path: evPath, body: c, headers: map[string]string{"Idempotency-Key": c}}), 201, "")
	}
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
	order := func(items, code string) string {
		if code == "" {
			return `{"items":` + items + `}`
		}
		return `{"items":` + items + `,"promo_code":"` + code + `"}`
	}
	two := fmt.Sprintf(`[{"ticket_type_id":%q,"quantity":2},{"ticket_type_id":%q,"quantity":3}]`, ids["VIP"], ids["General"])

	held := call(t, reserve, req{who: "user", path: evPath, body: order(two, "Half"), headers: key("k1")})
	expect(t, held, 201, "")
	lines, _ := held.body["lines"].([]any)
	money := func(k string) float64 { m, _ := held.body[k].(map[string]any); v, _ := m["amount"].(float64); return v }
	if len(lines) != 2 || money("subtotal") != 2*9000+3*3000 || money("discount") != 13500 || money("total") != 13500 || held.str("promo_code") != "HALF" {
		t.Fatalf("held = %s", held.raw)
	}

	// Each bad order: 400 naming its field, nothing held.
	bad := []struct {
		name, body, field string
	}{
		{"unknown type", order(`[{"ticket_type_id":"nope","quantity":1}]`, ""), "items[0].ticket_type_id"},
		{"another event's type", order(fmt.Sprintf(`[{"ticket_type_id":%q,"quantity":1}]`, foreign["VIP"]), ""), "items[0].ticket_type_id"},
		{"hidden type without its code", order(fmt.Sprintf(`[{"ticket_type_id":%q,"quantity":1}]`, ids["Crew"]), ""), "items[0].ticket_type_id"},
		{"quantity 0", order(fmt.Sprintf(`[{"ticket_type_id":%q,"quantity":1},{"ticket_type_id":%q,"quantity":0}]`, ids["VIP"], ids["General"]), ""), "items[1].quantity"},
		{"expired code", order(two, "gone"), "promo_code"},
		{"exhausted code", order(two, "HALF"), "promo_code"},
		{"unknown code", order(two, "NOSUCH"), "promo_code"},
	}
	for i, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			a := call(t, reserve, req{who: "user", path: evPath, body: c.body, headers: key(fmt.Sprintf("bad-%d", i))})
			expect(t, a, 400, "validation_failed")
			if fieldOf(a, c.field) == "" {
				t.Errorf("answer names no %s: %s", c.field, a.raw)
			}
		})
	}
	st := call(t, stats, req{who: "admin", path: evPath})
	if st.num("held") != 5 || st.num("available") != 25 {
		t.Fatalf("stats after the bad orders = %s, want only the first order's 5 seats held", st.raw)
	}
}
