// Package payments takes and returns money through a provider. The product talks to the
// Provider interface; Simulated is the default provider, with a real one to come behind
// the same interface. Every charge and refund is keyed (by the booking id) so a retried
// call never moves money twice.
package payments

import (
	"context"
	"errors"
	"time"
)

// Test payment methods. pm_card_visa, pm_card_chargeDeclined and
// pm_card_authenticationRequired are Stripe's own; pm_card_declined (the name the load
// tool and older tests use) and pm_card_timeout are understood by the simulated provider.
const (
	MethodSucceeds       = "pm_card_visa"
	MethodDeclines       = "pm_card_declined"
	MethodChargeDeclined = "pm_card_chargeDeclined"
	MethodNeedsAction    = "pm_card_authenticationRequired"
	MethodTimesOut       = "pm_card_timeout"
)

// Outcome of a charge. RequiresAction means the buyer must finish (3-D Secure, a delayed
// method) with the charge's ClientSecret; the final outcome arrives later by webhook.
const (
	Succeeded      = "succeeded"
	Declined       = "declined"
	RequiresAction = "requires_action"
)

// ErrTimeout means the provider did not answer in time. Callers treat the charge as not
// taken and may retry with the same key: the provider's idempotency makes that safe even
// if the first attempt did go through.
var ErrTimeout = errors.New("payments: provider timed out")

// ChargeRequest asks for Amount minor units of Currency.
type ChargeRequest struct {
	Key      string // idempotency key: the booking id
	Amount   int64
	Currency string
	Method   string
}

// Charge is the provider's answer.
type Charge struct {
	Key         string
	ID          string
	Status      string // succeeded | declined | requires_action
	DeclineCode string
	// ClientSecret lets the buyer's browser finish a requires_action charge; empty otherwise.
	ClientSecret string
	Amount       int64
	Currency     string
	Method       string
	At           time.Time
}

// RefundRequest gives back Amount of the charge made under Key.
type RefundRequest struct {
	Key      string // the charge's key; one refund per key
	Amount   int64
	Currency string
	// ChargeID is the provider's id of the charge (Charge.ID); Stripe refunds need it.
	ChargeID string
	// RefundID tells apart several refunds of one charge (partial refunds); the provider's
	// idempotency key is Key plus RefundID. Empty means the charge's one refund.
	RefundID string
}

// Refund is the provider's answer to a refund.
type Refund struct {
	ID     string
	Key    string
	Amount int64
	At     time.Time
}

// Provider takes and returns money.
type Provider interface {
	Name() string
	Charge(ctx context.Context, r ChargeRequest) (Charge, error)
	Refund(ctx context.Context, r RefundRequest) (Refund, error)
}
