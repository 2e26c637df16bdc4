// Package stripe is the payments.Provider on Stripe's PaymentIntents and Refunds (the
// official SDK), and the verification and dispatch of Stripe's webhook events. One
// PaymentIntent per booking and card: the booking id and payment method are the
// Idempotency-Key of its creation (ChargeKey) and the booking id is kept in its metadata,
// so a retried or racing confirm reuses the first intent and never charges twice.
package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	sdk "github.com/stripe/stripe-go/v85"

	"github.com/bookmyevent/bookmyevent/internal/payments"
)

// MetadataBooking is the PaymentIntent metadata key holding the booking id; the webhook
// reads it back to find the booking.
const MetadataBooking = "booking_id"

// MetadataRefund is the Refund metadata key holding the refund id of a partial refund.
const MetadataRefund = "refund_id"

// DefaultAPIBase is Stripe's API; STRIPE_API_BASE replaces it (stripe-mock locally).
const DefaultAPIBase = sdk.APIURL

// Config configures a Provider.
type Config struct {
	// SecretKey is the API key (sk_test_... or sk_live_...).
	SecretKey string
	// APIBase is the API's base URL; empty means Stripe's.
	APIBase string
	// HTTPClient carries the requests; nil means one with Timeout.
	HTTPClient *http.Client
	// Timeout bounds one attempt when the request's context has no earlier deadline.
	Timeout time.Duration
	// Retries is how often the SDK retries a failed attempt (network errors, 409 from a
	// concurrent request under the same key, 5xx); a retry reuses the idempotency key.
	Retries int64
}

// Provider charges and refunds through Stripe.
type Provider struct {
	client *sdk.Client
}

// New returns a provider for cfg.
func New(cfg Config) (*Provider, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: a secret key is required")
	}
	if cfg.APIBase == "" {
		cfg.APIBase = DefaultAPIBase
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	}
	base := strings.TrimRight(cfg.APIBase, "/")
	retries := cfg.Retries
	noTelemetry := false
	backend := sdk.GetBackendWithConfig(sdk.APIBackend, &sdk.BackendConfig{
		URL:               &base,
		HTTPClient:        cfg.HTTPClient,
		MaxNetworkRetries: &retries,
		EnableTelemetry:   &noTelemetry,
		// Declines are answers, not errors worth a log line; the caller logs what matters.
		LeveledLogger: &sdk.LeveledLogger{Level: sdk.LevelNull},
	})
	backends := &sdk.Backends{API: backend, Connect: backend, Uploads: backend, MeterEvents: backend}
	return &Provider{client: sdk.NewClient(cfg.SecretKey, sdk.WithBackends(backends))}, nil
}

// Name identifies the provider on recorded payments.
func (p *Provider) Name() string { return "stripe" }

// Charge creates and confirms the booking's PaymentIntent. A decline is an answer, not an
// error; so is requires_action, which carries the client secret.
func (p *Provider) Charge(ctx context.Context, r payments.ChargeRequest) (payments.Charge, error) {
	params := &sdk.PaymentIntentCreateParams{
		Amount:        sdk.Int64(r.Amount),
		Currency:      sdk.String(strings.ToLower(r.Currency)),
		PaymentMethod: sdk.String(r.Method),
		Confirm:       sdk.Bool(true),
		// Cards only, and no redirect: the product has no return page, so methods that
		// redirect are turned down by Stripe instead of leaving the intent hanging.
		PaymentMethodTypes: []*string{sdk.String("card")},
		Metadata:           map[string]string{MetadataBooking: r.Key},
	}
	params.SetIdempotencyKey(ChargeKey(r))
	params.Context = ctx
	c := payments.Charge{Key: r.Key, Amount: r.Amount, Currency: r.Currency, Method: r.Method, At: time.Now().UTC()}
	var pi *sdk.PaymentIntent
	err := whileKeyBusy(ctx, func() (err error) {
		pi, err = p.client.V1PaymentIntents.Create(ctx, params)
		return err
	})
	if err != nil {
		var se *sdk.Error
		if errors.As(err, &se) && se.Type == sdk.ErrorTypeCard {
			c.Status, c.DeclineCode = payments.Declined, declineCode(se)
			if se.PaymentIntent != nil {
				c.ID = se.PaymentIntent.ID
			}
			return c, nil
		}
		return payments.Charge{}, mapErr(err)
	}
	c.ID = pi.ID
	switch pi.Status {
	case sdk.PaymentIntentStatusSucceeded:
		c.Status = payments.Succeeded
	case sdk.PaymentIntentStatusRequiresAction, sdk.PaymentIntentStatusProcessing:
		// Processing (a delayed method) ends the same way as an action: by webhook.
		c.Status, c.ClientSecret = payments.RequiresAction, pi.ClientSecret
	default:
		c.Status, c.DeclineCode = payments.Declined, string(pi.Status)
		if pi.LastPaymentError != nil && pi.LastPaymentError.Code != "" {
			c.DeclineCode = string(pi.LastPaymentError.Code)
		}
	}
	return c, nil
}

