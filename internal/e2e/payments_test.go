package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	sdk "github.com/stripe/stripe-go/v85"

	"github.com/bookmyevent/bookmyevent/internal/localstack/stripemock"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/payments/stripe"
)

// payStack is the stack with StripeApiBase on the test binary's stripe-mock front, whose
// counts say how many PaymentIntents and Refunds were really created. Run the package
// under `go run ./cmd/local exec` so every test of the binary shares that stripe-mock.
func payStack(t testing.TB) (*localtest.LocalStack, string) {
	url := stripemock.ForTest(t)
	return localtest.Stack(t, localtest.StackOptions{Addr: addr(), Params: map[string]string{"StripeApiBase": url}}), url
}

// counts are what Stripe's front saw created for one booking: test binaries share one
// stripe-mock, so totals would count other tests' payments too.
func counts(t testing.TB, url, bookingID string) stripemock.Counts {
	t.Helper()
	c, err := stripemock.ReadCounts(context.Background(), url, bookingID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// onSale creates and publishes an event of capacity seats at 4500 GBP and returns its id.
func onSale(t testing.TB, admin client, name string, capacity int) string {
	t.Helper()
	_, venue := admin.must(201, "POST", "/admin/venues", map[string]any{
		"name": "Pay Hall " + name, "address": "1 Quay St", "city": "Bristol", "country": "GB", "capacity": 500,
	}, map[string]string{"Idempotency-Key": "pay-venue-" + name})
	starts := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Second)
	_, event := admin.must(201, "POST", "/admin/events", map[string]any{
		"name": "Pay " + name, "venue_id": venue["venue_id"], "category": "concert",
		"starts_at": starts.Format(time.RFC3339), "ends_at": starts.Add(3 * time.Hour).Format(time.RFC3339),
		"capacity": capacity, "price": map[string]any{"amount": 4500, "currency": "GBP"},
	}, map[string]string{"Idempotency-Key": "pay-event-" + name})
	id := event["event_id"].(string)
	admin.must(200, "POST", "/admin/events/"+id+"/publish", nil, nil)
	return id
}

func hold(t testing.TB, c client, eventID, key string, quantity int) string {
	t.Helper()
	_, b := c.must(201, "POST", "/events/"+eventID+"/bookings", map[string]any{"quantity": quantity, "waitlist": false},
		map[string]string{"Idempotency-Key": key})
	return b["booking_id"].(string)
}

func confirmBody(method string) map[string]any { return map[string]any{"payment_method": method} }

func TestPaymentConfirmThroughStripe(t *testing.T) {
	st, url := payStack(t)
	run := time.Now().UnixNano()
	admin := client{t, st.BaseURL, st.Token(t, "e2e-pay-admin", true)}
	buyer := client{t, st.BaseURL, st.Token(t, fmt.Sprintf("e2e-pay-buyer-%d", run), false)}
	ev := onSale(t, admin, fmt.Sprint(run), 20)

	t.Run("a retried confirm charges once", func(t *testing.T) {
		id := hold(t, buyer, ev, fmt.Sprintf("h1-%d", run), 2)
		before := counts(t, url, id)
		key := map[string]string{"Idempotency-Key": fmt.Sprintf("c1-%d", run)}
		_, first := buyer.must(200, "POST", "/bookings/"+id+"/confirm", confirmBody("pm_card_visa"), key)
		_, again := buyer.must(200, "POST", "/bookings/"+id+"/confirm", confirmBody("pm_card_visa"), key)
		if first["status"] != "confirmed" || again["status"] != "confirmed" {
			t.Fatalf("confirm = %v, retry = %v", first, again)
		}
		if d := counts(t, url, id).PaymentIntents - before.PaymentIntents; d != 1 {
			t.Fatalf("%d PaymentIntents for one booking, want 1", d)
		}
	})

	t.Run("racing confirms charge once", func(t *testing.T) {
		id := hold(t, buyer, ev, fmt.Sprintf("h2-%d", run), 1)
		before := counts(t, url, id)
		statuses := make([]int, 4)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _, _ = buyer.do("POST", "/bookings/"+id+"/confirm", confirmBody("pm_card_visa"),
					map[string]string{"Idempotency-Key": fmt.Sprintf("c2-%d-%d", run, i)})
			}()
		}
		wg.Wait()
		if !slices.Contains(statuses, 200) {
			t.Fatalf("no racing confirm won: %v", statuses)
		}
		for _, s := range statuses {
			if s != 200 && s != 409 && s != 503 {
				t.Errorf("racing confirm answered %d, want 200, 409 or 503", s)
			}
		}
		if d := counts(t, url, id).PaymentIntents - before.PaymentIntents; d != 1 {
			t.Fatalf("%d PaymentIntents for one booking, want 1", d)
		}
	})

	t.Run("a declined card is 402 and keeps the hold", func(t *testing.T) {
		id := hold(t, buyer, ev, fmt.Sprintf("h3-%d", run), 1)
		status, _, out := buyer.do("POST", "/bookings/"+id+"/confirm", confirmBody("pm_card_chargeDeclined"),
			map[string]string{"Idempotency-Key": fmt.Sprintf("c3-%d", run)})
		if status != 402 {
			t.Fatalf("declined confirm = %d %v, want 402", status, out)
		}
		if _, b := buyer.must(200, "GET", "/bookings/"+id, nil, nil); b["status"] != "held" {
			t.Fatalf("after a decline the booking is %v, want held", b["status"])
		}
	})

	t.Run("a cancellation refunds through Stripe by the policy", func(t *testing.T) {
		id := hold(t, buyer, ev, fmt.Sprintf("h4-%d", run), 2)
		buyer.must(200, "POST", "/bookings/"+id+"/confirm", confirmBody("pm_card_visa"), map[string]string{"Idempotency-Key": fmt.Sprintf("c4-%d", run)})
		before := counts(t, url, id)
		_, b := buyer.must(200, "POST", "/bookings/"+id+"/cancel", nil, nil)
		refund, _ := b["refund"].(map[string]any)
		amount, _ := refund["amount"].(map[string]any)
		// 30 days before the start the default policy gives everything back.
		if b["status"] != "cancelled" || amount["amount"] != float64(9000) || refund["status"] != "succeeded" {
			t.Fatalf("cancelled = %v", b)
		}
		if d := counts(t, url, id).Refunds - before.Refunds; d != 1 {
			t.Fatalf("%d Stripe refunds, want 1", d)
		}
	})

	t.Run("an organiser's cancel refunds in full through Stripe, once", func(t *testing.T) {
		id := hold(t, buyer, ev, fmt.Sprintf("h5-%d", run), 2)
		before := counts(t, url, id)
		buyer.must(200, "POST", "/bookings/"+id+"/confirm", confirmBody("pm_card_visa"), map[string]string{"Idempotency-Key": fmt.Sprintf("c5-%d", run)})
		sold := invariant(t, st, ev).Sold
		if status, _, _ := buyer.do("POST", "/admin/bookings/"+id+"/cancel", nil, nil); status != 403 {
			t.Fatalf("a buyer's admin cancel = %d, want 403", status)
		}
		_, first := admin.must(200, "POST", "/admin/bookings/"+id+"/cancel", map[string]any{"refund": "full"}, nil)
		_, again := admin.must(200, "POST", "/admin/bookings/"+id+"/cancel", nil, nil)
		refund, _ := first["refund"].(map[string]any)
		amount, _ := refund["amount"].(map[string]any)
		if first["status"] != "cancelled" || amount["amount"] != float64(9000) || refund["status"] != "succeeded" || refund["refund_id"] == nil {
			t.Fatalf("cancelled = %v", first)
		}
		if r2, _ := again["refund"].(map[string]any); r2["refund_id"] != refund["refund_id"] || r2["at"] != refund["at"] {
			t.Fatalf("repeat refund = %v, want %v", r2, refund)
		}
		if c := counts(t, url, id); c.PaymentIntents-before.PaymentIntents != 1 || c.Refunds-before.Refunds != 1 {
			t.Fatalf("%d PaymentIntents and %d refunds for one booking, want 1 and 1", c.PaymentIntents-before.PaymentIntents, c.Refunds-before.Refunds)
		}
		if c := invariant(t, st, ev); c.Sold != sold-2 {
			t.Fatalf("sold %d after the cancel, want %d", c.Sold, sold-2)
		}
	})
}

