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

// Store keeps entries and moves seats between an event's offering counter and offers.
// Like the booking store, every change is one conditional transaction.
type Store interface {
	// Seats reads an event's booking view consistently (not_found when absent).
	Seats(ctx context.Context, eventID string) (*booking.Event, error)
	// Latest returns the user's most recent entry for the event, nil when none.
	Latest(ctx context.Context, eventID, userID string) (*Entry, error)
	// Ticket draws the next place in the event's line (Entry.Seq); numbers are never
	// reused, and one drawn but not used leaves a harmless gap.
	Ticket(ctx context.Context, eventID string) (int64, error)
	// Join puts e as the user's entry, counts it in the event's waiting (and, on a typed
	// event, in its type's waiting or waiting_any) and moves the seats of c to offering,
	// conditioned on the counts c read, on the event being on sale and on prev (the
	// user's latest entry, nil when none) still being the latest. ErrChanged when another
	// join or change got there first.
	Join(ctx context.Context, e Entry, prev *Entry, c Claim, now time.Time) error
	// Leave moves a waiting entry to left and out of the event's waiting count.
	Leave(ctx context.Context, e Entry, now time.Time) error
	// Position counts the waiting entries ahead of e in line (smaller Seq), plus one.
	Position(ctx context.Context, e Entry) (int, error)
	// Line returns up to limit waiting entries of the event in FIFO order.
	Line(ctx context.Context, eventID string, limit int) ([]Entry, error)
	// Offer, in one transaction, takes e.Quantity seats from the event's offering to held
	// (on a typed event, of the type of hold's one line), moves e from waiting to offered
	// (conditioned on its version) and puts hold as the offer. ErrChanged when e moved
	// on; ErrNoSeats when offering has too few seats.
	Offer(ctx context.Context, e Entry, hold *booking.Booking, now time.Time) error
	// Claim moves the seats of c (Leftover) from available to offering, conditioned on
	// someone waiting and on the counts c read: seats a capacity increase added while
	// people wait belong to the line. ErrChanged when the counts moved meanwhile.
	Claim(ctx context.Context, eventID string, c Claim) error
	// AddPassed adds seats to a waiting entry's Passed (best effort bookkeeping).
	AddPassed(ctx context.Context, eventID, entryID string, seats int) error
	// Settle ends an offering round: when nobody waits, seats left in offering go back
	// to available (returned says how many); when offering is empty the event leaves
	// the stranded-offering index. On a typed event r (not nil) says which types'
	// offering seats go back (Returns), conditioned on the counts it read.
	Settle(ctx context.Context, eventID string, r *Returnable, now time.Time) (returned int64, err error)
	// ListUser lists a user's entries newest first; ListEvent an event's in join order.
	ListUser(ctx context.Context, userID string, limit int, cursor string) (Page, error)
	ListEvent(ctx context.Context, eventID string, limit int, cursor string) (Page, error)
}

// Store errors for the service to act on.
var (
	ErrChanged = errors.New("waitlist: entry changed")
	ErrNoSeats = errors.New("waitlist: not enough seats offering")
)

// Page is a page of entries and the cursor of the next ("" on the last).
type Page struct {
	Items      []Entry
	NextCursor string
}

// Queue wakes the worker for an event (an SQS message in production).
type Queue interface {
	Nudge(ctx context.Context, eventID string) error
}

// Canceller cancels a user's booking: how an offer is declined (the booking service).
type Canceller interface {
	Cancel(ctx context.Context, userID, id string, now time.Time) (*booking.Booking, error)
}

// Service runs the waitlist use cases.
type Service struct {
	store    Store
	queue    Queue
	cancel   Canceller
	events   notify.Publisher
	offerFor time.Duration
}

// NewService wires the use cases. offerFor is the deployment's offer window (events may
// set their own); queue, cancel and events may be nil where a use case does not need them.
func NewService(store Store, queue Queue, cancel Canceller, events notify.Publisher, offerFor time.Duration) *Service {
	return &Service{store: store, queue: queue, cancel: cancel, events: events, offerFor: offerFor}
}

