package waitroom

import (
	"math"
	"sort"
	"time"
)

// MaxStep is the longest stretch of time one admitter step admits for: after an outage
// or a slow iteration the admitter goes on at its rate instead of letting in the missed
// seconds at once.
const MaxStep = time.Second

// DefaultOverAdmit is how many buyers may be admitted and unserved for each buyer the
// remaining seats could serve: near the end, admitting more would only send them to a
// sold-out answer ahead of people in front of them still choosing.
const DefaultOverAdmit = 2.0

// Reason says what a step did.
type Reason string

const (
	Advanced  Reason = "advanced"
	CaughtUp  Reason = "caught_up" // everyone numbered is admitted
	SoldOut   Reason = "sold_out"  // nothing left to sell: paused
	Throttled Reason = "throttled" // the reservation path is being throttled: paused
	Capped    Reason = "capped"    // enough admitted buyers are active to buy what is left
	Idle      Reason = "idle"      // no time has passed since the last step
	Disabled  Reason = "disabled"  // the room is off, or the sale has not started
)

// StepInput is the admitter's view at one step.
type StepInput struct {
	Now, Last time.Time // this step and the previous one (zero: the first step)
	Serving   int64     // highest position admitted so far
	Numbered  int64     // highest position assigned (sealed slots): admission never runs ahead of it
	Rate      int       // admission_per_second
	Carry     float64   // fraction of an admission left over from the last step, in [0, 1)
	// Active is how many admitted buyers hold a live token and have not reserved:
	// admissions of the last TTL minus reservations in it. Tokens that lapse drop out of
	// it on their own, so a place given up never blocks admission for longer than the TTL.
	Active int64
	// Remaining is the seats left to sell (available, summed over shards), -1 unknown.
	Remaining int64
	// PerBuyer is the seats a buyer takes on average (>= 1).
	PerBuyer float64
	// OverAdmit is DefaultOverAdmit unless set.
	OverAdmit float64
	SoldOut   bool // nothing left to sell, not even in holds that may lapse
	Throttled bool // the reservation path saw throttling in the last seconds
}

// StepResult is the new serving state.
type StepResult struct {
	Serving  int64
	Admitted int64
	Carry    float64
	Reason   Reason
}

// Step advances the serving position by at most Rate x (Now - Last), never for more than
// MaxStep of time, never past Numbered. It pauses (admits nothing, keeps its carry at 0)
// while the event is sold out or throttled, and near the end admits no more than the
// remaining seats could serve beyond the buyers already active. Admission resumes by
// itself when the signal clears or when active buyers reserve or their tokens lapse.
func Step(in StepInput) StepResult {
	res := StepResult{Serving: in.Serving}
	dt := MaxStep
	if !in.Last.IsZero() {
		dt = min(max(in.Now.Sub(in.Last), 0), MaxStep)
	}
	switch {
	case in.Rate < 1:
		res.Reason = Disabled
		return res
	case in.SoldOut || in.Remaining == 0:
		res.Reason = SoldOut
		return res
	case in.Throttled:
		res.Reason = Throttled
		return res
	case dt == 0:
		res.Carry, res.Reason = in.Carry, Idle
		return res
	}
	quota := float64(in.Rate)*dt.Seconds() + min(max(in.Carry, 0), 1)
	n := int64(quota)
	res.Carry = quota - float64(n)
	res.Reason = Advanced
	if in.Remaining > 0 {
		over := in.OverAdmit
		if over <= 0 {
			over = DefaultOverAdmit
		}
		buyers := int64(math.Ceil(float64(in.Remaining) * over / max(in.PerBuyer, 1)))
		if room := buyers - in.Active; room < n {
			n, res.Carry, res.Reason = max(room, 0), 0, Capped
		}
	}
	if left := in.Numbered - in.Serving; left <= n {
		// Unused quota is not banked: a burst of joiners after a lull is still let in at the rate.
		n, res.Carry, res.Reason = max(left, 0), 0, CaughtUp
	}
	res.Serving += n
	res.Admitted = n
	return res
}

// Mark is one admitter step as logged: from At on, positions up to Serving are admitted,
// and Reserved reservations had been made through the room (the inventory shards count
// them in the update the reservation makes anyway).
type Mark struct {
	At       time.Time
	Serving  int64
	Reserved int64
}

// Log is the admission history, oldest first, trimmed to the longest token TTL: it tells
// when a position was admitted, which fixes its token's expiry without a write per
// admitted user.
type Log []Mark

// Append records a step that moved the serving position and drops marks older than keep
// (the last of them stays, as the start of the window).
func (l Log) Append(m Mark, keep time.Duration) Log {
	if len(l) > 0 && m.Serving <= l[len(l)-1].Serving && m.Reserved == l[len(l)-1].Reserved {
		return l
	}
	l = append(l, m)
	cut := sort.Search(len(l), func(i int) bool { return !l[i].At.Before(m.At.Add(-keep)) })
	if cut > 1 {
		l = append(l[:0], l[cut-1:]...)
	}
	return l
}

// AdmittedAt is when position pos was admitted; ok is false when it is not admitted yet.
// For a position admitted before the log's window it answers the window's first mark,
// later than the truth but already more than keep ago: with keep >= the TTL, such a
// token has lapsed either way.
func (l Log) AdmittedAt(pos int64) (at time.Time, ok bool) {
	i := sort.Search(len(l), func(i int) bool { return l[i].Serving >= pos })
	if i == len(l) || pos < 1 {
		return time.Time{}, false
	}
	return l[i].At, true
}

// ServingAt is the serving position at t (0 before the first mark).
func (l Log) ServingAt(t time.Time) int64 { return l.at(t).Serving }

func (l Log) at(t time.Time) Mark {
	i := sort.Search(len(l), func(i int) bool { return l[i].At.After(t) })
	if i == 0 {
		return Mark{}
	}
	return l[i-1]
}

// Active is how many buyers admitted within the last ttl have not reserved, given the
// serving position and the reservation count now: admissions in the window minus
// reservations in it, never below 0. A buyer who reserves twice counts one more buyer
// as gone, which only lets admission go on sooner; a lapsed token drops out when its
// admission leaves the window, so the count can never pin admission for longer than the
// TTL.
func (l Log) Active(now time.Time, ttl time.Duration, serving, reserved int64) int64 {
	then := l.at(now.Add(-ttl))
	return max((serving-then.Serving)-(reserved-then.Reserved), 0)
}

// Throttle signal bounds (docs/waiting-room.md §3): the reservation path is throttled
// when more than ThrottleShare of its transactions were retried in the last
// ThrottleWindow, over at least MinThrottleSample of them (a handful of retries on a
// quiet table is contention, not throttling).
const (
	ThrottleShare     = 0.05
	MinThrottleSample = 20
	ThrottleWindow    = 5 * time.Second
)

// Throttling reports whether retries of reservation transactions out of reservations
// in the last ThrottleWindow say DynamoDB is throttling the reservation path.
func Throttling(retries, reservations float64) bool {
	return reservations >= MinThrottleSample && retries > ThrottleShare*reservations
}
