package booking

import (
	"fmt"
	"sort"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Move is how a status change shifts an event's seat counters. Applying a Move together
// with the booking's status change in one transaction is what keeps the invariant.
type Move struct {
	Available, Held, Sold int64
}

// Transition gives the seat move for a booking of q seats going from one status to
// another, or an invalid_transition fault. Reserving is the move from "" (no booking).
func Transition(from, to Status, q int) (Move, error) {
	n := int64(q)
	switch {
	case from == "" && to == Held:
		return Move{Available: -n, Held: n}, nil
	case from == Held && to == Confirmed:
		return Move{Held: -n, Sold: n}, nil
	case from == Expired && to == Confirmed:
		// A late payment: the seats went back, so they must be taken again.
		return Move{Available: -n, Sold: n}, nil
	case from == Held && (to == Cancelled || to == Expired):
		return Move{Held: -n, Available: n}, nil
	case from == Confirmed && to == Cancelled:
		return Move{Sold: -n, Available: n}, nil
	}
	return Move{}, fault.New(fault.InvalidTransition, "A %s booking cannot become %s", orNone(from), to)
}

func orNone(s Status) string {
	if s == "" {
		return "new"
	}
	return string(s)
}

// Counters are an event's seat counters. Offering are seats freed while someone waited,
// claimed for the waitlist and not yet turned into offer holds.
type Counters struct {
	Capacity, Available, Held, Sold, Offering int64
}

// Apply returns the counters after m.
func (c Counters) Apply(m Move) Counters {
	return Counters{Capacity: c.Capacity, Available: c.Available + m.Available, Held: c.Held + m.Held, Sold: c.Sold + m.Sold, Offering: c.Offering}
}

// Violations checks the counters alone: each >= 0 and capacity = available + held + sold
// + offering. One read of the event item is enough, so it holds at any moment; nil when
// they are sound.
func (c Counters) Violations() []string {
	var bad []string
	if c.Available < 0 || c.Held < 0 || c.Sold < 0 || c.Offering < 0 {
		bad = append(bad, fmt.Sprintf("negative counter: available=%d held=%d sold=%d offering=%d", c.Available, c.Held, c.Sold, c.Offering))
	}
	if sum := c.Available + c.Held + c.Sold + c.Offering; sum != c.Capacity {
		bad = append(bad, fmt.Sprintf("capacity %d != available %d + held %d + sold %d + offering %d (= %d)", c.Capacity, c.Available, c.Held, c.Sold, c.Offering, sum))
	}
	return bad
}

// CheckInvariant verifies the seat invariant for one event: capacity = available + held
// + sold + offering, each counter >= 0, and the seats of the event's bookings summed by status match
// held and sold. It returns every violation found, or nil.
func CheckInvariant(c Counters, bookings []Booking) []string {
	bad := c.Violations()
	var held, sold int64
	for _, b := range bookings {
		switch b.Status {
		case Held:
			held += int64(b.Quantity)
		case Confirmed:
			sold += int64(b.Quantity)
		}
	}
	if held != c.Held {
		bad = append(bad, fmt.Sprintf("held bookings hold %d seats, event says held=%d", held, c.Held))
	}
	if sold != c.Sold {
		bad = append(bad, fmt.Sprintf("confirmed bookings own %d seats, event says sold=%d", sold, c.Sold))
	}
	return bad
}

// OnShard is the part of bookings whose seats are on inventory shard k
// (docs/waiting-room.md §5), each with the quantity and lines taken there, so that
// CheckInvariant and CheckTypeInvariant can be run on every shard; bookings that name no
// shard are on the event item and left out.
func OnShard(bookings []Booking, k int) []Booking {
	var out []Booking
	for _, b := range bookings {
		if n, ok := b.Shards[k]; ok {
			b.Quantity, b.Lines = n, b.ShardLines(k)
			out = append(out, b)
		}
	}
	return out
}

// ShardLines are the booking's lines as far as they are on shard k: each type's share
// there when the order spans shards with types (ShardTypes); a one-line booking spread
// over shards (a typed waitlist offer) has its line's share; else all of them. Only the
// type and quantity are set on a share: the seats are what the shards count.
func (b Booking) ShardLines(k int) []Line {
	if b.ShardTypes == nil {
		if n, ok := b.Shards[k]; ok && len(b.Lines) == 1 && len(b.Shards) > 1 {
			l := b.Lines[0]
			l.Quantity = n
			return []Line{l}
		}
		return b.Lines
	}
	share := b.ShardTypes[k]
	ids := make([]string, 0, len(share))
	for id := range share {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]Line, 0, len(ids))
	for _, id := range ids {
		out = append(out, Line{TicketTypeID: id, Quantity: share[id]})
	}
	return out
}
