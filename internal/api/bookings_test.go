package api_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
)

// bookingRoutes are the booking functions' handlers, as their main.go build them, on the
// same table as the catalogue's.
type bookingRoutes struct {
	createVenue, createEvent, publish                                           api.LambdaHandler
	reserve, confirm, get, mine, cancel, tickets, checkIn, adminBookings, stats api.LambdaHandler
	adminCancel                                                                 api.LambdaHandler
}

func newBookingRoutes(t *testing.T) bookingRoutes {
	t.Helper()
	db, table := localtest.Table(t)
	cat := catalog.NewService(dynamo.New(db, table), time.Now)
	store := dynamo.NewBookings(db, table)
	signer, err := tickets.NewSigner("test-signing-key-0123")
	if err != nil {
		t.Fatal(err)
	}
	svc := booking.NewService(booking.Deps{Store: store, Payments: payments.NewSimulated(dynamo.NewPaymentLedger(db, table)), Signer: signer}, booking.Config{})
	return bookingRoutes{
		createVenue:   api.Wrap(api.Admin, api.CreateVenue(cat)),
		createEvent:   api.Wrap(api.Admin, api.CreateEvent(cat)),
		publish:       api.Wrap(api.Admin, api.PublishEvent(cat)),
		reserve:       api.Wrap(api.User, api.CreateBooking(onsale.New(svc, nil, nil))),
		confirm:       api.Wrap(api.User, api.ConfirmBooking(svc)),
		get:           api.Wrap(api.User, api.GetBooking(svc)),
		mine:          api.Wrap(api.User, api.ListMyBookings(svc)),
		cancel:        api.Wrap(api.User, api.CancelBooking(svc)),
		tickets:       api.Wrap(api.User, api.GetTickets(svc)),
		checkIn:       api.Wrap(api.Admin, api.CheckIn(svc)),
		adminBookings: api.Wrap(api.Admin, api.AdminListBookings(svc)),
		stats:         api.Wrap(api.Admin, api.EventStats(svc)),
		adminCancel:   api.Wrap(api.Admin, api.AdminCancelBooking(svc)),
	}
}

// as is a request from a user other than the default one.
func as(t *testing.T, h api.LambdaHandler, sub string, r req) answer {
	t.Helper()
	ev := r.event()
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": sub}}}
	out, err := h(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: out.StatusCode, headers: out.Headers, raw: out.Body}
	_ = json.Unmarshal([]byte(out.Body), &a.body)
	return a
}

