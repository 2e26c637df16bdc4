package notifier_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/mail"
	"github.com/bookmyevent/bookmyevent/internal/notifier"
	"github.com/bookmyevent/bookmyevent/internal/notify"
)

type directory map[string]notifier.Booking

func (d directory) Booking(_ context.Context, id string) (notifier.Booking, error) {
	b, ok := d[id]
	if !ok {
		return notifier.Booking{}, errors.New("no such booking")
	}
	return b, nil
}

func (d directory) Event(context.Context, string) (notifier.Event, error) {
	return notifier.Event{Name: "Jazz Night", Venue: "Blue Hall", TimeZone: "America/New_York",
		StartsAt: time.Date(2026, 7, 4, 23, 0, 0, 0, time.UTC)}, nil
}

type outbox struct {
	mu   sync.Mutex
	sent map[string][]string // recipient -> raw messages
}

func (o *outbox) Send(_ context.Context, to string, raw []byte) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent[to] = append(o.sent[to], string(raw))
	return "m", nil
}

type done map[string]bool

func (d done) Handled(_ context.Context, id string) (bool, error) { return d[id], nil }
func (d done) Record(_ context.Context, id, _ string) error       { d[id] = true; return nil }

func record(t *testing.T, msgID, evID, typ string, detail map[string]any) events.SQSMessage {
	t.Helper()
	d, _ := json.Marshal(detail)
	body, _ := json.Marshal(events.EventBridgeEvent{ID: evID, DetailType: typ, Source: notify.Source, Detail: d})
	return events.SQSMessage{MessageId: msgID, Body: string(body)}
}

func TestOneMailPerDomainEvent(t *testing.T) {
	dir := directory{
		"bk_1": {ID: "bk_1", Email: "ann@example.com", Quantity: 2, Total: mail.Money{Amount: 5000, Currency: "USD"},
			Tickets: []mail.Ticket{{Code: "T.bk_1.1", Label: "Ticket 1 of 2"}, {Code: "T.bk_1.2", Label: "Ticket 2 of 2"}}},
		"bk_2":   {ID: "bk_2", Email: "bob@example.com", Quantity: 1},
		"bk_old": {ID: "bk_old", Quantity: 1}, // made before addresses were carried
	}
	box := &outbox{sent: map[string][]string{}}
	n := &notifier.Notifier{Directory: dir, Sender: box, Deliveries: done{}, From: "BookMyEvent <tickets@bookmyevent.example>",
		ConfirmURL: "https://app.example/bookings/{booking_id}"}
	confirmed := record(t, "m1", "ev-1", notify.BookingConfirmed, map[string]any{"event_id": "e1", "booking_id": "bk_1"})
	batch := events.SQSEvent{Records: []events.SQSMessage{
		confirmed,
		record(t, "m2", "ev-2", notify.WaitlistOffered, map[string]any{"event_id": "e1", "booking_id": "bk_2", "expires_at": "2026-07-01T16:00:00Z"}),
		record(t, "m3", "ev-3", notify.WaitlistJoined, map[string]any{"event_id": "e1", "entry_id": "w1"}),
		record(t, "m4", "ev-4", notify.BookingConfirmed, map[string]any{"event_id": "e1", "booking_id": "bk_missing"}),
		record(t, "m5", "ev-5", notify.BookingConfirmed, map[string]any{"event_id": "e1", "booking_id": "bk_old"}),
		{MessageId: "m6", Body: "not json"},
	}}
	resp, err := n.Handle(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if strings.Join(failed, ",") != "m4,m6" {
		t.Fatalf("failures %v, want m4,m6", failed)
	}
	// Redelivered: the same event id again sends nothing.
	if resp, _ := n.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{confirmed}}); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp)
	}
	if len(box.sent["ann@example.com"]) != 1 || len(box.sent["bob@example.com"]) != 1 || len(box.sent) != 2 {
		t.Fatalf("sent %d/%d mails to ann/bob, %d recipients", len(box.sent["ann@example.com"]), len(box.sent["bob@example.com"]), len(box.sent))
	}
	conf, offer := box.sent["ann@example.com"][0], box.sent["bob@example.com"][0]
	for _, want := range []string{"Subject: Your tickets for Jazz Night", "Message-ID: <ev-1@bookmyevent>", "Content-ID: <ticket-1.bk_1@bookmyevent>",
		"Content-ID: <ticket-2.bk_1@bookmyevent>", "T.bk_1.1", "Saturday 4 July 2026, 19:00 EDT"} {
		if !strings.Contains(conf, want) {
			t.Errorf("confirmation lacks %q", want)
		}
	}
	for _, want := range []string{"Subject: Seats are waiting for you: Jazz Night", "https://app.example/bookings/bk_2", "Wednesday 1 July 2026, 12:00 EDT"} {
		if !strings.Contains(offer, want) {
			t.Errorf("offer lacks %q", want)
		}
	}
}

func TestRedactKeepsAddressesOutOfErrors(t *testing.T) {
	for _, c := range []struct{ msg, address, want string }{
		{"MessageRejected: Email address is not verified: Ann@Example.com", "Ann@Example.com", "MessageRejected: Email address is not verified: <recipient>"},
		{"identities failed the check: ann@example.com", "Ann@Example.com", "identities failed the check: <recipient>"},
		{"throttled", "ann@example.com", "throttled"},
		{"no recipient", "", "no recipient"},
	} {
		if got := notifier.Redact(c.msg, c.address); got != c.want {
			t.Errorf("Redact(%q, %q) = %q, want %q", c.msg, c.address, got, c.want)
		}
	}
}
