// Package notify publishes domain events (an offer made, a hold expired, a booking
// confirmed) so users can be told. Publishing happens after the transaction that made
// the change has committed, and is best effort: the state in the table is the truth and
// the API shows it; a lost notification is logged, never a lost seat.
package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/logging"
)

// Source is the EventBridge source of every domain event.
const Source = "bookmyevent"

// Types of domain events (EventBridge detail-type).
const (
	WaitlistJoined   = "waitlist.joined"
	WaitlistOffered  = "waitlist.offered"
	WaitlistLeft     = "waitlist.left"
	BookingExpired   = "booking.expired"
	BookingConfirmed = "booking.confirmed"
	// BookingCancelled is published once a cancellation's refund went through (detail:
	// event_id, booking_id, user_id, refund: {amount, currency}).
	BookingCancelled = "booking.cancelled"
)

// Event is one domain event. Detail carries the event's own fields (snake_case JSON).
type Event struct {
	Type   string
	At     time.Time
	Detail map[string]any
}

// Publisher sends domain events.
type Publisher interface {
	Publish(ctx context.Context, events ...Event) error
}

// Log is a Publisher that only writes each event to the log: what the local stack uses
// when no bus is configured, and the fallback record when the bus fails.
type Log struct{}

// Publish logs the events.
func (Log) Publish(ctx context.Context, events ...Event) error {
	for _, e := range events {
		slog.InfoContext(ctx, "domain event", "type", e.Type, "at", e.At.UTC().Format(time.RFC3339), "detail", loggable(e.Detail))
	}
	return nil
}

// Send publishes and logs a failure instead of returning it: callers have already
// committed the change the events describe.
func Send(ctx context.Context, p Publisher, events ...Event) {
	if p == nil || len(events) == 0 {
		return
	}
	if err := p.Publish(context.WithoutCancel(ctx), events...); err != nil {
		slog.WarnContext(ctx, "domain events not published", "error", err, "count", len(events))
		_ = Log{}.Publish(ctx, events...)
	}
}

// loggable is detail with the user id replaced by its hash: the event itself carries the
// id (a notifier needs it), its log line must not.
func loggable(detail map[string]any) map[string]any {
	id, ok := detail["user_id"].(string)
	if !ok {
		return detail
	}
	out := make(map[string]any, len(detail))
	for k, v := range detail {
		out[k] = v
	}
	delete(out, "user_id")
	out["user"] = logging.HashUser(id)
	return out
}