func TestBookingRoutes(t *testing.T) {
	r := newBookingRoutes(t)
	venue := call(t, r.createVenue, req{who: "admin", body: venueBody})
	ev := call(t, r.createEvent, req{who: "admin", body: eventBody(venue.str("venue_id"))})
	eventID := ev.str("event_id")
	evPath := map[string]string{"eventId": eventID}
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }

	expect(t, call(t, r.reserve, req{who: "user", path: evPath, body: `{"quantity":1}`, headers: key("a")}), 409, "not_on_sale")
	expect(t, call(t, r.publish, req{who: "admin", path: evPath, headers: map[string]string{"If-Match": `"1"`}}), 200, "")

	cases := []struct {
		name   string
		req    req
		status int
		code   string
	}{
		{"no token", req{path: evPath, body: `{"quantity":1}`, headers: key("a")}, 401, "unauthorized"},
		{"no idempotency key", req{who: "user", path: evPath, body: `{"quantity":1}`}, 400, "validation_failed"},
		{"zero seats", req{who: "user", path: evPath, body: `{"quantity":0}`, headers: key("a")}, 400, "validation_failed"},
		{"too many seats", req{who: "user", path: evPath, body: `{"quantity":11}`, headers: key("a")}, 400, "validation_failed"},
		{"quantity not a number", req{who: "user", path: evPath, body: `{"quantity":"two"}`, headers: key("a")}, 400, "validation_failed"},
		{"unknown event", req{who: "user", path: map[string]string{"eventId": "nope"}, body: `{"quantity":1}`, headers: key("a")}, 404, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expect(t, call(t, r.reserve, c.req), c.status, c.code) })
	}

	held := call(t, r.reserve, req{who: "user", path: evPath, body: `{"quantity":2}`, headers: key("r1")})
	expect(t, held, 201, "")
	id := held.str("booking_id")
	if held.str("status") != "held" || len(held.str("booking_reference")) != 10 || held.str("expires_at") == "" {
		t.Fatalf("held = %s", held.raw)
	}
	if total, _ := held.body["total"].(map[string]any); total["amount"] != float64(5000) || total["currency"] != "USD" {
		t.Fatalf("total = %v", held.body["total"])
	}
	replay := call(t, r.reserve, req{who: "user", path: evPath, body: `{ "quantity": 2 }`, headers: key("r1")})
	if replay.status != 201 || replay.raw != held.raw {
		t.Fatalf("replay = %d %s", replay.status, replay.raw)
	}
	bPath := map[string]string{"bookingId": id}
	expect(t, as(t, r.get, "someone-else", req{path: bPath}), 404, "not_found")
	expect(t, call(t, r.tickets, req{who: "user", path: bPath}), 409, "invalid_transition")
	expect(t, call(t, r.confirm, req{who: "user", path: bPath, body: `{"payment_method":"pm_card_visa"}`}), 400, "validation_failed")
	expect(t, call(t, r.confirm, req{who: "user", path: bPath, body: `{"payment_method":"pm_card_chargeDeclined"}`, headers: key("c1")}), 402, "payment_declined")
	expect(t, call(t, r.confirm, req{who: "user", path: bPath, body: `{"payment_method":"pm_card_timeout"}`, headers: key("c2")}), 503, "service_unavailable")
	action := call(t, r.confirm, req{who: "user", path: bPath, body: `{"payment_method":"pm_card_authenticationRequired"}`, headers: key("c2a")})
	expect(t, action, 202, "")
	if action.str("status") != "requires_action" || action.str("client_secret") == "" {
		t.Fatalf("requires action = %s", action.raw)
	}
	if got := call(t, r.get, req{who: "user", path: bPath}); got.str("status") != "held" {
		t.Fatalf("after requires_action the booking is %s, want held", got.raw)
	}
	confirmed := call(t, r.confirm, req{who: "user", path: bPath, body: `{"payment_method":"pm_card_visa"}`, headers: key("c3")})
	expect(t, confirmed, 200, "")
	if confirmed.str("status") != "confirmed" {
		t.Fatalf("confirmed = %s", confirmed.raw)
	}
	got := call(t, r.get, req{who: "user", path: bPath})
	if got.status != 200 || got.str("status") != "confirmed" || got.headers["ETag"] == "" {
		t.Fatalf("get = %d %s", got.status, got.raw)
	}
	mine := call(t, r.mine, req{who: "user", query: map[string]string{"status": "confirmed"}})
	if items, _ := mine.body["items"].([]any); mine.status != 200 || len(items) != 1 {
		t.Fatalf("mine = %s", mine.raw)
	}
	expect(t, call(t, r.mine, req{who: "user", query: map[string]string{"status": "lost"}}), 400, "validation_failed")

	ts := call(t, r.tickets, req{who: "user", path: bPath})
	list, _ := ts.body["tickets"].([]any)
	if ts.status != 200 || len(list) != 2 {
		t.Fatalf("tickets = %s", ts.raw)
	}
	code := list[0].(map[string]any)["code"].(string)
	expect(t, call(t, r.checkIn, req{who: "user", path: evPath, body: `{"code":"` + code + `"}`}), 403, "forbidden")
	expect(t, call(t, r.checkIn, req{who: "admin", path: evPath, body: `{"code":"` + code + `"}`}), 200, "")
	expect(t, call(t, r.checkIn, req{who: "admin", path: evPath, body: `{"code":"` + code + `"}`}), 409, "already_checked_in")
	expect(t, call(t, r.checkIn, req{who: "admin", path: evPath, body: `{"code":"forged"}`}), 404, "not_found")

	stats := call(t, r.stats, req{who: "admin", path: evPath})
	if stats.status != 200 || stats.body["sold"] != float64(2) || stats.body["checked_in"] != float64(1) || stats.body["available"] != float64(98) {
		t.Fatalf("stats = %s", stats.raw)
	}
	if rev, _ := stats.body["revenue"].(map[string]any); rev["amount"] != float64(5000) {
		t.Fatalf("revenue = %v", stats.body["revenue"])
	}
	adm := call(t, r.adminBookings, req{who: "admin", path: evPath})
	if items, _ := adm.body["items"].([]any); adm.status != 200 || len(items) != 1 {
		t.Fatalf("admin bookings = %s", adm.raw)
	}

	expect(t, as(t, r.cancel, "someone-else", req{path: bPath}), 404, "not_found")
	cancelled := call(t, r.cancel, req{who: "user", path: bPath})
	expect(t, cancelled, 200, "")
	if refund, _ := cancelled.body["refund"].(map[string]any); cancelled.str("status") != "cancelled" || refund["percent"] != float64(100) {
		t.Fatalf("cancelled = %s", cancelled.raw)
	}
	expect(t, call(t, r.cancel, req{who: "user", path: bPath}), 200, "")
	stats = call(t, r.stats, req{who: "admin", path: evPath})
	if stats.body["available"] != float64(100) || stats.body["sold"] != float64(0) {
		t.Fatalf("stats after cancel = %s", stats.raw)
	}
}

