package stampede_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/dynamo/dynamotest"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/payments"
)

const transact = "TransactWriteItems"

// Real DynamoDB cancels a transaction that races another on the same item; the store
// retries it (same ClientRequestToken) within the deadline. The emulator never does
// this, so the conflicts are injected.
func TestConflictsAndThrottlingAreRetried(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ev := h.seedEvent(eventSpec{capacity: 5, price: 100})
	h.faults.Fail(transact, 2, false, dynamotest.Conflict(6))
	h.faults.Fail(transact, 1, false, dynamotest.Throttled())
	h.meter.Reset()
	a, err := h.svc.Reserve(context.Background(), "u", ev, 1, "k", time.Now())
	if err != nil || a.Booking == nil {
		t.Fatalf("reserve = %+v, %v", a, err)
	}
	if left := h.faults.Pending(transact); left != 0 {
		t.Fatalf("%d injected failures never happened", left)
	}
	if st := h.invariant(ev); st.Held != 1 {
		t.Fatalf("held = %d", st.Held)
	}
}

// When conflicts outlast the request's deadline the buyer gets a retryable 503, and
// nothing was taken.
func TestConflictsPastTheDeadline(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ev := h.seedEvent(eventSpec{capacity: 5, price: 100})
	h.faults.Fail(transact, 1000, false, dynamotest.Conflict(6))
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	_, err := h.svc.Reserve(ctx, "u", ev, 1, "k", time.Now())
	wantCode(t, err, fault.Unavailable)
	h2 := h.withoutFaults()
	if st := h2.invariant(ev); st.Held != 0 || st.Available != 5 {
		t.Fatalf("stats %+v", st)
	}
}

// errLambdaDied is a failure after commit that nothing in the Lambda can retry: the
// function died (timeout, crash) before answering.
var errLambdaDied = errors.New("lambda died (injected, after commit)")

// A Lambda that dies after its transaction committed, before answering: the client
// retries with the same key and gets the same booking; no seat is taken twice.
func TestReserveAnswerLost(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ev := h.seedEvent(eventSpec{capacity: 5, price: 100})
	now := time.Now()
	h.faults.Fail(transact, 1, true, errLambdaDied)
	if _, err := h.svc.Reserve(context.Background(), "u", ev, 2, "k", now); err == nil {
		t.Fatal("the lost answer was not noticed")
	}
	a, err := h.svc.Reserve(context.Background(), "u", ev, 2, "k", now.Add(3*time.Second))
	if err != nil {
		t.Fatalf("retry = %v", err)
	}
	if status, _ := rendered(t, a, 201); status != 201 {
		t.Fatalf("retry answered %d", status)
	}
	st := h.invariant(ev)
	if st.Held != 2 || st.Available != 3 {
		t.Fatalf("stats %+v: a seat was lost or taken twice", st)
	}
	p, _ := h.svc.Mine(context.Background(), "u", booking.ListFilter{Limit: 10})
	if len(p.Items) != 1 || p.Items[0].ID != decodeView(t, a).BookingID {
		t.Fatalf("bookings %+v", p.Items)
	}
}

// A connection reset after the transaction committed is retried by the write path with
// the same ClientRequestToken (real DynamoDB answers success without applying it again;
// moto ignores tokens, and the retry finds the idempotency record): one answer, one hold.
func TestReserveConnectionResetAfterCommit(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ev := h.seedEvent(eventSpec{capacity: 5, price: 100})
	h.faults.Fail(transact, 1, true, errors.New("read: connection reset by peer (injected, after commit)"))
	a, err := h.svc.Reserve(context.Background(), "u", ev, 2, "k", time.Now())
	if err != nil {
		t.Fatalf("reserve = %v", err)
	}
	if status, _ := rendered(t, a, 201); status != 201 {
		t.Fatalf("reserve answered %d, want 201", status)
	}
	if left := h.faults.Pending(transact); left != 0 {
		t.Fatalf("%d injected failures never happened", left)
	}
	if st := h.invariant(ev); st.Held != 2 || st.Available != 3 {
		t.Fatalf("stats %+v: a seat was lost or taken twice", st)
	}
	p, _ := h.svc.Mine(context.Background(), "u", booking.ListFilter{Limit: 10})
	if len(p.Items) != 1 || p.Items[0].ID != decodeView(t, a).BookingID {
		t.Fatalf("bookings %+v", p.Items)
	}
}

