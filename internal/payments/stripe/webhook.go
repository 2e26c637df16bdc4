package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	sdk "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// ErrSignature means a delivery's Stripe-Signature did not verify (missing, malformed,
// wrong secret, or older than the tolerance): it is not from Stripe, and changes nothing.
var ErrSignature = errors.New("stripe: webhook signature does not verify")

// Payment is what a payment_intent event says about a booking's payment.
type Payment struct {
	EventID     string
	BookingID   string
	IntentID    string
	Amount      int64
	Currency    string // ISO 4217, upper case as the product keeps it
	DeclineCode string // payment_failed only
	// At is when Stripe created the event; deliveries may arrive late or out of order,
	// so an outcome is judged against the booking's state, not arrival order.
	At time.Time
}

// Outcomes is what the booking core does with a payment's final outcome. Both must be
// idempotent and safe against any order: a delivery may repeat (two Lambda instances at
// once, before either recorded it), and a payment_failed may arrive after the intent
// succeeded on a retry. Succeeded confirms the held booking or, if its hold is gone and
// the seats with it, refunds the payment; Failed records the decline on a booking still
// held and leaves a confirmed one alone. An error makes Stripe deliver again.
type Outcomes interface {
	Succeeded(ctx context.Context, p Payment) error
	Failed(ctx context.Context, p Payment) error
}

// Deliveries remembers the event ids already handled, so a redelivered event is
// answered without calling Outcomes again.
type Deliveries interface {
	// Handled reports whether the event id was recorded.
	Handled(ctx context.Context, eventID string) (bool, error)
	// Record stores the event id once handled; recording it twice is not an error.
	Record(ctx context.Context, eventID, eventType string) error
}

// Result says what a delivery did.
type Result string

const (
	ResultHandled   Result = "handled"
	ResultDuplicate Result = "duplicate" // handled before, by event id
	ResultIgnored   Result = "ignored"   // an event type or intent that is not ours
)

// Webhook verifies and dispatches Stripe's webhook deliveries.
type Webhook struct {
	Secret     string
	Tolerance  time.Duration // 0 means the SDK's default, 5 minutes
	Outcomes   Outcomes
	Deliveries Deliveries
}

// Handle verifies payload against the Stripe-Signature header and passes a
// payment_intent.succeeded or payment_intent.payment_failed event on to Outcomes, once
// per event id. It returns ErrSignature for a delivery that does not verify.
func (w *Webhook) Handle(ctx context.Context, payload []byte, signature string) (Result, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, signature, w.Secret, webhook.ConstructEventOptions{
		Tolerance: w.Tolerance,
		// Only long-stable fields are read (metadata, amount, currency, the error code),
		// so an endpoint pinned to another API version still works.
		IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if ev.Type != sdk.EventTypePaymentIntentSucceeded && ev.Type != sdk.EventTypePaymentIntentPaymentFailed {
		return ResultIgnored, nil
	}
	p, ok, err := paymentOf(ev)
	if err != nil || !ok {
		return ResultIgnored, err
	}
	seen, err := w.Deliveries.Handled(ctx, ev.ID)
	if err != nil {
		return "", err
	}
	if seen {
		return ResultDuplicate, nil
	}
	if ev.Type == sdk.EventTypePaymentIntentSucceeded {
		err = w.Outcomes.Succeeded(ctx, p)
	} else {
		err = w.Outcomes.Failed(ctx, p)
	}
	if err != nil {
		return "", err
	}
	// Recorded after the outcome, so a crash in between means a redelivery that the
	// idempotent outcome absorbs, never an event marked done that was not.
	if err := w.Deliveries.Record(ctx, ev.ID, string(ev.Type)); err != nil {
		return "", err
	}
	return ResultHandled, nil
}

// paymentOf reads the booking's payment from a payment_intent event; ok is false for an
// intent without a booking id (made by something else on the same account).
func paymentOf(ev sdk.Event) (Payment, bool, error) {
	if ev.Data == nil {
		return Payment{}, false, errors.New("stripe: event " + ev.ID + " has no data")
	}
	var pi sdk.PaymentIntent
	if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
		return Payment{}, false, fmt.Errorf("stripe: event %s: payment intent: %w", ev.ID, err)
	}
	booking := pi.Metadata[MetadataBooking]
	if booking == "" {
		return Payment{}, false, nil
	}
	p := Payment{EventID: ev.ID, BookingID: booking, IntentID: pi.ID, Amount: pi.Amount,
		Currency: strings.ToUpper(string(pi.Currency)), At: time.Unix(ev.Created, 0).UTC()}
	if e := pi.LastPaymentError; e != nil {
		p.DeclineCode = string(e.DeclineCode)
		if p.DeclineCode == "" {
			p.DeclineCode = string(e.Code)
		}
	}
	return p, true, nil
}

// TestEvent builds a payment_intent event for the booking as Stripe would send it, and
// the Stripe-Signature header signing it with secret at time at: the project's own test
// deliveries, since stripe-mock sends none.
func TestEvent(eventID string, typ sdk.EventType, p Payment, secret string, at time.Time) (payload []byte, signature string) {
	pi := map[string]any{
		"id": p.IntentID, "object": "payment_intent", "amount": p.Amount,
		"currency": strings.ToLower(p.Currency), "metadata": map[string]string{MetadataBooking: p.BookingID},
		"status": "succeeded",
	}
	if typ == sdk.EventTypePaymentIntentPaymentFailed {
		pi["status"] = "requires_payment_method"
		pi["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": p.DeclineCode}
	}
	ev := map[string]any{
		"id": eventID, "object": "event", "api_version": sdk.APIVersion, "created": at.Unix(),
		"type": typ, "data": map[string]any{"object": pi}, "livemode": false,
	}
	payload, _ = json.Marshal(ev)
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	return payload, signed.Header
}