func TestPaymentWebhook(t *testing.T) {
	st, _ := payStack(t)
	run := time.Now().UnixNano()
	admin := client{t, st.BaseURL, st.Token(t, "e2e-pay-admin", true)}
	buyer := client{t, st.BaseURL, st.Token(t, fmt.Sprintf("e2e-hook-buyer-%d", run), false)}
	ev := onSale(t, admin, fmt.Sprint("hook", run), 10)
	id := hold(t, buyer, ev, fmt.Sprintf("wh-%d", run), 2)
	p := stripe.Payment{BookingID: id, IntentID: fmt.Sprintf("pi_e2e_%d", run), Amount: 9000, Currency: "GBP"}
	deliver := func(payload []byte, signature string) int {
		t.Helper()
		req, err := http.NewRequest("POST", st.BaseURL+"/payments/stripe/webhook", bytes.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Stripe-Signature", signature)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	payload, sig := stripe.TestEvent(fmt.Sprintf("evt_e2e_%d", run), sdk.EventTypePaymentIntentSucceeded, p, "whsec_wrong", time.Now())
	if s := deliver(payload, sig); s != 400 {
		t.Fatalf("badly signed delivery = %d, want 400", s)
	}
	if _, b := buyer.must(200, "GET", "/bookings/"+id, nil, nil); b["status"] != "held" {
		t.Fatalf("a badly signed delivery changed the booking to %v", b["status"])
	}

	payload, sig = stripe.TestEvent(fmt.Sprintf("evt_e2e_%d", run), sdk.EventTypePaymentIntentSucceeded, p, stripemock.WebhookSecret, time.Now())
	for range 2 {
		if s := deliver(payload, sig); s != 200 {
			t.Fatalf("delivery = %d, want 200", s)
		}
	}
	if _, b := buyer.must(200, "GET", "/bookings/"+id, nil, nil); b["status"] != "confirmed" {
		t.Fatalf("after the webhook the booking is %v, want confirmed", b["status"])
	}
	if _, stats := admin.must(200, "GET", "/admin/events/"+ev+"/stats", nil, nil); stats["sold"] != float64(2) {
		t.Fatalf("sold = %v after one payment delivered twice, want 2", stats["sold"])
	}
}

// BenchmarkPaymentConfirm confirms b.N holds through the API with pm_card_visa against
// stripe-mock and reports the confirm latency's p50 and p99:
//
//	go run ./cmd/local exec -- go test ./internal/e2e/ -run '^$' -bench PaymentConfirm -benchtime 100x
func BenchmarkPaymentConfirm(b *testing.B) {
	st, _ := payStack(b)
	run := time.Now().UnixNano()
	admin := client{b, st.BaseURL, st.Token(b, "e2e-pay-admin", true)}
	ev := onSale(b, admin, fmt.Sprint("bench", run), b.N)
	type pending struct {
		c  client
		id string
	}
	holds := make([]pending, b.N)
	for i := range holds {
		// One buyer per hold: the per-user rate limit and seat limit stay out of the way.
		c := client{b, st.BaseURL, st.Token(b, fmt.Sprintf("e2e-bench-%d-%d", run, i), false)}
		holds[i] = pending{c, hold(b, c, ev, fmt.Sprintf("bh-%d-%d", run, i), 1)}
	}
	took := make([]time.Duration, b.N)
	b.ResetTimer()
	for i, h := range holds {
		start := time.Now()
		h.c.must(200, "POST", "/bookings/"+h.id+"/confirm", confirmBody("pm_card_visa"), map[string]string{"Idempotency-Key": fmt.Sprintf("bc-%d-%d", run, i)})
		took[i] = time.Since(start)
	}
	b.StopTimer()
	slices.Sort(took)
	rank := func(q int) time.Duration { return took[(len(took)*q+99)/100-1] } // nearest rank
	b.ReportMetric(float64(rank(50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(rank(99).Microseconds())/1000, "p99-ms")
}
