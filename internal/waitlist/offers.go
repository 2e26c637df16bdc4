package waitlist

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/notify"
)

// Bounds on one worker pass over an event: how many waiting entries it reads per round
// and how many rounds it runs (another round follows when an offer found too few seats or
// its entry changed, which means another worker or the user got there first: read again).
const (
	lineBatch   = 100
	offerRounds = 5
)

// Result is what one pass handed out.
type Result struct {
	Offers   int   // offers made
	Seats    int   // seats offered
	Returned int64 // seats given back to available because nobody waits
}

// OfferSeats turns an event's offering seats into offers for waiting entries, by Plan.
// It is safe to run twice at once and to run again for the same message: each offer is
// conditioned on the entry still waiting at the version read and on enough seats in
// offering, so the same seats or entry are never offered twice.
func (s *Service) OfferSeats(ctx context.Context, eventID string, now time.Time) (Result, error) {
	var res Result
	for range offerRounds {
		ev, err := s.store.Seats(ctx, eventID)
		if fault.Is(err, fault.NotFound) {
			return res, nil // a message about an event that is gone: nothing to hand out
		}
		if err != nil {
			return res, err
		}
		if ev.Waiting > 0 && ev.Available > 0 && ev.Status == booking.Published {
			err := s.store.Claim(ctx, eventID, ev.Available)
			if errors.Is(err, ErrChanged) {
				continue
			}
			if err != nil {
				return res, err
			}
			ev.Offering, ev.Available = ev.Offering+ev.Available, 0
		}
		if ev.Offering <= 0 || ev.Status != booking.Published {
			break // nothing to hand out, or no longer on sale (a cancelled event refunds instead)
		}
		line, err := s.store.Line(ctx, eventID, lineBatch)
		if err != nil {
			return res, err
		}
		offers, skip := Plan(int(ev.Offering), line)
		again, stale := false, false
		for _, e := range offers {
			hold := offerHold(ev, e, now, OfferWindow(ev.OfferFor, s.offerFor))
			err := s.store.Offer(ctx, e, hold, now)
			switch {
			case errors.Is(err, ErrChanged):
				// Left, offered by another worker, or read stale from the index: the plan's
				// seats for it are still free, so plan again after this round.
				stale = true
				continue
			case errors.Is(err, ErrNoSeats):
				again = true
			case err != nil:
				return res, err
			}
			if again {
				break
			}
			res.Offers++
			res.Seats += e.Quantity
			notify.Send(ctx, s.events, notify.Event{Type: notify.WaitlistOffered, At: now, Detail: map[string]any{
				"event_id": eventID, "entry_id": e.ID, "user_id": e.UserID, "quantity": e.Quantity,
				"booking_id": hold.ID, "expires_at": hold.ExpiresAt.UTC().Format(time.RFC3339)}})
		}
		if skip.EntryID != "" && !again {
			if err := s.store.AddPassed(ctx, eventID, skip.EntryID, skip.Seats); err != nil {
				slog.WarnContext(ctx, "waitlist skip not recorded", "entry_id", skip.EntryID, "error", err)
			}
		}
		if !again && !stale {
			break
		}
	}
	returned, err := s.store.Settle(ctx, eventID, now)
	res.Returned = returned
	return res, err
}

// offerHold is the hold an offer makes: a booking like any other, marked as coming from
// the waitlist, priced at the event's current price, lasting the offer window.
func offerHold(ev *booking.Event, e Entry, now time.Time, window time.Duration) *booking.Booking {
	id, ref := booking.NewID()
	return &booking.Booking{
		ID: id, Reference: ref, EventID: ev.ID, UserID: e.UserID, Quantity: e.Quantity,
		UnitPrice: ev.Price, Total: ev.Price.Times(e.Quantity), Status: booking.Held,
		ExpiresAt: now.Add(window).UTC(), CreatedAt: now.UTC(), UpdatedAt: now.UTC(), Version: 1,
		Source: SourceWaitlist, WaitlistEntry: e.ID, Email: e.Email,
	}
}

// SourceWaitlist marks a booking made as a waitlist offer.
const SourceWaitlist = "waitlist"
