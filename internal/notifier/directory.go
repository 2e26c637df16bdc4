package notifier

import (
	"context"
	"fmt"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/mail"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
)

// DefaultTimeZone shows times of events that name no zone of their own.
const DefaultTimeZone = "UTC"

// Bookings reads bookings (the booking store).
type Bookings interface {
	GetBooking(ctx context.Context, id string) (*booking.Booking, error)
}

// Events reads events (the catalogue).
type Events interface {
	GetEvent(ctx context.Context, id string) (catalog.Event, error)
}

// Lookup is the Directory on the table: bookings, events, and the tickets of a
// confirmed booking signed as the door checks them.
type Lookup struct {
	Bookings Bookings
	Events   Events
	Signer   *tickets.Signer
}

// Booking reads a booking as its mail shows it.
func (l Lookup) Booking(ctx context.Context, id string) (Booking, error) {
	b, err := l.Bookings.GetBooking(ctx, id)
	if err != nil {
		return Booking{}, err
	}
	out := Booking{ID: b.ID, Email: b.Email, Quantity: b.Quantity, Total: mail.Money(b.Total)}
	if b.Status == booking.Confirmed {
		for i, t := range l.Signer.Issue(b.EventID, b.ID, b.Quantity) {
			out.Tickets = append(out.Tickets, mail.Ticket{Code: t.Code, Label: fmt.Sprintf("Ticket %d of %d", i+1, b.Quantity)})
		}
	}
	if b.Refund != nil {
		out.Refunded = mail.Money(b.Refund.Amount)
	}
	return out, nil
}

// Event reads an event as a mail shows it.
func (l Lookup) Event(ctx context.Context, id string) (Event, error) {
	e, err := l.Events.GetEvent(ctx, id)
	if err != nil {
		return Event{}, err
	}
	venue := e.Venue.Name
	if e.Venue.City != "" {
		venue += ", " + e.Venue.City
	}
	return Event{Name: e.Name, Venue: venue, StartsAt: e.StartsAt, TimeZone: DefaultTimeZone}, nil
}
