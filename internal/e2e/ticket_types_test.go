package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// Ticket types and promo codes through the real functions: an event created with types,
// the admin routes for types (If-Match on the type's version, the capacity guard,
// delete) and codes (case-insensitive, soft delete), and the public reads listing types
// with hidden ones unlocked by ?promo_code=, each code its own ETag.
func TestTicketTypesAndPromoCodesThroughTheLocalAPI(t *testing.T) {
	st := localtest.Stack(t, localtest.StackOptions{Addr: addr()})
	admin := client{t, st.BaseURL, st.Token(t, "e2e-types-admin", true)}
	public := client{t, st.BaseURL, ""}

	_, venue := admin.must(201, "POST", "/admin/venues", map[string]any{
		"name": "Dock Hall", "address": "2 Quay St", "city": "Bristol", "country": "GB", "capacity": 500,
	}, map[string]string{"Idempotency-Key": "e2e-types-venue"})
	starts := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Second)
	body := map[string]any{
		"name": "Harbour Lights", "venue_id": venue["venue_id"], "category": "concert",
		"starts_at": starts.Format(time.RFC3339), "ends_at": starts.Add(3 * time.Hour).Format(time.RFC3339),
		"capacity": 320,
		"ticket_types": []map[string]any{
			{"name": "General", "price": map[string]any{"amount": 3000, "currency": "GBP"}, "capacity": 300},
			{"name": "VIP", "price": map[string]any{"amount": 9000, "currency": "GBP"}, "capacity": 50, "max_per_order": 4},
			{"name": "Crew", "price": map[string]any{"amount": 0, "currency": "GBP"}, "capacity": 10, "hidden": true},
		},
	}
	status, _, bad := admin.do("POST", "/admin/events", map[string]any{
		"name": "x", "venue_id": venue["venue_id"], "starts_at": body["starts_at"], "ends_at": body["ends_at"], "capacity": 10,
		"ticket_types": []map[string]any{{"name": "A", "price": map[string]any{"amount": 1, "currency": "GBP"}, "capacity": 11}},
	}, nil)
	if status != 400 || fieldOf(bad, "ticket_types[0].capacity") == "" {
		t.Fatalf("a type over the event's capacity: %d %v", status, bad)
	}
	_, event := admin.must(201, "POST", "/admin/events", body, map[string]string{"Idempotency-Key": "e2e-types-event"})
	id := event["event_id"].(string)
	types := event["ticket_types"].([]any)
	if len(types) != 3 || event["price"].(map[string]any)["amount"].(float64) != 3000 {
		t.Fatalf("created %v", event)
	}
	typeID := map[string]string{}
	for _, x := range types {
		m := x.(map[string]any)
		typeID[m["name"].(string)] = m["ticket_type_id"].(string)
	}
	_, published := admin.must(200, "POST", "/admin/events/"+id+"/publish", nil, nil)
	admin.must(400, "PATCH", "/admin/events/"+id, map[string]any{"price": map[string]any{"amount": 1, "currency": "GBP"}},
		map[string]string{"If-Match": strconv.Itoa(int(published["version"].(float64)))})

	_, got := public.must(200, "GET", "/events/"+id, nil, nil)
	if n := len(got["ticket_types"].([]any)); n != 2 {
		t.Fatalf("public event lists %d types, want 2 (Crew is hidden): %v", n, got["ticket_types"])
	}

	// Types: add one, patch it on its version, refuse a stale one, delete it.
	typesPath := "/admin/events/" + id + "/ticket-types"
	_, student := admin.must(201, "POST", typesPath, map[string]any{
		"name": "Student", "price": map[string]any{"amount": 1500, "currency": "GBP"}, "capacity": 30,
	}, map[string]string{"Idempotency-Key": "e2e-student"})
	sid := student["ticket_type_id"].(string)
	_, again := admin.must(201, "POST", typesPath, map[string]any{
		"name": "Student", "price": map[string]any{"amount": 1500, "currency": "GBP"}, "capacity": 30,
	}, map[string]string{"Idempotency-Key": "e2e-student"})
	if again["ticket_type_id"] != sid {
		t.Fatalf("replayed POST made another type: %v", again)
	}
	admin.must(428, "PATCH", typesPath+"/"+sid, map[string]any{"capacity": 40}, nil)
	h, patched := admin.must(200, "PATCH", typesPath+"/"+sid, map[string]any{"capacity": 40}, map[string]string{"If-Match": `"1"`})
	if patched["capacity"].(float64) != 40 || patched["available"].(float64) != 40 || h.Get("ETag") != `"2"` {
		t.Fatalf("patched %v (ETag %s)", patched, h.Get("ETag"))
	}
	admin.must(412, "PATCH", typesPath+"/"+sid, map[string]any{"capacity": 41}, map[string]string{"If-Match": `"1"`})
	admin.must(412, "DELETE", typesPath+"/"+sid, nil, map[string]string{"If-Match": `"1"`})
	admin.must(204, "DELETE", typesPath+"/"+sid, nil, map[string]string{"If-Match": `"2"`})
	admin.must(404, "PATCH", typesPath+"/"+sid, map[string]any{"capacity": 41}, map[string]string{"If-Match": `"2"`})

	// Promo codes.
	codesPath := "/admin/events/" + id + "/promo-codes"
	_, code := admin.must(201, "POST", codesPath, map[string]any{
		"code": "crew-pass", "unlocks_hidden": true, "ticket_type_ids": []string{typeID["Crew"]},
	}, map[string]string{"Idempotency-Key": "e2e-crew"})
	if code["code"] != "CREW-PASS" || code["uses"].(float64) != 0 {
		t.Fatalf("created code %v", code)
	}
	admin.must(409, "POST", codesPath, map[string]any{"code": "Crew-Pass", "percent_off_bp": 1000}, nil)
	admin.must(400, "POST", codesPath, map[string]any{"code": "HALF", "percent_off_bp": 20000}, nil)
	_, list := admin.must(200, "GET", codesPath, nil, nil)
	if len(list["items"].([]any)) != 1 {
		t.Fatalf("codes %v", list)
	}
	admin.must(200, "GET", codesPath+"/crew-pass", nil, nil)

	h, plain := public.must(200, "GET", "/events/"+id+"/availability", nil, nil)
	plainTag := h.Get("ETag")
	h, unlocked := public.must(200, "GET", "/events/"+id+"/availability?promo_code=crew-pass", nil, nil)
	codeTag := h.Get("ETag")
	if len(plain["ticket_types"].([]any)) != 2 || len(unlocked["ticket_types"].([]any)) != 3 || codeTag == plainTag {
		t.Fatalf("availability %v / with the code %v (ETags %s, %s)", plain, unlocked, plainTag, codeTag)
	}
	if status, _, _ := public.do("GET", "/events/"+id+"/availability?promo_code=crew-pass", nil, map[string]string{"If-None-Match": codeTag}); status != 304 {
		t.Errorf("If-None-Match with the code's ETag = %d, want 304", status)
	}
	if status, _, _ := public.do("GET", "/events/"+id+"/availability", nil, map[string]string{"If-None-Match": codeTag}); status != 200 {
		t.Errorf("the code's ETag without the code = %d, want 200", status)
	}
	_, unlockedEvent := public.must(200, "GET", "/events/"+id+"?promo_code=CREW-PASS", nil, nil)
	if len(unlockedEvent["ticket_types"].([]any)) != 3 {
		t.Fatalf("event with the code lists %v", unlockedEvent["ticket_types"])
	}

	_, edited := admin.must(200, "PATCH", codesPath+"/CREW-PASS", map[string]any{"max_uses": 5}, map[string]string{"If-Match": `"1"`})
	if edited["rev"].(float64) != 2 || edited["max_uses"].(float64) != 5 {
		t.Fatalf("edited code %v", edited)
	}
	admin.must(412, "DELETE", codesPath+"/CREW-PASS", nil, map[string]string{"If-Match": `"1"`})
	admin.must(204, "DELETE", codesPath+"/crew-pass", nil, map[string]string{"If-Match": `"2"`})
	_, deleted := admin.must(200, "GET", codesPath+"/crew-pass", nil, nil)
	if deleted["deleted_at"] == nil {
		t.Fatalf("deleted code %v", deleted)
	}
}

func fieldOf(body map[string]any, field string) string {
	e, _ := body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	s, _ := f[field].(string)
	return s
}
