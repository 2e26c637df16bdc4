package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/payments"
)

// routes are the catalogue's wrapped handlers, as the functions' main.go build them, on
// a fresh table.
type routes struct {
	createVenue, listVenues, getVenue, updateVenue, deleteVenue  api.LambdaHandler
	createEvent, adminList, adminGet, updateEvent, publish, stop api.LambdaHandler
	listEvents, getEvent, availability                           api.LambdaHandler
	// bookings reserves on the same table (simulated payments).
	bookings *booking.Service
}

func newRoutes(t *testing.T) routes {
	t.Helper()
	db, table := localtest.Table(t)
	store := dynamo.New(db, table)
	svc := catalog.NewService(store, time.Now)
	// No caching here: the test reads availability right after publishing.
	reader := catalog.NewAvailabilityReader(store, 0, time.Now)
	return routes{
		createVenue:  api.Wrap(api.Admin, api.CreateVenue(svc)),
		listVenues:   api.Wrap(api.Admin, api.ListVenues(svc)),
		getVenue:     api.Wrap(api.Admin, api.GetVenue(svc)),
		updateVenue:  api.Wrap(api.Admin, api.UpdateVenue(svc)),
		deleteVenue:  api.Wrap(api.Admin, api.DeleteVenue(svc)),
		createEvent:  api.Wrap(api.Admin, api.CreateEvent(svc)),
		adminList:    api.Wrap(api.Admin, api.AdminListEvents(svc)),
		adminGet:     api.Wrap(api.Admin, api.AdminGetEvent(svc)),
		updateEvent:  api.Wrap(api.Admin, api.UpdateEvent(svc)),
		publish:      api.Wrap(api.Admin, api.PublishEvent(svc)),
		stop:         api.Wrap(api.Admin, api.CancelEvent(svc)),
		listEvents:   api.Wrap(api.Public, api.ListEvents(svc)),
		getEvent:     api.Wrap(api.Public, api.GetEvent(svc)),
		availability: api.Wrap(api.Public, api.GetAvailability(reader, time.Second)),
		bookings: booking.NewService(booking.Deps{Store: dynamo.NewBookings(db, table),
			Payments: payments.NewSimulated(dynamo.NewPaymentLedger(db, table))}, booking.Config{}),
	}
}

// req builds what API Gateway sends; who is "admin", "user" or "" (no token).
type req struct {
	who     string
	path    map[string]string
	query   map[string]string
	headers map[string]string
	body    string
}

func (r req) event() events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", PathParameters: r.path, QueryStringParameters: r.query, Body: r.body,
		Headers:        map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-1"},
	}
	for k, v := range r.headers {
		ev.Headers[strings.ToLower(k)] = v
	}
	switch r.who {
	case "admin":
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "admin-sub", "cognito:groups": "[admins]"}}}
	case "user":
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "user-sub"}}}
	}
	return ev
}

type answer struct {
	status  int
	headers map[string]string
	body    map[string]any
	raw     string
}

func call(t *testing.T, h api.LambdaHandler, r req) answer {
	t.Helper()
	out, err := h(context.Background(), r.event())
	if err != nil {
		t.Fatalf("handler returned a Go error: %v", err)
	}
	a := answer{status: out.StatusCode, headers: out.Headers, raw: out.Body}
	if out.Body != "" {
		if err := json.Unmarshal([]byte(out.Body), &a.body); err != nil {
			t.Fatalf("body is not a JSON object: %q", out.Body)
		}
	}
	if out.Headers["X-Request-Id"] != "req-1" {
		t.Fatalf("X-Request-Id = %q", out.Headers["X-Request-Id"])
	}
	return a
}