// Offer is the hold an offered entry may confirm.
type Offer struct {
	BookingID string    `json:"booking_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// View is an entry as the API shows it.
type View struct {
	EntryID  string `json:"entry_id"`
	EventID  string `json:"event_id"`
	UserID   string `json:"user_id"` // so the admin list says who waits
	Status   Status `json:"status"`
	Position int    `json:"position,omitempty"`
	Quantity int    `json:"quantity"`
	// TicketTypeID is the type waited for; absent for any type.
	TicketTypeID string    `json:"ticket_type_id,omitempty"`
	JoinedAt     time.Time `json:"joined_at"`
	Offer        *Offer    `json:"offer,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// View renders an entry; position is shown only while waiting.
func (e Entry) View(position int) View {
	v := View{EntryID: e.ID, EventID: e.EventID, UserID: e.UserID, Status: e.Status, Quantity: e.Quantity, TicketTypeID: e.TicketTypeID, JoinedAt: e.JoinedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}
	if e.Status == Waiting {
		v.Position = position
	}
	if e.BookingID != "" && e.Status == Offered {
		v.Offer = &Offer{BookingID: e.BookingID, ExpiresAt: e.OfferExpiresAt.UTC()}
	}
	return v
}

func notFound() error { return fault.New(fault.NotFound, "You are not on this event's waitlist") }

// maxJoinRounds bounds retries of a join that raced another change of the same entry.
const maxJoinRounds = 3

// Join puts the user in line for quantity seats of typeID ("" for any type), or returns
// the entry already there (created is false then): one active entry per user per event.
func (s *Service) Join(ctx context.Context, userID, eventID, typeID string, quantity int, now time.Time) (v View, created bool, err error) {
	var seq int64
	for range maxJoinRounds {
		ev, err := s.store.Seats(ctx, eventID)
		if err != nil {
			return View{}, false, err
		}
		if err := CheckQuantity(quantity, ev.MaxPerBooking); err != nil {
			return View{}, false, err
		}
		if typeID, err = CheckType(ev, typeID, quantity); err != nil {
			return View{}, false, err
		}
		if ev.Typed() && ev.OnSale(now) && Reservable(ev, typeID, quantity) {
			return View{}, false, fault.New(fault.Conflict, "Enough seats are available: reserve them instead of joining the waitlist")
		}
		prev, err := s.store.Latest(ctx, eventID, userID)
		if err != nil {
			return View{}, false, err
		}
		if prev != nil && prev.Status.Active() {
			v, err := s.view(ctx, *prev)
			return v, false, err
		}
		if seq == 0 { // a retried round keeps its place: its entry never committed
			if seq, err = s.store.Ticket(ctx, eventID); err != nil {
				return View{}, false, err
			}
		}
		e := Entry{ID: NewID(now), EventID: eventID, UserID: userID, Quantity: quantity, TicketTypeID: typeID, Typed: ev.Typed(),
			Status: Waiting, JoinedAt: now.UTC(), Seq: seq, Email: booking.BuyerEmail(ctx), UpdatedAt: now.UTC(), Version: 1}
		claim := Leftover(Counted(ev, e))
		err = s.store.Join(ctx, e, prev, claim, now)
		if errors.Is(err, ErrChanged) {
			continue
		}
		if err != nil {
			return View{}, false, err
		}
		if claim.Seats > 0 {
			// The seats left over went to the line: someone behind may fit them.
			s.nudge(ctx, eventID)
		}
		notify.Send(ctx, s.events, notify.Event{Type: notify.WaitlistJoined, At: now,
			Detail: map[string]any{"event_id": eventID, "entry_id": e.ID, "user_id": userID, "quantity": quantity, "ticket_type_id": typeID}})
		v, err := s.view(ctx, e)
		return v, true, err
	}
	return View{}, false, fault.New(fault.Conflict, "Your waitlist entry is being changed by another request; try again")
}

func (s *Service) view(ctx context.Context, e Entry) (View, error) {
	pos := 0
	if e.Status == Waiting {
		var err error
		if pos, err = s.store.Position(ctx, e); err != nil {
			return View{}, err
		}
	}
	return e.View(pos), nil
}

// Me shows the user's latest entry for the event.
func (s *Service) Me(ctx context.Context, userID, eventID string) (View, error) {
	e, err := s.store.Latest(ctx, eventID, userID)
	if err != nil {
		return View{}, err
	}
	if e == nil {
		return View{}, notFound()
	}
	return s.view(ctx, *e)
}

// Leave takes the user out of line; leaving with an open offer declines it (the hold is
// cancelled and its seats pass to the next in line). Leaving twice is harmless.
func (s *Service) Leave(ctx context.Context, userID, eventID string, now time.Time) (View, error) {
	for range maxJoinRounds {
		e, err := s.store.Latest(ctx, eventID, userID)
		if err != nil {
			return View{}, err
		}
		if e == nil {
			return View{}, notFound()
		}
		switch e.Status {
		case Waiting:
			err := s.store.Leave(ctx, *e, now)
			if errors.Is(err, ErrChanged) {
				continue
			}
			if err != nil {
				return View{}, err
			}
			// The line got shorter: seats kept for it may now fit someone, or go back.
			s.nudge(ctx, eventID)
			e.Status, e.UpdatedAt, e.Version = Left, now.UTC(), e.Version+1
		case Offered:
			if s.cancel == nil {
				return View{}, fault.New(fault.Unavailable, "Declining offers is not available here")
			}
			if _, err := s.cancel.Cancel(ctx, userID, e.BookingID, now); err != nil {
				return View{}, err
			}
			continue // read the entry as the cancellation left it
		}
		notify.Send(ctx, s.events, notify.Event{Type: notify.WaitlistLeft, At: now,
			Detail: map[string]any{"event_id": eventID, "entry_id": e.ID, "user_id": userID}})
		return e.View(0), nil
	}
	return View{}, fault.New(fault.Conflict, "Your waitlist entry is being changed by another request; try again")
}

// Mine lists a user's entries newest first.
func (s *Service) Mine(ctx context.Context, userID string, limit int, cursor string) ([]View, string, error) {
	p, err := s.store.ListUser(ctx, userID, limit, cursor)
	return views(p), p.NextCursor, err
}

// ForEvent lists an event's entries in join order (admin).
func (s *Service) ForEvent(ctx context.Context, eventID string, limit int, cursor string) ([]View, string, error) {
	if _, err := s.store.Seats(ctx, eventID); err != nil {
		return nil, "", err
	}
	p, err := s.store.ListEvent(ctx, eventID, limit, cursor)
	return views(p), p.NextCursor, err
}

func views(p Page) []View {
	out := make([]View, 0, len(p.Items))
	for _, e := range p.Items {
		out = append(out, e.View(0))
	}
	return out
}

func (s *Service) nudge(ctx context.Context, eventID string) {
	if s.queue == nil {
		return
	}
	if err := s.queue.Nudge(context.WithoutCancel(ctx), eventID); err != nil {
		// The sweeper nudges again for seats left in offering.
		slog.WarnContext(ctx, "waitlist nudge lost", "event_id", eventID, "error", err)
	}
}
