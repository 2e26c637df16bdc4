package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// inventory_shards through the admin routes: set on create, shown in the admin view,
// bounded, changeable while draft only; availability sums the shards once published.
func TestShardedEventRoutes(t *testing.T) {
	r := newRoutes(t)
	venue := call(t, r.createVenue, req{who: "admin", body: venueBody})
	body := func(shards string) string {
		return strings.Replace(eventBody(venue.str("venue_id")), `"capacity":100`, `"capacity":100,"inventory_shards":`+shards, 1)
	}
	bad := call(t, r.createEvent, req{who: "admin", body: body("65")})
	expect(t, bad, 400, "validation_failed")
	if fields, _ := bad.body["error"].(map[string]any)["fields"].(map[string]any); fields["inventory_shards"] == nil {
		t.Fatalf("400 does not name inventory_shards: %s", bad.raw)
	}
	created := call(t, r.createEvent, req{who: "admin", body: body("8")})
	expect(t, created, 201, "")
	if created.body["inventory_shards"] != 8.0 {
		t.Fatalf("created = %s", created.raw)
	}
	path := map[string]string{"eventId": created.str("event_id")}
	expect(t, call(t, r.updateEvent, req{who: "admin", path: path, body: `{"inventory_shards":4}`, headers: map[string]string{"If-Match": `"1"`}}), 200, "")
	expect(t, call(t, r.publish, req{who: "admin", path: path, headers: map[string]string{"If-Match": `"2"`}}), 200, "")
	refused := call(t, r.updateEvent, req{who: "admin", path: path, body: `{"inventory_shards":8}`, headers: map[string]string{"If-Match": `"3"`}})
	expect(t, refused, 409, "invalid_transition")
	grown := call(t, r.updateEvent, req{who: "admin", path: path, body: `{"capacity":103}`, headers: map[string]string{"If-Match": `"3"`}})
	expect(t, grown, 200, "")
	if grown.body["inventory_shards"] != 4.0 || grown.body["available"] != 103.0 {
		t.Fatalf("grown = %s", grown.raw)
	}
	avail := call(t, r.availability, req{path: path})
	if avail.status != 200 || avail.body["available"] != 103.0 || avail.body["capacity"] != 103.0 {
		t.Fatalf("availability = %s", avail.raw)
	}

	// A reservation writes one shard and not the event item: the polling pages' ETags
	// must still move, and stay put while nothing does.
	page := call(t, r.getEvent, req{path: path})
	if _, err := r.bookings.Reserve(context.Background(), "buyer", path["eventId"], 2, "key-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, poll := range []struct {
		name string
		h    api.LambdaHandler
		was  answer
	}{{"availability", r.availability, avail}, {"event page", r.getEvent, page}} {
		now := call(t, poll.h, req{path: path})
		if now.status != 200 || now.body["available"] != 101.0 || now.headers["ETag"] == poll.was.headers["ETag"] {
			t.Errorf("%s after a reservation: %d %v, ETag %s (was %s)", poll.name, now.status, now.body["available"], now.headers["ETag"], poll.was.headers["ETag"])
		}
		if stale := call(t, poll.h, req{path: path, headers: map[string]string{"If-None-Match": poll.was.headers["ETag"]}}); stale.status != 200 {
			t.Errorf("%s polled with the tag from before the reservation: %d", poll.name, stale.status)
		}
	}
	if same := call(t, r.availability, req{path: path, headers: map[string]string{"If-None-Match": call(t, r.availability, req{path: path}).headers["ETag"]}}); same.status != 304 {
		t.Errorf("availability polled with its current tag: %d", same.status)
	}
}

// Ticket types of a published sharded event through the admin routes: added, patched
// (If-Match, 412 when stale) and deleted like any event's, the availability summing
// the shards.
func TestShardedEventTypeRoutes(t *testing.T) {
	db, table := localtest.Table(t)
	store := dynamo.New(db, table)
	svc, types := catalog.NewService(store, time.Now), catalog.NewTypeService(store, time.Now)
	createVenue, createEvent := api.Wrap(api.Admin, api.CreateVenue(svc)), api.Wrap(api.Admin, api.CreateEvent(svc))
	publish, availability := api.Wrap(api.Admin, api.PublishEvent(svc)), api.Wrap(api.Public, api.GetAvailability(catalog.NewAvailabilityReader(store, 0, time.Now), time.Second))
	createType, updateType := api.Wrap(api.Admin, api.CreateTicketType(types)), api.Wrap(api.Admin, api.UpdateTicketType(types))
	deleteType := api.Wrap(api.Admin, api.DeleteTicketType(types))

	venue := call(t, createVenue, req{who: "admin", body: venueBody})
	body := strings.Replace(eventBody(venue.str("venue_id")), `"capacity":100,"price":{"amount":2500,"currency":"USD"}`,
		`"capacity":100,"inventory_shards":8,"ticket_types":[{"name":"Floor","price":{"amount":5000,"currency":"USD"},"capacity":100}]`, 1)
	created := call(t, createEvent, req{who: "admin", body: body})
	expect(t, created, 201, "")
	path := map[string]string{"eventId": created.str("event_id")}
	expect(t, call(t, publish, req{who: "admin", path: path, headers: map[string]string{"If-Match": `"1"`}}), 200, "")

	added := call(t, createType, req{who: "admin", path: path, body: `{"name":"Balcony","price":{"amount":3000,"currency":"USD"},"capacity":20}`})
	expect(t, added, 201, "")
	typePath := map[string]string{"eventId": path["eventId"], "typeId": added.str("ticket_type_id")}
	patched := call(t, updateType, req{who: "admin", path: typePath, body: `{"capacity":12,"price":{"amount":3500,"currency":"USD"}}`,
		headers: map[string]string{"If-Match": `"1"`}})
	expect(t, patched, 200, "")
	if patched.num("capacity") != 12 || patched.num("version") != 2 {
		t.Fatalf("patched = %s", patched.raw)
	}
	expect(t, call(t, updateType, req{who: "admin", path: typePath, body: `{"capacity":13}`, headers: map[string]string{"If-Match": `"1"`}}), 412, "version_conflict")
	avail := call(t, availability, req{path: path})
	if avail.status != 200 || !strings.Contains(avail.raw, `"Balcony"`) {
		t.Fatalf("availability = %s", avail.raw)
	}
	expect(t, call(t, deleteType, req{who: "admin", path: typePath, headers: map[string]string{"If-Match": `"2"`}}), 204, "")
}