// Refund gives back r.Amount of the PaymentIntent r.ChargeID, once per booking and
// refund id.
func (p *Provider) Refund(ctx context.Context, r payments.RefundRequest) (payments.Refund, error) {
	if r.ChargeID == "" {
		return payments.Refund{}, errors.New("stripe: refund of " + r.Key + " needs the charge id (the PaymentIntent)")
	}
	params := &sdk.RefundCreateParams{
		PaymentIntent: sdk.String(r.ChargeID),
		Amount:        sdk.Int64(r.Amount),
		Metadata:      map[string]string{MetadataBooking: r.Key},
	}
	if r.RefundID != "" {
		params.Metadata[MetadataRefund] = r.RefundID
	}
	params.SetIdempotencyKey(RefundKey(r))
	params.Context = ctx
	var re *sdk.Refund
	err := whileKeyBusy(ctx, func() (err error) {
		re, err = p.client.V1Refunds.Create(ctx, params)
		return err
	})
	if err != nil {
		return payments.Refund{}, mapErr(err)
	}
	return payments.Refund{ID: re.ID, Key: r.Key, Amount: r.Amount, At: time.Now().UTC()}, nil
}

// ChargeKey is the Idempotency-Key of a charge: the booking id and the payment method.
// A retried or racing confirm with the same card reuses the first PaymentIntent; after a
// decline the buyer may pay with another card, which Stripe would refuse (400, a key
// reused with other parameters) if the key were the booking's alone. Two cards never
// both succeed: one confirm of a booking runs at a time (its claim), and a confirmed
// booking is not charged again.
func ChargeKey(r payments.ChargeRequest) string { return r.Key + "/" + r.Method }

// RefundKey is the Idempotency-Key of a refund: the booking id and the refund id, so a
// retried refund is one refund while a second partial refund of the booking is another.
func RefundKey(r payments.RefundRequest) string {
	if r.RefundID == "" {
		return "refund:" + r.Key
	}
	return "refund:" + r.Key + ":" + r.RefundID
}

// whileKeyBusy calls create again while Stripe answers 409 (another request under the same
// Idempotency-Key is in flight: a racing confirm of the same booking) so that the caller
// gets the first request's answer, not an error; the context bounds the wait.
func whileKeyBusy(ctx context.Context, create func() error) error {
	wait := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := create()
		var se *sdk.Error
		if !errors.As(err, &se) || se.HTTPStatusCode != http.StatusConflict || attempt == 12 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

func declineCode(se *sdk.Error) string {
	switch {
	case se.DeclineCode != "":
		return string(se.DeclineCode)
	case se.Code != "":
		return string(se.Code)
	}
	return "card_declined"
}

// mapErr turns a failure the caller can retry under the same key (network, deadline,
// Stripe's own 5xx or 429, a concurrent request holding the key) into ErrTimeout; the
// rest (bad request, bad key) stay errors.
func mapErr(err error) error {
	var se *sdk.Error
	if errors.As(err, &se) {
		switch {
		case se.HTTPStatusCode >= 500, se.HTTPStatusCode == http.StatusTooManyRequests,
			se.HTTPStatusCode == http.StatusConflict:
			return fmt.Errorf("%w: %v", payments.ErrTimeout, err)
		}
		return fmt.Errorf("stripe: %s: %s", se.Type, se.Msg)
	}
	// Anything without a Stripe error is transport-level (deadline, reset connection,
	// unreadable answer): the charge may or may not have happened.
	return fmt.Errorf("%w: %v", payments.ErrTimeout, err)
}

var _ payments.Provider = (*Provider)(nil)
