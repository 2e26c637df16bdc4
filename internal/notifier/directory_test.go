package notifier_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/notifier"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
)

type bookings map[string]*booking.Booking

func (b bookings) GetBooking(_ context.Context, id string) (*booking.Booking, error) {
	return b[id], nil
}

type eventsByID map[string]catalog.Event

func (e eventsByID) GetEvent(_ context.Context, id string) (catalog.Event, error) { return e[id], nil }

func TestLookup(t *testing.T) {
	signer, err := tickets.NewSigner("test-signing-key-0123")
	if err != nil {
		t.Fatal(err)
	}
	total := booking.Money{Amount: 5000, Currency: "EUR"}
	l := notifier.Lookup{
		Bookings: bookings{
			"confirmed": {ID: "confirmed", EventID: "ev", Email: "a@example.com", Quantity: 2, Total: total, Status: booking.Confirmed},
			"held":      {ID: "held", EventID: "ev", Email: "a@example.com", Quantity: 2, Total: total, Status: booking.Held},
			"cancelled": {ID: "cancelled", EventID: "ev", Quantity: 1, Total: total, Status: booking.Cancelled,
				Refund: &booking.Refund{Amount: booking.Money{Amount: 2500, Currency: "EUR"}}},
		},
		Events: eventsByID{"ev": {Name: "Gig", Venue: catalog.VenueSummary{Name: "Hall", City: "Oslo"}, StartsAt: time.Date(2027, 1, 2, 19, 0, 0, 0, time.UTC)}},
		Signer: signer,
	}
	ctx := context.Background()
	b, err := l.Booking(ctx, "confirmed")
	if err != nil || b.Email != "a@example.com" || len(b.Tickets) != 2 || b.Total.Amount != 5000 {
		t.Fatalf("confirmed = %+v, %v", b, err)
	}
	for i, tk := range b.Tickets {
		got, ok := signer.Verify(tk.Code)
		if !ok || got.BookingID != "confirmed" || got.Seat != i+1 {
			t.Errorf("ticket %d code %q does not verify as seat %d of the booking", i, tk.Code, i+1)
		}
	}
	if b, _ := l.Booking(ctx, "held"); len(b.Tickets) != 0 {
		t.Errorf("a held booking has %d tickets", len(b.Tickets))
	}
	if b, _ := l.Booking(ctx, "cancelled"); b.Refunded.Amount != 2500 {
		t.Errorf("refunded = %+v", b.Refunded)
	}
	e, err := l.Event(ctx, "ev")
	if err != nil || e.Name != "Gig" || e.Venue != "Hall, Oslo" || e.TimeZone != notifier.DefaultTimeZone {
		t.Fatalf("event = %+v, %v", e, err)
	}
}
