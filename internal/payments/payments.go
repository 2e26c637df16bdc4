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

// Test payment methods understood by the simulated provider.
const (
	MethodSucceeds = "pm_card_visa"
	MethodDeclines = "pm_card_declined"
	MethodTimesOut = "pm_card_timeout"
)

// Outcome of a charge.
const (
	Succeeded = "succeeded"
	Declined  = "declined"
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
	Status      string // succeeded | declined
	DeclineCode string
	Amount      int64
	Currency    string
	Method      string
	At          time.Time
}

// RefundRequest gives back Amount of the charge made under Key.
type RefundRequest struct {
	Key      string // the charge's key; one refund per key
	Amount   int64
	Currency string
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
