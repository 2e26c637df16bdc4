package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/idempotency"
	"github.com/bookmyevent/bookmyevent/internal/payments"
)

// PaymentOutcome is a payment's final outcome as the provider reported it later (a
// webhook), for a booking whose confirm ended in requires_action or never answered.
type PaymentOutcome struct {
	BookingID   string
	ChargeID    string // the provider's id of the charge (Stripe's PaymentIntent)
	Amount      Money
	DeclineCode string // failed outcomes only
}

// outcomeKey is the confirm key a provider's outcome claims the booking under: one per
// charge, so a redelivered outcome finds its own answer stored and does nothing.
func outcomeKey(chargeID string) string { return "provider:" + chargeID }

// errOutcomeLater asks the provider to deliver again: a confirm of the booking is running
// and decides first.
var errOutcomeLater = errors.New("booking: a confirm is running; deliver the outcome again later")

// PaymentSucceeded applies a charge that succeeded: a held booking is confirmed; one whose
// hold expired is confirmed if its seats are still there, else refunded in full and the
// refund recorded (never money without a ticket); a confirmed booking is left alone. It
// is idempotent and safe in any order with the other outcomes and with API confirms.
func (s *Service) PaymentSucceeded(ctx context.Context, o PaymentOutcome, now time.Time) error {
	b, err := s.store.GetBooking(ctx, o.BookingID)
	if fault.Is(err, fault.NotFound) {
		// Nothing to give a ticket for: give the money back.
		_, rerr := s.payments.Refund(ctx, payments.RefundRequest{Key: o.BookingID, ChargeID: o.ChargeID, Amount: o.Amount.Amount, Currency: o.Amount.Currency})
		slog.WarnContext(ctx, "payment for an unknown booking refunded", "booking_id", o.BookingID, "error", rerr)
		return rerr
	}
	if err != nil {
		return err
	}
	switch b.Status {
	case Confirmed:
		return nil
	case Cancelled:
		// Cancelled while the buyer was still authenticating: no seats, so no charge.
		if b.Payment != nil && b.Payment.Status == payments.Succeeded {
			return nil // a confirmed booking cancelled later: its refund follows the policy
		}
		_, err := s.payments.Refund(ctx, payments.RefundRequest{Key: b.ID, ChargeID: o.ChargeID, Amount: o.Amount.Amount, Currency: o.Amount.Currency})
		if err == nil {
			slog.WarnContext(ctx, "payment for a cancelled hold refunded", "booking_id", b.ID)
		}
		return err
	}
	if o.Amount != b.Total {
		// Not the price of this booking: something else moved money; return it rather
		// than confirm at a wrong price.
		_, err := s.payments.Refund(ctx, payments.RefundRequest{Key: b.ID, ChargeID: o.ChargeID, RefundID: "mismatch", Amount: o.Amount.Amount, Currency: o.Amount.Currency})
		slog.ErrorContext(ctx, "payment amount differs from the booking total; refunded", "booking_id", b.ID,
			"paid", o.Amount.Amount, "currency", o.Amount.Currency, "total", b.Total.Amount, "error", err)
		return err
	}
	key := outcomeKey(o.ChargeID)
	hash := idempotency.Hash("outcome", b.ID, o.ChargeID)
	c, err := s.store.ClaimConfirm(ctx, ClaimRequest{BookingID: b.ID, UserID: b.UserID, Key: key, Hash: hash, Now: now, Until: now.Add(s.cfg.ClaimFor)})
	if errors.Is(err, ErrNotClaimed) {
		return s.unclaimedOutcome(ctx, c, key, now)
	}
	if err != nil {
		return err
	}
	pay := Payment{Provider: s.payments.Name(), ChargeID: o.ChargeID, Method: methodOf(c), Status: payments.Succeeded,
		Amount: o.Amount, At: now.UTC().Truncate(time.Millisecond)}
	at := now.UTC().Truncate(time.Millisecond)
	confirmed := *c
	confirmed.Status, confirmed.ConfirmedAt, confirmed.UpdatedAt, confirmed.Payment = Confirmed, at, at, &pay
	answer, err := confirmedAnswer(&confirmed, hash)
	if err != nil {
		return err
	}
	err = s.store.Confirm(ctx, c, pay, key, answer, now)
	switch {
	case err == nil:
		s.publishConfirmed(ctx, c, now)
		return nil
	case errors.Is(err, ErrSeatsGone):
		refund := s.refundAll(ctx, c, o.ChargeID, "hold_expired", now)
		s.settle(ctx, c, &pay, refund, key, &StoredAnswer{Hash: hash, Status: idempotency.Declined,
			Code: string(fault.HoldExpired), Message: "The hold expired and its seats were taken; the payment was refunded"}, now)
		if refund.Status != "succeeded" {
			return fmt.Errorf("booking %s: refund of a payment without seats failed; deliver again", c.ID)
		}
		// The buyer paid and has no seats: the receipt tells them the money is back.
		refunded := *c
		refunded.Refund = refund
		s.publishCancelled(ctx, &refunded, now)
		return nil
	case errors.Is(err, ErrChanged):
		s.settle(ctx, c, nil, nil, key, nil, now)
		return errOutcomeLater
	default:
		s.settle(ctx, c, nil, nil, key, nil, now)
		return err
	}
}

