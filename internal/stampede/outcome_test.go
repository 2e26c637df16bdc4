package stampede_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/payments"
)

// Provider outcomes (Stripe's webhook) against the real store: repeated, out of order,
// and late after the seats were sold to someone else.
func TestPaymentOutcomes(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ctx := context.Background()
	now := time.Now()
	get := func(id string) *booking.Booking {
		t.Helper()
		b, err := h.svc.Get(ctx, "alice", id)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	t.Run("failed then succeeded twice confirms once", func(t *testing.T) {
		ev := h.seedEvent(eventSpec{capacity: 4, price: 1500})
		res, err := h.svc.Reserve(booking.WithBuyerEmail(ctx, "alice@example.com"), "alice", ev, 2, "r1", now)
		if err != nil {
			t.Fatal(err)
		}
		id := res.Booking.ID
		if b := get(id); b.Email != "alice@example.com" {
			t.Fatalf("email on the booking = %q", b.Email)
		}
		o := booking.PaymentOutcome{BookingID: id, ChargeID: "pi_1", Amount: res.Booking.Total, DeclineCode: "card_declined"}
		if err := h.svc.PaymentFailed(ctx, o, now); err != nil {
			t.Fatal(err)
		}
		if b := get(id); b.Status != booking.Held || b.Payment == nil || b.Payment.Status != payments.Declined {
			t.Fatalf("after failed: %s %+v", b.Status, b.Payment)
		}
		for range 2 {
			if err := h.svc.PaymentSucceeded(ctx, o, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := h.svc.PaymentFailed(ctx, o, now); err != nil {
			t.Fatal(err)
		}
		b := get(id)
		if b.Status != booking.Confirmed || b.Payment.Status != payments.Succeeded || b.Payment.ChargeID != "pi_1" {
			t.Fatalf("after succeeded: %s %+v", b.Status, b.Payment)
		}
		if st := h.invariant(ev); st.Sold != 2 || st.Revenue.Amount != 3000 {
			t.Fatalf("stats %+v, want 2 sold once for 3000", st)
		}
	})

	t.Run("late success for seats sold to someone else refunds", func(t *testing.T) {
		ev := h.seedEvent(eventSpec{capacity: 2, price: 1500})
		res, err := h.svc.Reserve(ctx, "alice", ev, 2, "r2", now)
		if err != nil {
			t.Fatal(err)
		}
		later := res.Booking.ExpiresAt.Add(time.Minute)
		if err := h.svc.Expire(ctx, get(res.Booking.ID), later); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Reserve(ctx, "bob", ev, 2, "r3", later); err != nil {
			t.Fatal(err)
		}
		o := booking.PaymentOutcome{BookingID: res.Booking.ID, ChargeID: "pi_2", Amount: res.Booking.Total}
		for range 2 {
			if err := h.svc.PaymentSucceeded(ctx, o, later); err != nil {
				t.Fatal(err)
			}
		}
		b := get(res.Booking.ID)
		if b.Status != booking.Expired || b.Refund == nil || b.Refund.Status != "succeeded" || b.Refund.Amount != res.Booking.Total {
			t.Fatalf("late success: %s refund %+v", b.Status, b.Refund)
		}
		if st := h.invariant(ev); st.Held != 2 || st.Sold != 0 {
			t.Fatalf("stats %+v, want bob's 2 held and none sold", st)
		}
	})

	t.Run("a wrong amount is refunded, not confirmed", func(t *testing.T) {
		ev := h.seedEvent(eventSpec{capacity: 2, price: 1500})
		res, err := h.svc.Reserve(ctx, "alice", ev, 1, "r4", now)
		if err != nil {
			t.Fatal(err)
		}
		o := booking.PaymentOutcome{BookingID: res.Booking.ID, ChargeID: "pi_3", Amount: booking.Money{Amount: 1, Currency: "USD"}}
		if err := h.svc.PaymentSucceeded(ctx, o, now); err != nil {
			t.Fatal(err)
		}
		if b := get(res.Booking.ID); b.Status != booking.Held {
			t.Fatalf("status %s, want held", b.Status)
		}
	})
}
