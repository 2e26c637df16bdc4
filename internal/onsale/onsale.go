// Package onsale is the reservation a buyer makes from the event page: reserve seats,
// else (the event sold out) release the event's holds that already lapsed and try again,
// else put the buyer in the event's line. It sits above the pieces it orchestrates
// (booking, expiry, waitlist), which know nothing of one another here.
package onsale

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// Reserver takes seats (booking.Service).
type Reserver interface {
	ReserveOrder(ctx context.Context, userID, eventID string, r booking.OrderRequest, key string, now time.Time) (booking.Result, error)
}

// Lapsed releases an event's holds that are already due (expiry.Sweeper), bounded work.
type Lapsed interface {
	ReleaseLapsed(ctx context.Context, eventID string, now time.Time) (seats int, err error)
}

// Line puts a buyer in an event's waitlist (waitlist.Service).
type Line interface {
	Join(ctx context.Context, userID, eventID, typeID string, quantity int, now time.Time) (v waitlist.View, created bool, err error)
}

// Service runs the reservation use case.
type Service struct {
	bookings Reserver
	lapsed   Lapsed
	line     Line
	gate     lapsedGate
}

// New wires the use case. lapsed and line may be nil where a deployment (or a test)
// neither releases lapsed holds on the spot nor keeps a line.
func New(bookings Reserver, lapsed Lapsed, line Line) *Service {
	return &Service{bookings: bookings, lapsed: lapsed, line: line}
}

// Place is where a sold-out reservation put the buyer in line.
type Place struct {
	EntryID  string `json:"entry_id"`
	Position int    `json:"position,omitempty"`
	Status   string `json:"status"`
}

// Reserve holds quantity seats of an event for a user. When the event is sold out it
// first releases the event's lapsed holds and tries again (their seats may be free,
// unless someone waits, in which case they go to the line), and then, unless wait is
// false, puts the buyer in line and says where in the sold_out fault ("waitlist").
func (s *Service) Reserve(ctx context.Context, userID, eventID string, quantity int, key string, wait bool, now time.Time) (booking.Result, error) {
	return s.ReserveOrder(ctx, userID, eventID, booking.OrderRequest{Quantity: &quantity}, key, wait, now)
}

// ReserveOrder is Reserve for an order of one or more ticket types (booking.OrderRequest).
// A sold-out buyer joins the event's line for the order's number of seats.
func (s *Service) ReserveOrder(ctx context.Context, userID, eventID string, r booking.OrderRequest, key string, wait bool, now time.Time) (booking.Result, error) {
	res, err := s.bookings.ReserveOrder(ctx, userID, eventID, r, key, now)
	if !fault.Is(err, fault.SoldOut) {
		return res, err
	}
	if s.lapsed != nil && s.gate.due(eventID, now) {
		lctx, cancel := context.WithTimeout(ctx, lapsedBudget)
		n, lerr := s.lapsed.ReleaseLapsed(lctx, eventID, now)
		cancel()
		if lerr != nil {
			slog.WarnContext(ctx, "lapsed holds not released", "event_id", eventID, "error", lerr)
		}
		if n > 0 {
			// The failed attempt stored nothing under the key, so it may be used again.
			if res, err = s.bookings.ReserveOrder(ctx, userID, eventID, r, key, now); !fault.Is(err, fault.SoldOut) {
				return res, err
			}
		}
	}
	if !wait || s.line == nil {
		return res, err
	}
	v, _, werr := s.line.Join(ctx, userID, eventID, orderType(r), orderSeats(r), now)
	if werr != nil {
		slog.WarnContext(ctx, "sold-out buyer not enrolled", "event_id", eventID, "error", werr)
		return res, err
	}
	fe, _ := fault.As(err)
	return res, fe.With("waitlist", Place{EntryID: v.EntryID, Position: v.Position, Status: string(v.Status)})
}

// lapsedEvery bounds how often one instance looks for an event's lapsed holds, and
// lapsedBudget how long a turned-away buyer waits for that look. A sold-out storm would
// otherwise repeat the same index reads for every buyer turned away and queue them all
// behind those reads; a hold that lapsed is still found by a buyer seconds later, or by
// the sweeper within 30 s.
const (
	lapsedEvery  = 5 * time.Second
	lapsedBudget = time.Second
)

// lapsedGate remembers when this instance last looked for each event's lapsed holds.
type lapsedGate struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether eventID's lapsed holds may be looked for at now, and if so
// records the look.
func (g *lapsedGate) due(eventID string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last == nil || len(g.last) > 10000 {
		g.last = map[string]time.Time{}
	}
	if t, ok := g.last[eventID]; ok && now.Sub(t) < lapsedEvery && now.After(t) {
		return false
	}
	g.last[eventID] = now
	return true
}

// orderType is the type a sold-out order waits for: the type of an order of one type,
// else any type (an offer is one line, and the legacy body names none).
func orderType(r booking.OrderRequest) string {
	if len(r.Items) == 1 {
		return r.Items[0].TicketTypeID
	}
	return ""
}

// orderSeats is how many seats an order asks for in all.
func orderSeats(r booking.OrderRequest) int {
	if r.Quantity != nil {
		return *r.Quantity
	}
	n := 0
	for _, it := range r.Items {
		n += it.Quantity
	}
	return n
}