// unclaimedOutcome decides a succeeded outcome whose claim failed, from the booking as
// stored.
func (s *Service) unclaimedOutcome(ctx context.Context, b *Booking, key string, now time.Time) error {
	switch {
	case b == nil:
		return notFound()
	case b.Status == Confirmed:
		return nil
	}
	if _, ok := b.ConfirmAnswers[key]; ok {
		// Handled before: confirmed then, or refunded because the seats were gone. A
		// refund that did not go through is retried here, keyed, so it happens once.
		if b.Refund != nil && b.Refund.Status == "pending" {
			if paid, err := s.payRefund(ctx, b, now); err != nil || paid.Refund.Status == "pending" {
				return fmt.Errorf("booking %s: refund still pending; deliver again: %v", b.ID, err)
			}
		}
		return nil
	}
	return errOutcomeLater
}

// PaymentFailed records a charge's decline on a booking still held (the hold stays until
// it expires, for another try); a confirmed, cancelled or expired booking is left alone.
func (s *Service) PaymentFailed(ctx context.Context, o PaymentOutcome, now time.Time) error {
	b, err := s.store.GetBooking(ctx, o.BookingID)
	if fault.Is(err, fault.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if b.Status != Held || (b.Payment != nil && b.Payment.Status == payments.Succeeded) {
		return nil
	}
	key := outcomeKey(o.ChargeID) + ":failed"
	c, err := s.store.ClaimConfirm(ctx, ClaimRequest{BookingID: b.ID, UserID: b.UserID, Key: key,
		Hash: idempotency.Hash("outcome-failed", b.ID, o.ChargeID), Now: now, Until: now.Add(s.cfg.ClaimFor)})
	if errors.Is(err, ErrNotClaimed) {
		if c != nil && c.Status != Held {
			return nil
		}
		return errOutcomeLater
	}
	if err != nil {
		return err
	}
	pay := Payment{Provider: s.payments.Name(), ChargeID: o.ChargeID, Method: methodOf(c), Status: payments.Declined,
		Amount: o.Amount, At: now.UTC().Truncate(time.Millisecond)}
	if err := s.store.SettleClaim(ctx, c, &pay, nil, key, nil, now); err != nil && !errors.Is(err, ErrChanged) {
		return err
	}
	return nil
}

// confirmedAnswer is the stored answer of a confirm that confirmed b.
func confirmedAnswer(b *Booking, hash string) (StoredAnswer, error) {
	body, err := json.Marshal(b.View())
	return StoredAnswer{Hash: hash, Status: idempotency.Changed, Body: string(body)}, err
}

// methodOf is the payment method the booking's last attempt used, if it recorded one.
func methodOf(b *Booking) string {
	if b.Payment != nil {
		return b.Payment.Method
	}
	return ""
}
