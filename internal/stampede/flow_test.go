package stampede_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/payments"
)

func decodeView(t *testing.T, a booking.Result) booking.View { return viewOf(t, a) }

// viewOf is the booking a result shows: the one the request made, or the replayed one.
func viewOf(t testing.TB, a booking.Result) booking.View {
	t.Helper()
	if a.Booking != nil {
		return a.Booking.View()
	}
	_, body := rendered(t, a, 0)
	var v booking.View
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return v
}

// rendered is a result as the API answers it: a booking the request made under status
// (201 for a hold, 200 for a confirmation), a replay as it was stored.
func rendered(t testing.TB, a booking.Result, status int) (int, string) {
	t.Helper()
	if a.Replayed != nil {
		return a.Replayed.Status, string(a.Replayed.Body)
	}
	if a.Booking == nil {
		t.Fatal("a result with neither a booking nor a replay")
	}
	body, err := json.Marshal(a.Booking.View())
	if err != nil {
		t.Fatal(err)
	}
	return status, string(body)
}

func wantCode(t *testing.T, err error, code fault.Code) {
	t.Helper()
	if !fault.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func TestReserveConfirmTicketsCancel(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ctx := context.Background()
	ev := h.seedEvent(eventSpec{capacity: 10, price: 2500, max: 4})
	now := time.Now()

	a, err := h.svc.Reserve(ctx, "alice", ev, 2, "k1", now)
	if err != nil || a.Booking == nil {
		t.Fatalf("reserve = %+v, %v", a, err)
	}
	v := decodeView(t, a)
	if v.Status != booking.Held || v.Total != (booking.Money{Amount: 5000, Currency: "USD"}) || v.ExpiresAt == nil ||
		!v.ExpiresAt.Equal(now.Add(15*time.Minute).UTC().Truncate(time.Millisecond)) && v.ExpiresAt.Sub(now) < 14*time.Minute {
		t.Fatalf("reserved %+v", v)
	}
	again, err := h.svc.Reserve(ctx, "alice", ev, 2, "k1", now.Add(time.Second))
	if err != nil || again.Replayed == nil {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	_, first := rendered(t, a, 201)
	if status, body := rendered(t, again, 201); body != first || status != 201 {
		t.Fatalf("replay = %d %s, want 201 %s", status, body, first)
	}
	_, err = h.svc.Reserve(ctx, "alice", ev, 3, "k1", now)
	wantCode(t, err, fault.IdempotencyMismatch)
	if st := h.invariant(ev); st.Held != 2 || st.Available != 8 {
		t.Fatalf("after reserve: %+v", st)
	}

	// Someone else's booking is not found; a declined card keeps the hold.
	_, err = h.svc.Get(ctx, "mallory", v.BookingID)
	wantCode(t, err, fault.NotFound)
	_, err = h.svc.Confirm(ctx, "alice", v.BookingID, payments.MethodChargeDeclined, "c0", now)
	wantCode(t, err, fault.PaymentDeclined)
	_, err = h.svc.Confirm(ctx, "alice", v.BookingID, payments.MethodChargeDeclined, "c0", now)
	wantCode(t, err, fault.PaymentDeclined) // replayed, not charged again
	if st := h.invariant(ev); st.Held != 2 {
		t.Fatalf("declined changed seats: %+v", st)
	}

	c, err := h.svc.Confirm(ctx, "alice", v.BookingID, payments.MethodSucceeds, "c1", now)
	if err != nil || c.Booking == nil {
		t.Fatalf("confirm = %v", err)
	}
	cv := decodeView(t, c)
	if cv.Status != booking.Confirmed || cv.Payment == nil || cv.Payment.Status != payments.Succeeded || cv.ExpiresAt != nil {
		t.Fatalf("confirmed %+v", cv)
	}
	c2, err := h.svc.Confirm(ctx, "alice", v.BookingID, payments.MethodSucceeds, "c1", now)
	if err != nil || c2.Replayed == nil {
		t.Fatalf("confirm replay = %+v, %v", c2, err)
	}
	_, confirmed := rendered(t, c, 200)
	if status, body := rendered(t, c2, 200); body != confirmed || status != 200 {
		t.Fatalf("confirm replay = %d %s, want 200 %s", status, body, confirmed)
	}
	// The booking is its key's record: a day later, confirmed, it still replays the hold
	// exactly as the reservation answered it.
	late, err := h.svc.Reserve(ctx, "alice", ev, 2, "k1", now.Add(25*time.Hour))
	if status, body := rendered(t, late, 201); err != nil || body != first || status != 201 {
		t.Fatalf("replay after confirm = %d %s, %v; want 201 %s", status, body, err, first)
	}
	c3, err := h.svc.Confirm(ctx, "alice", v.BookingID, payments.MethodSucceeds, "c2", now)
	if err != nil || decodeView(t, c3).Status != booking.Confirmed {
		t.Fatalf("confirm with a new key = %v", err)
	}
	_, err = h.svc.Confirm(ctx, "alice", v.BookingID, payments.MethodChargeDeclined, "c1", now)
	wantCode(t, err, fault.IdempotencyMismatch)
	if n, _ := h.ledger.Charges(ctx, v.BookingID); n != 1 {
		t.Fatalf("charges = %d", n)
	}
	st := h.invariant(ev)
	if st.Sold != 2 || st.Held != 0 || st.Revenue.Amount != 5000 {
		t.Fatalf("after confirm: %+v", st)
	}

	ts, err := h.svc.Tickets(ctx, "alice", v.BookingID)
	if err != nil || len(ts) != 2 {
		t.Fatalf("tickets = %v, %v", ts, err)
	}
	if _, err := h.svc.CheckIn(ctx, ev, ts[0].Code, now); err != nil {
		t.Fatalf("check-in: %v", err)
	}
	_, err = h.svc.CheckIn(ctx, ev, ts[0].Code, now)
	wantCode(t, err, fault.AlreadyCheckedIn)
	_, err = h.svc.CheckIn(ctx, ev, ts[1].Code+"x", now)
	wantCode(t, err, fault.NotFound)
	_, err = h.svc.CheckIn(ctx, "other-event", ts[1].Code, now)
	wantCode(t, err, fault.NotFound)
	if st := h.invariant(ev); st.CheckedIn != 1 {
		t.Fatalf("checked_in = %d", st.CheckedIn)
	}

	// A week before the start the default policy refunds everything.
	b, err := h.svc.Cancel(ctx, "alice", v.BookingID, now)
	if err != nil || b.Status != booking.Cancelled || b.Refund == nil || b.Refund.Amount.Amount != 5000 || b.Refund.Status != "succeeded" {
		t.Fatalf("cancel = %+v, %v", b, err)
	}
	b2, err := h.svc.Cancel(ctx, "alice", v.BookingID, now)
	if err != nil || b2.Status != booking.Cancelled {
		t.Fatalf("cancel twice = %v", err)
	}
	st = h.invariant(ev)
	if st.Available != 10 || st.Sold != 0 || st.Revenue.Amount != 0 {
		t.Fatalf("after cancel: %+v", st)
	}
	mine, err := h.svc.Mine(ctx, "alice", booking.ListFilter{Limit: 10, Status: booking.Cancelled})
	if err != nil || len(mine.Items) != 1 {
		t.Fatalf("mine = %+v, %v", mine, err)
	}
}

func TestReserveRules(t *testing.T) {
	h := newHarness(t, booking.Config{RateLimit: 3})
	ctx := context.Background()
	now := time.Now()
	draft := h.seedEvent(eventSpec{capacity: 5, price: 100, status: "draft"})
	started := h.seedEvent(eventSpec{capacity: 5, price: 100, startsIn: -time.Minute})
	ev := h.seedEvent(eventSpec{capacity: 5, price: 100, max: 3})
	other := h.seedEvent(eventSpec{capacity: 10, price: 100, max: 4})

	_, err := h.svc.Reserve(ctx, "p", draft, 1, "a", now)
	wantCode(t, err, fault.NotOnSale)
	_, err = h.svc.Reserve(ctx, "p", started, 1, "b", now)
	wantCode(t, err, fault.NotOnSale)
	_, err = h.svc.Reserve(ctx, "u", "missing", 1, "c", now)
	wantCode(t, err, fault.NotFound)
	_, err = h.svc.Reserve(ctx, "u", ev, 4, "d", now)
	wantCode(t, err, fault.Validation)
	_, err = h.svc.Reserve(ctx, "u", ev, 1, "", now)
	wantCode(t, err, fault.Validation)

	// Per-user limit across bookings: 2 + 1 is fine, one more is not.
	for i, q := range []int{2, 1} {
		if _, err := h.svc.Reserve(ctx, "u", ev, q, "ok"+string(rune('0'+i)), now); err != nil {
			t.Fatalf("reserve %d: %v", q, err)
		}
	}
	_, err = h.svc.Reserve(ctx, "u", ev, 1, "e", now)
	wantCode(t, err, fault.LimitExceeded)

	// Not enough seats answers with what is left.
	_, err = h.svc.Reserve(ctx, "v", ev, 3, "f", now)
	wantCode(t, err, fault.SoldOut)
	if fe, _ := fault.As(err); fe.Extra["available"] != int64(2) {
		t.Fatalf("sold_out extra = %v", fe.Extra)
	}

	// Attempts turned away are limited, per user and event: three a minute, then even a
	// reservation that would succeed is rate limited, with Retry-After. Successful ones
	// are not counted (the per-user limit bounds them).
	for i := range 3 {
		_, err := h.svc.Reserve(ctx, "w", ev, 3, "w"+string(rune('0'+i)), now)
		wantCode(t, err, fault.SoldOut)
	}
	_, err = h.svc.Reserve(ctx, "w", ev, 1, "w3", now)
	wantCode(t, err, fault.RateLimited)
	if fe, _ := fault.As(err); fe.RetryAfter < 1 || fe.RetryAfter > 60 {
		t.Fatalf("Retry-After = %d", fe.RetryAfter)
	}
	if _, err := h.svc.Reserve(ctx, "w", ev, 1, "w4", now.Add(time.Minute)); err != nil {
		t.Fatalf("w in the next minute: %v", err)
	}
	for i := range 3 {
		if _, err := h.svc.Reserve(ctx, "x", other, 1, "x"+string(rune('0'+i)), now); err != nil {
			t.Fatalf("x reserve %d: %v", i, err)
		}
	}
	if _, err := h.svc.Reserve(ctx, "x", other, 1, "x3", now); err != nil {
		t.Fatalf("a fourth successful attempt in a minute: %v", err)
	}

	// Not-on-sale answers count too: p was turned away once from the draft above, once
	// more here, a third time, and is then rate limited on it.
	_, err = h.svc.Reserve(ctx, "p", draft, 1, "p3", now)
	wantCode(t, err, fault.NotOnSale)
	_, err = h.svc.Reserve(ctx, "p", draft, 1, "p4", now)
	wantCode(t, err, fault.NotOnSale)
	_, err = h.svc.Reserve(ctx, "p", draft, 1, "p5", now)
	wantCode(t, err, fault.RateLimited)
	h.invariant(ev)
}

// A price change the per-instance cache has not seen yet never sells at the old price:
// the transaction's condition repeats the cached price, fails, and the retry uses the
// stored event the failure returned.
func TestStaleCacheNeverSellsAtAWrongPrice(t *testing.T) {
	h := newHarness(t, booking.Config{})
	ctx := context.Background()
	ev := h.seedEvent(eventSpec{capacity: 5, price: 1000, max: 4})
	now := time.Now()
	if _, err := h.svc.Reserve(ctx, "a", ev, 1, "k", now); err != nil { // caches the event
		t.Fatal(err)
	}
	h.setEvent(ev, "SET price_amount = :p, max_tickets_per_booking = :m", map[string]types.AttributeValue{
		":p": &types.AttributeValueMemberN{Value: "1500"}, ":m": &types.AttributeValueMemberN{Value: "2"}})
	h.meter.Reset()
	a, err := h.svc.Reserve(ctx, "b", ev, 2, "k", now)
	if err != nil {
		t.Fatal(err)
	}
	if v := decodeView(t, a); v.UnitPrice.Amount != 1500 || v.Total.Amount != 3000 {
		t.Fatalf("sold at %+v", v)
	}
	if calls := h.meter.Read().Calls; calls != 2 {
		t.Fatalf("%d round trips, want 2 (the failed and the retried transaction)", calls)
	}
	// The new, lower per-booking maximum applies at once too.
	_, err = h.svc.Reserve(ctx, "c", ev, 3, "k", now)
	wantCode(t, err, fault.Validation)
	h.invariant(ev)
}
