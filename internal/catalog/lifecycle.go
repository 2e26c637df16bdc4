package catalog

import (
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// transitions lists every allowed status change; anything else is invalid_transition.
var transitions = map[Status][]Status{
	Draft:     {Published, Cancelled},
	Published: {Cancelled},
}

// CheckTransition allows draft -> published, draft -> cancelled and published -> cancelled.
func CheckTransition(from, to Status) error {
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return fault.New(fault.InvalidTransition, "Cannot change an event from %s to %s", from, to)
}

// CheckPublish adds to the transition rule that an event must not have started yet: the
// public list only shows upcoming events, so publishing a past one would hide it at once.
func CheckPublish(e Event, now time.Time) error {
	if err := CheckTransition(e.Status, Published); err != nil {
		return err
	}
	if !e.StartsAt.After(now) {
		return fault.New(fault.InvalidTransition, "The event starts in the past; move starts_at before publishing")
	}
	return nil
}

// CapacityDelta returns how far a capacity change moves the counters (available moves by
// the same amount as capacity). It refuses to go below the seats already taken, which
// would break capacity = available + held + sold + offering.
func CapacityDelta(e Event, capacity int64) (int64, error) {
	if capacity < e.Taken() {
		return 0, fault.New(fault.Conflict,
			"Capacity cannot drop to %d: %d seats are already held, sold or offered to the waitlist", capacity, e.Taken()).
			With("taken", e.Taken())
	}
	return capacity - e.Capacity, nil
}
