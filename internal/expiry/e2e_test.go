package expiry_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// client calls the local stack's HTTP API as one user.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) call(method, path string, body any, key string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (c client) must(status int, method, path string, body any, key string) map[string]any {
	c.t.Helper()
	got, out := c.call(method, path, body, key)
	if got != status {
		c.t.Fatalf("%s %s = %d %v, want %d", method, path, got, out, status)
	}
	return out
}

// eventually polls until ok says the state arrived; the bound only stops a broken run
// (it asserts on the state, not on how fast it came).
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(4 * time.Minute); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s never happened", what)
}

// TestWaitlistAndExpiryEndToEnd runs through the whole local stack (gateway, real
// function binaries, the SQS poller of the waitlist worker, the sweeper's schedule) with
// one-minute holds: a sold-out buyer is enrolled, a cancellation becomes their offer,
// the offer is confirmed, and an unconfirmed hold expires by the sweeper.
func TestWaitlistAndExpiryEndToEnd(t *testing.T) {
	t.Parallel()
	st := stack(t)
	admin := client{t, st.BaseURL, st.Token(t, "wl-admin", true)}
	ana := client{t, st.BaseURL, st.Token(t, "wl-ana", false)}
	bo := client{t, st.BaseURL, st.Token(t, "wl-bo", false)}
	cy := client{t, st.BaseURL, st.Token(t, "wl-cy", false)}

	venue := admin.must(201, "POST", "/admin/venues", map[string]any{"name": "Waitlist Hall", "address": "1 Main St",
		"city": "Lisbon", "country": "PT", "capacity": 100}, "")
	starts := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	ev := admin.must(201, "POST", "/admin/events", map[string]any{"name": "Sold Out Show", "category": "music",
		"venue_id": venue["venue_id"], "starts_at": starts.Format(time.RFC3339), "ends_at": starts.Add(2 * time.Hour).Format(time.RFC3339),
		"capacity": 2, "price": map[string]any{"amount": 2500, "currency": "USD"}, "max_tickets_per_booking": 2,
		"offer_window_minutes": 5}, "")
	id := ev["event_id"].(string)
	admin.must(200, "POST", "/admin/events/"+id+"/publish", nil, "")

	hold := ana.must(201, "POST", "/events/"+id+"/bookings", map[string]any{"quantity": 2}, "ana-1")
	// Sold out: Bo is put in line.
	code, out := bo.call("POST", "/events/"+id+"/bookings", map[string]any{"quantity": 1}, "bo-1")
	errObj, _ := out["error"].(map[string]any)
	wl, _ := errObj["waitlist"].(map[string]any)
	if code != 409 || errObj["code"] != "sold_out" || wl["position"] != float64(1) {
		t.Fatalf("sold-out reservation = %d %v", code, out)
	}
	// Sold out stays listed, and says so.
	if pub := bo.must(200, "GET", "/events/"+id, nil, ""); pub["sold_out"] != true || pub["offer_window_minutes"] != float64(5) {
		t.Errorf("public event while sold out = %v", pub)
	}
	// Ana cancels: the seats go to the line, the worker offers Bo one of them.
	ana.must(200, "POST", "/bookings/"+hold["booking_id"].(string)+"/cancel", nil, "")
	var offer map[string]any
	eventually(t, "an offer for Bo", func() bool {
		me := bo.must(200, "GET", "/events/"+id+"/waitlist/me", nil, "")
		offer, _ = me["offer"].(map[string]any)
		return me["status"] == "offered" && offer != nil
	})
	offerID := offer["booking_id"].(string)
	// The offer lasts the event's own window, not the deployment's 30-minute default.
	if exp, err := time.Parse(time.RFC3339, fmt.Sprint(offer["expires_at"])); err != nil ||
		time.Until(exp) > 5*time.Minute || time.Until(exp) < 4*time.Minute {
		t.Errorf("offer expires at %v (%v), want about 5 minutes from now", offer["expires_at"], err)
	}
	if b := bo.must(200, "GET", "/bookings/"+offerID, nil, ""); b["status"] != "held" || b["source"] != "waitlist" {
		t.Errorf("offer = %v", b)
	}
	bo.must(200, "POST", "/bookings/"+offerID+"/confirm", map[string]any{"payment_method": "pm_card_visa"}, "bo-pay")
	if me := bo.must(200, "GET", "/events/"+id+"/waitlist/me", nil, ""); me["status"] != "fulfilled" {
		t.Errorf("after confirming, Bo's entry = %v", me)
	}
	// Nobody waits any more: the other seat went back to the public. Cy holds it and lets
	// the one-minute hold lapse; the sweeper expires it and the seat returns.
	var cyHold map[string]any
	eventually(t, "the leftover seat back on sale", func() bool {
		code, out := cy.call("POST", "/events/"+id+"/bookings", map[string]any{"quantity": 1, "waitlist": false}, fmt.Sprintf("cy-%d", time.Now().UnixNano()))
		cyHold = out
		return code == 201
	})
	eventually(t, "Cy's hold expiring", func() bool {
		b := cy.must(200, "GET", "/bookings/"+cyHold["booking_id"].(string), nil, "")
		return b["status"] == "expired"
	})
	stats := admin.must(200, "GET", "/admin/events/"+id+"/stats", nil, "")
	if stats["available"] != float64(1) || stats["held"] != float64(0) || stats["sold"] != float64(1) {
		t.Errorf("stats = %v", stats)
	}
}
