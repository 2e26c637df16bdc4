package stripe

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	sdk "github.com/stripe/stripe-go/v85"
)

type recorder struct {
	mu        sync.Mutex
	succeeded []Payment
	failed    []Payment
	fail      error
}

func (r *recorder) Succeeded(_ context.Context, p Payment) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.succeeded = append(r.succeeded, p)
	return nil
}

func (r *recorder) Failed(_ context.Context, p Payment) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, p)
	return nil
}

type memDeliveries struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memDeliveries) Handled(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen[id], nil
}

func (m *memDeliveries) Record(_ context.Context, id, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen[id] = true
	return nil
}

const secret = "whsec_test"

func newWebhook() (*Webhook, *recorder) {
	r := &recorder{}
	return &Webhook{Secret: secret, Outcomes: r, Deliveries: &memDeliveries{seen: map[string]bool{}}}, r
}

var pay = Payment{BookingID: "bk_1", IntentID: "pi_1", Amount: 2500, Currency: "EUR"}

func TestWebhookSucceededTwiceConfirmsOnce(t *testing.T) {
	w, r := newWebhook()
	body, sig := TestEvent("evt_1", sdk.EventTypePaymentIntentSucceeded, pay, secret, time.Now())
	for i, want := range []Result{ResultHandled, ResultDuplicate} {
		got, err := w.Handle(context.Background(), body, sig)
		if err != nil || got != want {
			t.Fatalf("delivery %d = %q, %v; want %q", i+1, got, err, want)
		}
	}
	if len(r.succeeded) != 1 {
		t.Fatalf("Succeeded called %d times", len(r.succeeded))
	}
	p := r.succeeded[0]
	if p.BookingID != "bk_1" || p.IntentID != "pi_1" || p.Amount != 2500 || p.Currency != "EUR" || p.EventID != "evt_1" {
		t.Fatalf("payment %+v", p)
	}
}

func TestWebhookFailedCarriesDeclineCode(t *testing.T) {
	w, r := newWebhook()
	failed := pay
	failed.DeclineCode = "insufficient_funds"
	body, sig := TestEvent("evt_2", sdk.EventTypePaymentIntentPaymentFailed, failed, secret, time.Now())
	if got, err := w.Handle(context.Background(), body, sig); err != nil || got != ResultHandled {
		t.Fatalf("Handle = %q, %v", got, err)
	}
	if len(r.failed) != 1 || r.failed[0].DeclineCode != "insufficient_funds" {
		t.Fatalf("failed = %+v", r.failed)
	}
}

func TestWebhookRejectsBadSignatures(t *testing.T) {
	body, sig := TestEvent("evt_3", sdk.EventTypePaymentIntentSucceeded, pay, secret, time.Now())
	_, wrongSecret := TestEvent("evt_3", sdk.EventTypePaymentIntentSucceeded, pay, "whsec_other", time.Now())
	_, stale := TestEvent("evt_3", sdk.EventTypePaymentIntentSucceeded, pay, secret, time.Now().Add(-time.Hour))
	cases := []struct {
		name      string
		body      []byte
		signature string
	}{
		{"missing", body, ""},
		{"malformed", body, "nonsense"},
		{"other secret", body, wrongSecret},
		{"too old", body, stale},
		{"tampered body", append([]byte(nil), append(body[:len(body)-1], ' ', '}')...), sig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, r := newWebhook()
			if _, err := w.Handle(context.Background(), c.body, c.signature); !errors.Is(err, ErrSignature) {
				t.Fatalf("err = %v, want ErrSignature", err)
			}
			if len(r.succeeded)+len(r.failed) != 0 {
				t.Fatal("an unverified delivery reached the booking core")
			}
		})
	}
}

func TestWebhookFailedOutcomeIsRetried(t *testing.T) {
	w, r := newWebhook()
	r.fail = errors.New("table unavailable")
	body, sig := TestEvent("evt_4", sdk.EventTypePaymentIntentSucceeded, pay, secret, time.Now())
	if _, err := w.Handle(context.Background(), body, sig); err == nil {
		t.Fatal("an outcome error was swallowed")
	}
	r.fail = nil
	if got, err := w.Handle(context.Background(), body, sig); err != nil || got != ResultHandled || len(r.succeeded) != 1 {
		t.Fatalf("redelivery = %q, %v, %d confirms", got, err, len(r.succeeded))
	}
}

func TestWebhookIgnoresWhatIsNotOurs(t *testing.T) {
	w, r := newWebhook()
	foreign := pay
	foreign.BookingID = ""
	body, sig := TestEvent("evt_5", sdk.EventTypePaymentIntentSucceeded, foreign, secret, time.Now())
	other, otherSig := TestEvent("evt_6", "charge.refunded", pay, secret, time.Now())
	for _, d := range [][2]string{{string(body), sig}, {string(other), otherSig}} {
		if got, err := w.Handle(context.Background(), []byte(d[0]), d[1]); err != nil || got != ResultIgnored {
			t.Fatalf("Handle = %q, %v", got, err)
		}
	}
	if len(r.succeeded) != 0 {
		t.Fatal("foreign intent confirmed a booking")
	}
}
