package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/api"
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