// Confirm failures at every step, each followed by a retry with the same key that
// finishes the job with one charge and the seats sold once.
func TestConfirmRecoversFromFaults(t *testing.T) {
	cases := []struct {
		name   string
		inject func(h *harness)
	}{
		{"claim write fails", func(h *harness) {
			h.faults.Fail("UpdateItem", 1, false, errors.New("connection refused (injected)"))
		}},
		{"payment provider times out after charging", func(h *harness) { h.pay.LoseAnswers(1) }},
		{"confirm transaction fails", func(h *harness) {
			h.faults.Fail(transact, 1, false, errors.New("connection refused (injected)"))
		}},
		{"lambda dies after the confirm transaction", func(h *harness) {
			h.faults.Fail(transact, 1, true, errLambdaDied)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, booking.Config{})
			ctx := context.Background()
			ev := h.seedEvent(eventSpec{capacity: 3, price: 700})
			now := time.Now()
			a, err := h.svc.Reserve(ctx, "u", ev, 2, "r", now)
			if err != nil {
				t.Fatal(err)
			}
			id := decodeView(t, a).BookingID
			c.inject(h)
			if _, err := h.svc.Confirm(ctx, "u", id, payments.MethodSucceeds, "c", now); err == nil {
				t.Fatal("the injected failure was not noticed")
			}
			// Retried later, as a client would; a lapsed claim is taken over.
			out, err := h.svc.Confirm(ctx, "u", id, payments.MethodSucceeds, "c", now.Add(time.Minute))
			if err != nil || decodeView(t, out).Status != booking.Confirmed {
				t.Fatalf("retry = %v", err)
			}
			if n, _ := h.ledger.Charges(ctx, id); n != 1 {
				t.Fatalf("charges = %d", n)
			}
			st := h.invariant(ev)
			if st.Sold != 2 || st.Held != 0 || st.Available != 1 || st.Revenue.Amount != 1400 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// A hold that the sweeper expired can still be confirmed while seats remain; when they
// are gone the buyer gets hold_expired and the money back.
func TestLateConfirm(t *testing.T) {
	h := newHarness(t, booking.Config{HoldFor: time.Minute})
	ctx := context.Background()
	ev := h.seedEvent(eventSpec{capacity: 2, price: 500})
	now := time.Now()
	first := reserveID(t, h, "u1", ev, 1, now)
	second := reserveID(t, h, "u2", ev, 1, now)
	later := now.Add(2 * time.Minute)
	for _, id := range []string{first, second} {
		b, err := h.store.GetBooking(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.svc.Expire(ctx, b, later); err != nil {
			t.Fatal(err)
		}
	}
	if st := h.invariant(ev); st.Available != 2 || st.Held != 0 {
		t.Fatalf("after expiry %+v", st)
	}
	// Seats still free: the late payment is accepted.
	if _, err := h.svc.Confirm(ctx, "u1", first, payments.MethodSucceeds, "c", later); err != nil {
		t.Fatalf("late confirm with seats left: %v", err)
	}
	// Someone takes the last seat; the other late payment is refunded.
	reserveID(t, h, "u3", ev, 1, later)
	_, err := h.svc.Confirm(ctx, "u2", second, payments.MethodSucceeds, "c", later)
	wantCode(t, err, fault.HoldExpired)
	b, err := h.store.GetBooking(ctx, second)
	if err != nil || b.Status != booking.Expired || b.Refund == nil || b.Refund.Amount.Amount != 500 || b.Refund.Status != "succeeded" {
		t.Fatalf("expired booking after failed late confirm: %+v %+v, %v", b, b.Refund, err)
	}
	if st := h.invariant(ev); st.Sold != 1 || st.Held != 1 || st.Available != 0 || st.Revenue.Amount != 500 {
		t.Fatalf("stats %+v", st)
	}
}

// Cancelling a confirmed booking refunds by the event's policy.
func TestCancelRefundPolicy(t *testing.T) {
	policy := []booking.RefundTier{{HoursBefore: 48, Percent: 100}, {HoursBefore: 6, Percent: 25}}
	cases := []struct {
		name     string
		startsIn time.Duration
		policy   []booking.RefundTier
		want     int64
	}{
		{"default, a week out", 7 * 24 * time.Hour, nil, 999},
		{"default, 10h out", 10 * time.Hour, nil, 500}, // 50% of 999 rounds up for the buyer
		{"default, 1h out", time.Hour, nil, 0},
		{"custom, 10h out", 10 * time.Hour, policy, 250},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, booking.Config{})
			ctx := context.Background()
			ev := h.seedEvent(eventSpec{capacity: 3, price: 999, startsIn: c.startsIn, policy: c.policy})
			now := time.Now()
			id := reserveID(t, h, "u", ev, 1, now)
			if _, err := h.svc.Confirm(ctx, "u", id, payments.MethodSucceeds, "c", now); err != nil {
				t.Fatal(err)
			}
			b, err := h.svc.Cancel(ctx, "u", id, now)
			if err != nil || b.Refund == nil || b.Refund.Amount.Amount != c.want {
				t.Fatalf("cancel = %+v, %v", b, err)
			}
			if st := h.invariant(ev); st.Revenue.Amount != 999-c.want || st.Available != 3 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func reserveID(t *testing.T, h *harness, user, ev string, q int, now time.Time) string {
	t.Helper()
	a, err := h.svc.Reserve(context.Background(), user, ev, q, "r-"+user, now)
	if err != nil {
		t.Fatalf("reserve for %s: %v", user, err)
	}
	return decodeView(t, a).BookingID
}