func (a answer) code() string {
	if e, ok := a.body["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func (a answer) str(k string) string { s, _ := a.body[k].(string); return s }

func expect(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.code() != code {
		t.Fatalf("got %d %q, want %d %q: %s", a.status, a.code(), status, code, a.raw)
	}
}

const venueBody = `{"name":"Arena","address":"1 Main St","city":"Austin","country":"US","capacity":500}`

func eventBody(venueID string) string {
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	return fmt.Sprintf(`{"name":"Show","category":"live-music","venue_id":%q,"starts_at":%q,"ends_at":%q,"capacity":100,"price":{"amount":2500,"currency":"USD"}}`,
		venueID, start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339))
}

func TestVenueRoutes(t *testing.T) {
	r := newRoutes(t)
	cases := []struct {
		name   string
		h      api.LambdaHandler
		req    req
		status int
		code   string
	}{
		{"no token", r.createVenue, req{body: venueBody}, 401, "unauthorized"},
		{"not an admin", r.createVenue, req{who: "user", body: venueBody}, 403, "forbidden"},
		{"malformed JSON", r.createVenue, req{who: "admin", body: `{"name":`}, 400, "validation_failed"},
		{"unknown field", r.createVenue, req{who: "admin", body: `{"name":"A","colour":"red"}`}, 400, "validation_failed"},
		{"wrong type", r.createVenue, req{who: "admin", body: `{"name":"A","capacity":"many"}`}, 400, "validation_failed"},
		{"not an object", r.createVenue, req{who: "admin", body: `[1,2]`}, 400, "validation_failed"},
		{"empty body", r.createVenue, req{who: "admin"}, 400, "validation_failed"},
		{"oversized body", r.createVenue, req{who: "admin", body: `{"name":"` + strings.Repeat("a", api.MaxBodyBytes) + `"}`}, 413, "payload_too_large"},
		{"invalid fields", r.createVenue, req{who: "admin", body: `{"name":"","capacity":0}`}, 400, "validation_failed"},
		{"bad id", r.getVenue, req{who: "admin", path: map[string]string{"venueId": "../../x"}}, 404, "not_found"},
		{"unknown id", r.getVenue, req{who: "admin", path: map[string]string{"venueId": catalog.NewID()}}, 404, "not_found"},
		{"bad cursor", r.listVenues, req{who: "admin", query: map[string]string{"cursor": "%%%"}}, 400, "validation_failed"},
		{"bad limit", r.listVenues, req{who: "admin", query: map[string]string{"limit": "1000"}}, 400, "validation_failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expect(t, call(t, c.h, c.req), c.status, c.code) })
	}

	created := call(t, r.createVenue, req{who: "admin", body: venueBody, headers: map[string]string{"Idempotency-Key": "k1"}})
	expect(t, created, 201, "")
	id := created.str("venue_id")
	if created.headers["ETag"] != `"1"` || created.headers["Location"] != "/admin/venues/"+id {
		t.Fatalf("create headers = %v", created.headers)
	}
	again := call(t, r.createVenue, req{who: "admin", body: venueBody, headers: map[string]string{"Idempotency-Key": "k1"}})
	if again.status != 201 || again.raw != created.raw {
		t.Fatalf("repeat create = %d %s, want the first answer %s", again.status, again.raw, created.raw)
	}
	expect(t, call(t, r.createVenue, req{who: "admin", body: strings.Replace(venueBody, "500", "600", 1),
		headers: map[string]string{"Idempotency-Key": "k1"}}), 422, "idempotency_key_reused")

	path := map[string]string{"venueId": id}
	expect(t, call(t, r.updateVenue, req{who: "admin", path: path, body: `{"name":"New"}`}), 428, "precondition_required")
	expect(t, call(t, r.updateVenue, req{who: "admin", path: path, body: `{"name":"New"}`, headers: map[string]string{"If-Match": "x"}}), 400, "validation_failed")
	stale := call(t, r.updateVenue, req{who: "admin", path: path, body: `{"name":"New"}`, headers: map[string]string{"If-Match": `"7"`}})
	expect(t, stale, 412, "version_conflict")
	updated := call(t, r.updateVenue, req{who: "admin", path: path, body: `{"name":"New"}`, headers: map[string]string{"If-Match": `"1"`}})
	expect(t, updated, 200, "")
	if updated.str("name") != "New" || updated.headers["ETag"] != `"2"` {
		t.Fatalf("updated = %s %v", updated.raw, updated.headers)
	}
	list := call(t, r.listVenues, req{who: "admin", query: map[string]string{"city": "austin"}})
	if items, _ := list.body["items"].([]any); list.status != 200 || len(items) != 1 {
		t.Fatalf("list = %d %s", list.status, list.raw)
	}

	ev := call(t, r.createEvent, req{who: "admin", body: eventBody(id)})
	expect(t, ev, 201, "")
	expect(t, call(t, r.deleteVenue, req{who: "admin", path: path}), 409, "venue_in_use")

	other := call(t, r.createVenue, req{who: "admin", body: venueBody})
	del := call(t, r.deleteVenue, req{who: "admin", path: map[string]string{"venueId": other.str("venue_id")}})
	if del.status != http.StatusNoContent || del.raw != "" {
		t.Fatalf("delete = %d %s", del.status, del.raw)
	}
}

func TestEventRoutes(t *testing.T) {
	r := newRoutes(t)
	venue := call(t, r.createVenue, req{who: "admin", body: venueBody})
	created := call(t, r.createEvent, req{who: "admin", body: eventBody(venue.str("venue_id"))})
	expect(t, created, 201, "")
	id := created.str("event_id")
	path := map[string]string{"eventId": id}
	if created.str("status") != "draft" || created.body["available"] != 100.0 || created.body["held"] != 0.0 ||
		created.body["sold_out"] != false || created.body["max_tickets_per_booking"] != 10.0 {
		t.Fatalf("created = %s", created.raw)
	}

	// Drafts are invisible to the public, visible to admins.
	expect(t, call(t, r.getEvent, req{path: path}), 404, "not_found")
	expect(t, call(t, r.availability, req{path: path}), 404, "not_found")
	expect(t, call(t, r.adminGet, req{who: "admin", path: path}), 200, "")
	expect(t, call(t, r.adminGet, req{who: "user", path: path}), 403, "forbidden")

	cases := []struct {
		name   string
		h      api.LambdaHandler
		req    req
		status int
		code   string
	}{
		{"create: fields named", r.createEvent, req{who: "admin", body: `{"name":"","capacity":0,"price":{"amount":-1,"currency":"usd1"}}`}, 400, "validation_failed"},
		{"create: time as number", r.createEvent, req{who: "admin", body: `{"starts_at":5}`}, 400, "validation_failed"},
		{"patch: no If-Match", r.updateEvent, req{who: "admin", path: path, body: `{"name":"X"}`}, 428, "precondition_required"},
		{"patch: stale If-Match", r.updateEvent, req{who: "admin", path: path, body: `{"name":"X"}`, headers: map[string]string{"If-Match": "9"}}, 412, "version_conflict"},
		{"patch: unknown field", r.updateEvent, req{who: "admin", path: path, body: `{"status":"published"}`, headers: map[string]string{"If-Match": "1"}}, 400, "validation_failed"},
		{"patch: bad id", r.updateEvent, req{who: "admin", path: map[string]string{"eventId": "nope"}, body: `{"name":"X"}`, headers: map[string]string{"If-Match": "1"}}, 404, "not_found"},
		{"publish: stale If-Match", r.publish, req{who: "admin", path: path, headers: map[string]string{"If-Match": "5"}}, 412, "version_conflict"},
		{"list: bad status", r.adminList, req{who: "admin", query: map[string]string{"status": "gone"}}, 400, "validation_failed"},
		{"public list: bad from", r.listEvents, req{query: map[string]string{"from": "tomorrow"}}, 400, "validation_failed"},
		{"public list: bad cursor", r.listEvents, req{query: map[string]string{"cursor": "eyJhIjoiYiJ9"}}, 400, "validation_failed"},
		{"public: bad id", r.getEvent, req{path: map[string]string{"eventId": "'; DROP"}}, 404, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expect(t, call(t, c.h, c.req), c.status, c.code) })
	}
	bad := call(t, r.createEvent, req{who: "admin", body: `{"name":"","capacity":0,"price":{"amount":-1,"currency":"usd1"}}`})
	fields, _ := bad.body["error"].(map[string]any)["fields"].(map[string]any)
	for _, f := range []string{"name", "capacity", "price.amount", "price.currency", "starts_at", "ends_at", "venue_id", "category"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("validation error does not name %s: %s", f, bad.raw)
		}
	}

	patched := call(t, r.updateEvent, req{who: "admin", path: path, body: `{"name":"Renamed","capacity":120}`, headers: map[string]string{"If-Match": `"1"`}})
	expect(t, patched, 200, "")
	if patched.str("name") != "Renamed" || patched.body["available"] != 120.0 || patched.headers["ETag"] != `"2"` {
		t.Fatalf("patched = %s", patched.raw)
	}
	published := call(t, r.publish, req{who: "admin", path: path, headers: map[string]string{"If-Match": `"2"`}})
	expect(t, published, 200, "")
	expect(t, call(t, r.publish, req{who: "admin", path: path}), 409, "invalid_transition")

	public := call(t, r.getEvent, req{path: path})
	expect(t, public, 200, "")
	if _, leaked := public.body["held"]; leaked || public.str("status") != "published" {
		t.Fatalf("public event = %s", public.raw)
	}
	list := call(t, r.listEvents, req{query: map[string]string{"city": "Austin", "category": "live-music"}})
	if items, _ := list.body["items"].([]any); list.status != 200 || len(items) != 1 {
		t.Fatalf("public list = %d %s", list.status, list.raw)
	}

	avail := call(t, r.availability, req{path: path})
	expect(t, avail, 200, "")
	if avail.headers["ETag"] != `"3"` || avail.headers["Cache-Control"] != "public, max-age=1" ||
		avail.body["available"] != 120.0 || avail.body["capacity"] != 120.0 || avail.str("as_of") == "" {
		t.Fatalf("availability = %s %v", avail.raw, avail.headers)
	}
	notModified := call(t, r.availability, req{path: path, headers: map[string]string{"If-None-Match": `"3"`}})
	if notModified.status != http.StatusNotModified || notModified.raw != "" || notModified.headers["ETag"] != `"3"` {
		t.Fatalf("If-None-Match = %d %s %v", notModified.status, notModified.raw, notModified.headers)
	}
	expect(t, call(t, r.availability, req{path: path, headers: map[string]string{"If-None-Match": `"2"`}}), 200, "")

	cancelled := call(t, r.stop, req{who: "admin", path: path})
	expect(t, cancelled, 200, "")
	expect(t, call(t, r.stop, req{who: "admin", path: path}), 409, "invalid_transition")
	expect(t, call(t, r.updateEvent, req{who: "admin", path: path, body: `{"name":"X"}`, headers: map[string]string{"If-Match": "4"}}), 409, "invalid_transition")
	if c := call(t, r.getEvent, req{path: path}); c.status != 200 || c.str("status") != "cancelled" {
		t.Fatalf("cancelled event, public = %d %s", c.status, c.raw)
	}
	list = call(t, r.listEvents, req{})
	if items, _ := list.body["items"].([]any); len(items) != 0 {
		t.Fatalf("cancelled event still listed: %s", list.raw)
	}
	admin := call(t, r.adminList, req{who: "admin", query: map[string]string{"status": "cancelled"}})
	if items, _ := admin.body["items"].([]any); admin.status != 200 || len(items) != 1 {
		t.Fatalf("admin list = %s", admin.raw)
	}
}

