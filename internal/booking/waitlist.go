package booking

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// WaitlistRef is where a sold-out reservation put the buyer in line.
type WaitlistRef struct {
	EntryID  string `json:"entry_id"`
	Position int    `json:"position,omitempty"`
	Status   string `json:"status"`
}

// SoldOutHooks are what a reservation does when it finds the event sold out: release the
// event's holds that have already lapsed (bounded work), and put the buyer in line.
type SoldOutHooks struct {
	Lapsed interface {
		ReleaseLapsed(ctx context.Context, eventID string, now time.Time) (seats int, err error)
	}
	Waitlist interface {
		Enrol(ctx context.Context, userID, eventID string, quantity int, now time.Time) (WaitlistRef, error)
	}
}

// WithSoldOut sets the sold-out hooks (either may be nil) and returns s.
func (s *Service) WithSoldOut(h SoldOutHooks) *Service {
	s.soldOut = h
	return s
}

// ReserveOrWait is Reserve for the API: when the event is sold out it first releases the
// event's lapsed holds and tries again (their seats may be free, unless someone waits,
// in which case they go to the line), and then, unless wait is false, enrols the buyer
// on the waitlist and says where in the sold_out answer.
func (s *Service) ReserveOrWait(ctx context.Context, userID, eventID string, quantity int, key string, wait bool, now time.Time) (Answer, error) {
	a, err := s.Reserve(ctx, userID, eventID, quantity, key, now)
	if !fault.Is(err, fault.SoldOut) {
		return a, err
	}
	if h := s.soldOut.Lapsed; h != nil && s.lapsed.due(eventID, now) {
		lctx, cancel := context.WithTimeout(ctx, lapsedBudget)
		n, lerr := h.ReleaseLapsed(lctx, eventID, now)
		cancel()
		if lerr != nil {
			slog.WarnContext(ctx, "lapsed holds not released", "event_id", eventID, "error", lerr)
		}
		if n > 0 {
			// The failed attempt stored nothing under the key, so it may be used again.
			if a, err = s.Reserve(ctx, userID, eventID, quantity, key, now); !fault.Is(err, fault.SoldOut) {
				return a, err
			}
		}
	}
	if !wait || s.soldOut.Waitlist == nil {
		return a, err
	}
	ref, werr := s.soldOut.Waitlist.Enrol(ctx, userID, eventID, quantity, now)
	if werr != nil {
		slog.WarnContext(ctx, "sold-out buyer not enrolled", "event_id", eventID, "error", werr)
		return a, err
	}
	fe, _ := fault.As(err)
	return a, fe.With("waitlist", ref)
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