// An organiser cancels any buyer's booking: a hold is released with no money moved, a
// confirmed booking refunded in full by default, and a repeat answers the same refund.
func TestAdminCancelBooking(t *testing.T) {
	r := newBookingRoutes(t)
	venue := call(t, r.createVenue, req{who: "admin", body: venueBody})
	eventID := call(t, r.createEvent, req{who: "admin", body: eventBody(venue.str("venue_id"))}).str("event_id")
	evPath := map[string]string{"eventId": eventID}
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
	expect(t, call(t, r.publish, req{who: "admin", path: evPath, headers: map[string]string{"If-Match": `"1"`}}), 200, "")

	held := call(t, r.reserve, req{who: "user", path: evPath, body: `{"quantity":1}`, headers: key("h1")}).str("booking_id")
	sold := call(t, r.reserve, req{who: "user", path: evPath, body: `{"quantity":2}`, headers: key("h2")}).str("booking_id")
	expect(t, call(t, r.confirm, req{who: "user", path: map[string]string{"bookingId": sold}, body: `{"payment_method":"pm_card_visa"}`, headers: key("c2")}), 200, "")
	soldPath := map[string]string{"bookingId": sold}

	expect(t, call(t, r.adminCancel, req{who: "user", path: soldPath}), 403, "forbidden")
	expect(t, call(t, r.adminCancel, req{who: "admin", path: soldPath, body: `{"refund":"half"}`}), 400, "validation_failed")
	expect(t, call(t, r.adminCancel, req{who: "admin", path: map[string]string{"bookingId": "nope"}}), 404, "not_found")

	released := call(t, r.adminCancel, req{who: "admin", path: map[string]string{"bookingId": held}})
	if released.status != 200 || released.str("status") != "cancelled" || released.body["refund"] != nil || released.str("user_id") != "user-sub" {
		t.Fatalf("released hold = %d %s", released.status, released.raw)
	}

	first := call(t, r.adminCancel, req{who: "admin", path: soldPath})
	refund, _ := first.body["refund"].(map[string]any)
	amount, _ := refund["amount"].(map[string]any)
	if first.status != 200 || first.str("status") != "cancelled" || refund["percent"] != float64(100) ||
		amount["amount"] != float64(5000) || refund["status"] != "succeeded" || refund["reason"] != "cancelled_by_organiser" {
		t.Fatalf("cancelled = %d %s", first.status, first.raw)
	}
	again := call(t, r.adminCancel, req{who: "admin", path: soldPath, body: `{"refund":"policy"}`})
	if again.status != 200 || again.raw != first.raw {
		t.Fatalf("repeat = %d %s, want the first answer %s", again.status, again.raw, first.raw)
	}
	// The buyer's own cancel after the organiser's answers the same refund too.
	if mine := call(t, r.cancel, req{who: "user", path: soldPath}); mine.status != 200 || mine.str("status") != "cancelled" {
		t.Fatalf("buyer's cancel after = %d %s", mine.status, mine.raw)
	}
	stats := call(t, r.stats, req{who: "admin", path: evPath})
	if stats.body["available"] != float64(100) || stats.body["sold"] != float64(0) || stats.body["held"] != float64(0) {
		t.Fatalf("stats after = %s", stats.raw)
	}
}

// TestBookingSampleEvents invokes every booking function's events/<name>.json on an
// empty table: each must answer without a 5xx.
func TestBookingSampleEvents(t *testing.T) {
	r := newBookingRoutes(t)
	samples := map[string]api.LambdaHandler{
		"create-booking": r.reserve, "confirm-booking": r.confirm, "get-booking": r.get, "list-my-bookings": r.mine,
		"cancel-booking": r.cancel, "get-tickets": r.tickets, "check-in": r.checkIn,
		"admin-list-bookings": r.adminBookings, "event-stats": r.stats, "admin-cancel-booking": r.adminCancel,
	}
	for name, h := range samples {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "events", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatalf("not an HTTP API payload 2.0 event: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, err := h(ctx, ev)
			if err != nil || out.StatusCode >= 500 {
				t.Fatalf("answered %d %s (%v)", out.StatusCode, out.Body, err)
			}
		})
	}
}