// TestSampleEvents invokes every catalogue function's events/<name>.json, as API Gateway
// would send it, on an empty table: each must answer without a 5xx.
func TestSampleEvents(t *testing.T) {
	r := newRoutes(t)
	samples := map[string]api.LambdaHandler{
		"create-venue": r.createVenue, "list-venues": r.listVenues, "get-venue": r.getVenue,
		"update-venue": r.updateVenue, "delete-venue": r.deleteVenue, "create-event": r.createEvent,
		"admin-list-events": r.adminList, "admin-get-event": r.adminGet, "update-event": r.updateEvent,
		"publish-event": r.publish, "cancel-event": r.stop, "list-events": r.listEvents,
		"get-event": r.getEvent, "get-availability": r.availability,
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
			out, err := h(context.Background(), ev)
			if err != nil || out.StatusCode >= 500 {
				t.Fatalf("answered %d %s (%v)", out.StatusCode, out.Body, err)
			}
			if strings.HasPrefix(ev.RouteKey, "POST /admin/venues") && out.StatusCode != http.StatusCreated {
				t.Fatalf("the create sample should create: %d %s", out.StatusCode, out.Body)
			}
		})
	}
}

// TestRacingAdmins sends N PATCHes carrying the same If-Match at once: exactly one is 200,
// the rest 412, and the event's version moved by one.
func TestRacingAdmins(t *testing.T) {
	r := newRoutes(t)
	venue := call(t, r.createVenue, req{who: "admin", body: venueBody})
	created := call(t, r.createEvent, req{who: "admin", body: eventBody(venue.str("venue_id"))})
	path := map[string]string{"eventId": created.str("event_id")}
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, err := r.updateEvent(context.Background(), req{who: "admin", path: path,
				body: fmt.Sprintf(`{"name":"Admin %d"}`, i), headers: map[string]string{"If-Match": `"1"`}}.event())
			if err != nil {
				t.Error(err)
			}
			statuses[i] = out.StatusCode
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusPreconditionFailed:
		default:
			t.Fatalf("statuses = %v", statuses)
		}
	}
	got := call(t, r.adminGet, req{who: "admin", path: path})
	if ok != 1 || got.body["version"] != 2.0 {
		t.Fatalf("%d won (statuses %v), version %v", ok, statuses, got.body["version"])
	}
}
