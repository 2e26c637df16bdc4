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
	typed := false
	for range offerRounds {
		ev, err := s.store.Seats(ctx, eventID)
		if fault.Is(err, fault.NotFound) {
			return res, nil // a message about an event that is gone: nothing to hand out
		}
		if err != nil {
			return res, err
		}
		typed = ev.Typed()
		if c := Leftover(ev); c.Seats > 0 && ev.Status == booking.Published {
			err := s.store.Claim(ctx, eventID, c)
			if errors.Is(err, ErrChanged) {
				continue
			}
			if err != nil {
				return res, err
			}
			claimed(ev, c)
		}
		if ev.Offering <= 0 || ev.Status != booking.Published {
			break // nothing to hand out, or no longer on sale (a cancelled event refunds instead)
		}
		line, err := s.store.Line(ctx, eventID, lineBatch)
		if err != nil {
			return res, err
		}
		offers, skips := plan(ev, line)
		again, stale := false, false
		for _, o := range offers {
			e := o.Entry
			hold := offerHold(ev, o, now, OfferWindow(ev.OfferFor, s.offerFor))
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
				"event_id": eventID, "entry_id": e.ID, "user_id": e.UserID, "quantity": e.Quantity, "ticket_type_id": o.TypeID,
				"booking_id": hold.ID, "expires_at": hold.ExpiresAt.UTC().Format(time.RFC3339)}})
		}
		for _, skip := range skips {
			if again {
				break
			}
			if err := s.store.AddPassed(ctx, eventID, skip.EntryID, skip.Seats); err != nil {
				slog.WarnContext(ctx, "waitlist skip not recorded", "entry_id", skip.EntryID, "error", err)
			}
		}
		if !again && !stale {
			break
		}
	}
	var back *Returnable
	if typed {
		// What is left to give back is per type: read the counts the offers left.
		ev, err := s.store.Seats(ctx, eventID)
		if err != nil {
			return res, err
		}
		r := Returns(ev)
		back = &r
	}
	returned, err := s.store.Settle(ctx, eventID, back, now)
	res.Returned = returned
	return res, err
}

// plan is Plan on an event without types (every offer of its one kind of seat), PlanTypes
// on a typed one.
func plan(ev *booking.Event, line []Entry) ([]Planned, []Skip) {
	if ev.Typed() {
		return PlanTypes(ev, line)
	}
	offers, skip := Plan(int(ev.Offering), line)
	out := make([]Planned, len(offers))
	for i, e := range offers {
		out[i] = Planned{Entry: e}
	}
	var skips []Skip
	if skip.EntryID != "" {
		skips = append(skips, skip)
	}
	return out, skips
}

// claimed applies a committed claim to ev as read.
func claimed(ev *booking.Event, c Claim) {
	ev.Available -= c.Seats
	ev.Offering += c.Seats
	for _, tc := range c.Types {
		for i := range ev.Types {
			if ev.Types[i].ID == tc.ID {
				ev.Types[i].Counters.Available -= tc.Seats
				ev.Types[i].Counters.Offering += tc.Seats
			}
		}
	}
}

// offerHold is the hold an offer makes: a booking like any other, marked as coming from
// the waitlist, lasting the offer window, priced at the current price of the event or,
// on a typed event, of the offer's type, as the hold's one line (no promo code).
func offerHold(ev *booking.Event, o Planned, now time.Time, window time.Duration) *booking.Booking {
	id, ref := booking.NewID()
	e := o.Entry
	b := &booking.Booking{
		ID: id, Reference: ref, EventID: ev.ID, UserID: e.UserID, Quantity: e.Quantity,
		UnitPrice: ev.Price, Total: ev.Price.Times(e.Quantity), Status: booking.Held,
		ExpiresAt: now.Add(window).UTC(), CreatedAt: now.UTC(), UpdatedAt: now.UTC(), Version: 1,
		Source: SourceWaitlist, WaitlistEntry: e.ID, Email: e.Email,
	}
	if t, ok := ev.Type(o.TypeID); ok {
		price := booking.Money(t.Price)
		b.UnitPrice, b.Total = price, price.Times(e.Quantity)
		b.Lines = []booking.Line{{TicketTypeID: t.ID, TicketTypeName: t.Name, UnitPrice: price, Quantity: e.Quantity,
			Discount: booking.Money{Currency: price.Currency}, Total: b.Total}}
	}
	return b
}

// SourceWaitlist marks a booking made as a waitlist offer.
const SourceWaitlist = "waitlist"
