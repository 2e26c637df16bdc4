package waitroom

import (
	"math"
	"time"
)

// State is where a user stands in the waiting room.
type State string

// An entry moves pre_queue -> waiting -> admitted -> used or expired, and only forward:
// every state is derived from the entry's position, the serving position and the clock,
// so no write moves it.
const (
	StatePreQueue State = "pre_queue" // joined before the sale; no place yet
	StateWaiting  State = "waiting"   // has (or is about to get) a place, not yet served
	StateAdmitted State = "admitted"  // served: holds a valid admission token
	StateUsed     State = "used"      // reserved with the token
	StateExpired  State = "expired"   // served, but the token lapsed unused: the place is given up
)

// Polling bounds: close to the front a client polls every second, far back at most
// every MaxRetryAfter; before the sale at most every MaxPreQueueRetryAfter (the client
// counts down to the start itself; it polls only to hear of a moved start).
const (
	MinRetryAfter         = 1
	MaxRetryAfter         = 30
	MaxPreQueueRetryAfter = 300
	// PreQueueMargin is how much before its expected turn a pre-queue client is sent back.
	PreQueueMargin = 2
)

// Observation is what the queue/me handler knows when it answers, all from cached or
// immutable state: the entry, its page, the serving state (cached ~1 s per instance).
type Observation struct {
	Now      time.Time
	OnSaleAt time.Time
	Entry    Entry
	// Position is the entry's place once its slot is sealed, 0 before.
	Position int64
	// Serving is the highest position admitted; Rate the admission rate (per second).
	Serving int64
	Rate    int
	// AdmittedAt is when Serving first reached Position (from the admission log).
	AdmittedAt time.Time
	TTL        time.Duration
	// Reserved: the user has reserved since admission (their seat counter for the event).
	Reserved bool
	// SoldOut: nothing is left to sell; waiting users are offered the waitlist.
	SoldOut bool
	// PreQueueSize is how many are in the pre-queue so far (0: unknown). With it, a
	// pre-queue client's draw tells roughly where it will land (draws are uniform), so
	// it is sent back near its expected turn rather than with everyone at the start.
	PreQueueSize int64
}

// View is the answer of GET /events/{eventId}/queue/me, bar the token itself.
type View struct {
	State      State     `json:"state"`
	Position   int64     `json:"position,omitempty"`
	Ahead      int64     `json:"ahead"`
	ETASeconds int64     `json:"eta_seconds"`
	RetryAfter int       `json:"retry_after"`
	ExpiresAt  time.Time `json:"-"` // the admission token's expiry, while admitted
	SoldOut    bool      `json:"sold_out"`
}

// Describe answers a poll.
func Describe(o Observation) View {
	rate := int64(max(o.Rate, 1))
	switch {
	case o.Position == 0 && o.Now.Before(o.OnSaleAt):
		wait := int64(o.OnSaleAt.Sub(o.Now).Seconds() + 0.999)
		back := wait
		if o.Entry.Slot == PreQueue && o.PreQueueSize > 0 {
			turn := int64(float64(o.PreQueueSize)*(float64(o.Entry.Draw)/math.Exp2(64))) / rate
			wait += turn
			back += max(turn-PreQueueMargin, 0)
		}
		return View{State: StatePreQueue, ETASeconds: wait, RetryAfter: clamp(back, MinRetryAfter, MaxPreQueueRetryAfter), SoldOut: o.SoldOut}
	case o.Position == 0:
		// The slot is being sealed (a few seconds after it closes).
		return View{State: StateWaiting, RetryAfter: 2, SoldOut: o.SoldOut}
	case o.Position > o.Serving:
		ahead := o.Position - o.Serving - 1
		eta := (o.Position - o.Serving + rate - 1) / rate
		v := View{State: StateWaiting, Position: o.Position, Ahead: ahead, ETASeconds: eta, RetryAfter: RetryAfter(eta), SoldOut: o.SoldOut}
		if o.SoldOut {
			v.RetryAfter = MaxRetryAfter // seats may come back from lapsed holds; no hurry
		}
		return v
	}
	v := View{Position: o.Position, ExpiresAt: o.AdmittedAt.Add(o.TTL), SoldOut: o.SoldOut, RetryAfter: MaxRetryAfter}
	switch {
	case o.Reserved:
		v.State = StateUsed
	case o.Now.Before(v.ExpiresAt):
		v.State = StateAdmitted
	default:
		v.State = StateExpired
	}
	if v.State != StateAdmitted {
		v.ExpiresAt = time.Time{}
	}
	return v
}

// RetryAfter is how long a waiting client should wait before polling again, given its
// ETA: a third of the remaining wait, so the answer stays fresh relative to the wait
// (the ETA is off by at most a third when the client comes back), every second near the
// front and every MaxRetryAfter far back. docs/waiting-room.md sums the poll rate this
// gives a line.
func RetryAfter(etaSeconds int64) int {
	return clamp(etaSeconds/3, MinRetryAfter, MaxRetryAfter)
}

func clamp(v int64, lo, hi int) int {
	return int(max(int64(lo), min(v, int64(hi))))
}
