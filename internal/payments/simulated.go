package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"
)

// Ledger is where the simulated provider keeps what it charged and refunded, playing the
// part of the provider's own database. Lambdas are separate processes, so idempotency by
// key needs a shared ledger: production uses the table (internal/dynamo), unit tests a
// map. Each method stores its record unless one exists under the key, and returns the
// stored record either way.
type Ledger interface {
	PutCharge(ctx context.Context, c Charge) (Charge, error)
	PutRefund(ctx context.Context, r Refund) (Refund, error)
}

// Simulated is a provider that decides by payment method: pm_card_visa succeeds,
// pm_card_declined and pm_card_chargeDeclined decline, pm_card_authenticationRequired
// requires action, pm_card_timeout times out without charging; any other method
// declines as unknown.
type Simulated struct {
	ledger Ledger
	now    func() time.Time
	// lostAnswers counts charges still to be taken but answered with ErrTimeout, to test
	// the worst case: the money moved and the caller never heard.
	lostAnswers atomic.Int32
}

// NewSimulated returns a simulated provider keeping its records in ledger.
func NewSimulated(ledger Ledger) *Simulated {
	return &Simulated{ledger: ledger, now: time.Now}
}

// Name identifies the provider on recorded payments.
func (s *Simulated) Name() string { return "simulated" }

// LoseAnswers makes the next n successful charges go through but report ErrTimeout.
func (s *Simulated) LoseAnswers(n int) { s.lostAnswers.Store(int32(n)) }

// Charge takes money once per key.
func (s *Simulated) Charge(ctx context.Context, r ChargeRequest) (Charge, error) {
	if err := ctx.Err(); err != nil {
		return Charge{}, ErrTimeout
	}
	c := Charge{Key: r.Key, Amount: r.Amount, Currency: r.Currency, Method: r.Method, At: s.now().UTC()}
	switch r.Method {
	case MethodTimesOut:
		return Charge{}, ErrTimeout
	case MethodDeclines, MethodChargeDeclined:
		c.Status, c.DeclineCode = Declined, "card_declined"
		return c, nil
	case MethodNeedsAction:
		// Nothing is taken until the buyer acts, which the simulation never sees.
		c.Status, c.ID = RequiresAction, "pi_"+digest(r.Key)
		c.ClientSecret = c.ID + "_secret_simulated"
		return c, nil
	case MethodSucceeds:
	default:
		c.Status, c.DeclineCode = Declined, "unknown_payment_method"
		return c, nil
	}
	c.Status, c.ID = Succeeded, "ch_"+digest(r.Key)
	stored, err := s.ledger.PutCharge(ctx, c)
	if err != nil {
		return Charge{}, fmt.Errorf("%w: %v", ErrTimeout, err)
	}
	if s.lostAnswers.Add(-1) >= 0 {
		return Charge{}, ErrTimeout
	}
	return stored, nil
}

// Refund returns money once per key.
func (s *Simulated) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	if err := ctx.Err(); err != nil {
		return Refund{}, ErrTimeout
	}
	stored, err := s.ledger.PutRefund(ctx, Refund{ID: "re_" + digest(r.Key), Key: r.Key, Amount: r.Amount, At: s.now().UTC()})
	if err != nil {
		return Refund{}, fmt.Errorf("%w: %v", ErrTimeout, err)
	}
	return stored, nil
}

func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:12])
}
