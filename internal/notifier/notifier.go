// Package notifier mails buyers about domain events: it reads the EventBridge events a
// rule delivered to its queue, looks up what the mail shows (the buyer's address, the
// tickets, the event's name and time zone), renders and sends one message per event id.
// A failed event is reported back to SQS alone (partial batch failure) and retried; one
// handled before (redelivery) sends nothing.
package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/mail"
	"github.com/bookmyevent/bookmyevent/internal/notify"
)

// Booking is what a mail shows of a booking. Email comes from the buyer's identity token
// (the email claim), carried on the booking.
type Booking struct {
	ID       string
	Email    string
	Quantity int
	Total    mail.Money
	Tickets  []mail.Ticket // codes as the door scans them; confirmed bookings only
	Refunded mail.Money    // cancelled bookings only
}

// Event is what a mail shows of the event booked.
type Event struct {
	Name     string
	Venue    string
	StartsAt time.Time
	TimeZone string // IANA zone the event happens in
}

// Directory finds what domain events only name by id.
type Directory interface {
	Booking(ctx context.Context, bookingID string) (Booking, error)
	Event(ctx context.Context, eventID string) (Event, error)
}

// Sender sends a built message.
type Sender interface {
	Send(ctx context.Context, to string, raw []byte) (string, error)
}

// Deliveries remembers the domain event ids already mailed.
type Deliveries interface {
	Handled(ctx context.Context, id string) (bool, error)
	Record(ctx context.Context, id, kind string) error
}

// Notifier handles the notifier queue's batches.
type Notifier struct {
	Directory  Directory
	Sender     Sender
	Deliveries Deliveries
	// From is the sender identity, e.g. "BookMyEvent <tickets@example.com>".
	From string
	// ConfirmURL is where an offer's link points, with {booking_id} replaced.
	ConfirmURL string
	Now        func() time.Time
}

// kinds maps a domain event's detail-type to the mail it sends; others send none.
var kinds = map[string]string{
	notify.BookingConfirmed: mail.Confirmation,
	notify.WaitlistOffered:  mail.Offer,
	notify.BookingExpired:   mail.Expired,
	notify.BookingCancelled: mail.Refund,
}

// detail is the part of a domain event's detail the notifier reads.
type detail struct {
	EventID   string `json:"event_id"`
	BookingID string `json:"booking_id"`
	ExpiresAt string `json:"expires_at"`
}

// errNoAddress is a booking made before addresses were carried: nothing to send to, and
// retrying will not change that.
var errNoAddress = errors.New("notifier: booking has no email address")

// Handle sends the batch's mails and reports the records that failed.
func (n *Notifier) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, rec := range batch.Records {
		if err := n.one(ctx, rec.Body); err != nil {
			if errors.Is(err, errNoAddress) {
				slog.WarnContext(ctx, "mail not sent", "message_id", rec.MessageId, "error", err)
				continue
			}
			slog.ErrorContext(ctx, "mail failed", "message_id", rec.MessageId, "error", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
	}
	return resp, nil
}

func (n *Notifier) one(ctx context.Context, body string) error {
	var ev events.EventBridgeEvent
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		return fmt.Errorf("notifier: not an EventBridge event: %w", err)
	}
	kind, ok := kinds[ev.DetailType]
	if !ok {
		return nil
	}
	if ev.ID == "" {
		return errors.New("notifier: event without an id")
	}
	seen, err := n.Deliveries.Handled(ctx, ev.ID)
	if err != nil || seen {
		return err
	}
	var d detail
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		return fmt.Errorf("notifier: %s detail: %w", ev.DetailType, err)
	}
	m, err := n.compose(ctx, kind, d)
	if err != nil {
		return err
	}
	r, err := mail.Render(m)
	if err != nil {
		return err
	}
	raw, err := mail.Build(r, n.From, m.To, n.now(), ev.ID+"@bookmyevent")
	if err != nil {
		return err
	}
	if _, err := n.Sender.Send(ctx, m.To, raw); err != nil {
		return fmt.Errorf("notifier: send %s: %s", kind, Redact(err.Error(), m.To))
	}
	// Recorded after sending: a crash in between resends once, rather than never sending.
	return n.Deliveries.Record(ctx, ev.ID, kind)
}

func (n *Notifier) compose(ctx context.Context, kind string, d detail) (mail.Message, error) {
	if d.BookingID == "" || d.EventID == "" {
		return mail.Message{}, errors.New("notifier: detail lacks event_id or booking_id")
	}
	b, err := n.Directory.Booking(ctx, d.BookingID)
	if err != nil {
		return mail.Message{}, fmt.Errorf("notifier: booking: %w", err)
	}
	if b.Email == "" {
		return mail.Message{}, errNoAddress
	}
	e, err := n.Directory.Event(ctx, d.EventID)
	if err != nil {
		return mail.Message{}, fmt.Errorf("notifier: event: %w", err)
	}
	m := mail.Message{Kind: kind, To: b.Email, BookingID: b.ID, EventName: e.Name, Venue: e.Venue,
		StartsAt: e.StartsAt, TimeZone: e.TimeZone, Quantity: b.Quantity, Total: b.Total,
		Tickets: b.Tickets, Refunded: b.Refunded}
	if kind == mail.Offer {
		if m.Deadline, err = time.Parse(time.RFC3339, d.ExpiresAt); err != nil {
			return mail.Message{}, fmt.Errorf("notifier: offer expires_at %q: %w", d.ExpiresAt, err)
		}
		m.ConfirmURL = strings.ReplaceAll(n.ConfirmURL, "{booking_id}", b.ID)
	}
	return m, nil
}

// Redact takes the recipient's address out of an error's text before it is logged: SES
// names it when it rejects a message (an unverified address in the sandbox).
func Redact(msg, address string) string {
	if address == "" {
		return msg
	}
	return strings.ReplaceAll(strings.ReplaceAll(msg, address, "<recipient>"), strings.ToLower(address), "<recipient>")
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}
