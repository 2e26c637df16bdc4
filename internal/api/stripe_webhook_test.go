package api_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	sdk "github.com/stripe/stripe-go/v85"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/payments/stripe"
)

type countingOutcomes struct {
	mu        sync.Mutex
	succeeded int
}

func (c *countingOutcomes) Succeeded(context.Context, stripe.Payment) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.succeeded++
	return nil
}

func (c *countingOutcomes) Failed(context.Context, stripe.Payment) error { return nil }

type seenSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (s *seenSet) Handled(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id], nil
}

func (s *seenSet) Record(_ context.Context, id, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids[id] = true
	return nil
}

func TestStripeWebhookRoute(t *testing.T) {
	out := &countingOutcomes{}
	h := api.Wrap(api.Public, api.StripeWebhook(&stripe.Webhook{Secret: "whsec_t", Outcomes: out, Deliveries: &seenSet{ids: map[string]bool{}}}))
	body, sig := stripe.TestEvent("evt_r1", sdk.EventTypePaymentIntentSucceeded,
		stripe.Payment{BookingID: "bk_1", IntentID: "pi_1", Amount: 900, Currency: "USD"}, "whsec_t", time.Now())
	deliver := func(signature string) events.APIGatewayV2HTTPResponse {
		resp, err := h(context.Background(), events.APIGatewayV2HTTPRequest{Body: string(body),
			Headers: map[string]string{"stripe-signature": signature, "content-type": "application/json"}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	bad := deliver(sig[:len(sig)-2] + "00")
	var e struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(bad.Body), &e); err != nil || bad.StatusCode != 400 || e.Error.Code != "validation_failed" || e.Error.Fields["Stripe-Signature"] == "" {
		t.Fatalf("bad signature: %d %s", bad.StatusCode, bad.Body)
	}
	if out.succeeded != 0 {
		t.Fatal("bad signature changed something")
	}
	for i := range 2 {
		if r := deliver(sig); r.StatusCode != 200 {
			t.Fatalf("delivery %d: %d %s", i+1, r.StatusCode, r.Body)
		}
	}
	if out.succeeded != 1 {
		t.Fatalf("confirmed %d times, want 1", out.succeeded)
	}
}
