package waitlist

import (
	"strconv"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Claim is a move of an event's free seats to its line (available to offering): Seats
// of the event's Available as read, and on an event with ticket types the part of each
// type. The store conditions the move on the counts as read, so it moves exactly these.
type Claim struct {
	Available int64
	Seats     int64
	Types     []TypeClaim
}

// TypeClaim is one type's part of a Claim.
type TypeClaim struct {
	ID        string
	Available int64 // the type's available as read
	Seats     int64
}

// Leftover is the claim of ev's free seats that belong to its line, ev as read (its
// waiting counts including an entry about to join). On an event without types every free
// seat belongs to the line while anyone waits. On a typed event the seats of each type
// someone waits for (WaitedFor), each type min(its available, what the event's available
// still allows), in the types' order: the event's cap is shared, so a type's free seats
// are only seats while the event has some.
func Leftover(ev *booking.Event) Claim {
	c := Claim{Available: ev.Available}
	if !ev.Typed() {
		if ev.Waiting > 0 && ev.Available > 0 {
			c.Seats = ev.Available
		}
		return c
	}
	left := max(ev.Available, 0)
	for _, t := range ev.Types {
		if !WaitedFor(t, ev.WaitingAny) {
			continue
		}
		m := max(0, min(t.Counters.Available, left))
		left -= m
		c.Seats += m
		c.Types = append(c.Types, TypeClaim{ID: t.ID, Available: t.Counters.Available, Seats: m})
	}
	return c
}

// OnShard is c's part on one inventory shard of a typed event (docs/waiting-room.md
// §5): the same types, each as it stands on the shard, taking min(its available there,
// what the shard's available still allows) in c's order, as Leftover does for the whole
// event. The shards' parts together may claim fewer than c when a shard's cap is the
// tighter bound; they never claim more.
func (c Claim) OnShard(available int64, typeAvailable map[string]int64) Claim {
	out := Claim{Available: available}
	left := max(available, 0)
	for _, tc := range c.Types {
		a := typeAvailable[tc.ID]
		m := max(0, min(a, left))
		left -= m
		out.Seats += m
		out.Types = append(out.Types, TypeClaim{ID: tc.ID, Available: a, Seats: m})
	}
	return out
}

// WaitedFor reports whether someone waits for seats of t: an entry for t, or an entry for
// any type while t is public (a hidden type is sold only with its code, so it is never
// offered to whoever waits for any type).
func WaitedFor(t catalog.TicketType, waitingAny int64) bool {
	return t.Counters.Waiting > 0 || (waitingAny > 0 && !t.Hidden)
}

// Returnable is what an offering round of a typed event gives back to the public: per
// type, the offering seats nobody waits for. WaitingAny is the count as read, which the
// store repeats in its condition.
type Returnable struct {
	WaitingAny int64
	Types      []TypeReturn
}

// TypeReturn is one type's offering seats (as read) going back to available.
type TypeReturn struct {
	ID       string
	Offering int64
}

// Returns lists the offering seats of a typed event that nobody waits for.
func Returns(ev *booking.Event) Returnable {
	r := Returnable{WaitingAny: ev.WaitingAny}
	for _, t := range ev.Types {
		if t.Counters.Offering > 0 && !WaitedFor(t, ev.WaitingAny) {
			r.Types = append(r.Types, TypeReturn{ID: t.ID, Offering: t.Counters.Offering})
		}
	}
	return r
}

// Reservable reports whether q seats of typeID ("" for any type) could be reserved now,
// so joining the line makes no sense: on an event without types, free seats while nobody
// waits; on a typed event, a type (the one asked, or any public one) with q seats for
// the public (catalog.TicketType.ForSale: none while anyone waits for it).
func Reservable(ev *booking.Event, typeID string, q int) bool {
	if !ev.Typed() {
		return ev.Waiting == 0 && ev.Available >= int64(q)
	}
	for _, t := range ev.Types {
		if (t.ID == typeID || (typeID == "" && !t.Hidden)) && t.ForSale(ev.Available, ev.WaitingAny) >= int64(q) {
			return true
		}
	}
	return false
}

// CheckType resolves the type a join asks for: "" (any type) stays so; on an event
// without types only its default type may be named (and means the same: there is one);
// on a typed event the type must be one the public can see, and the quantity within its
// max_per_order. A hidden type reads as unknown, as it does to a reservation.
func CheckType(ev *booking.Event, typeID string, q int) (string, error) {
	if typeID == "" {
		return "", nil
	}
	unknown := &fault.Error{Code: fault.Validation, Message: "Invalid fields: ticket_type_id",
		Fields: map[string]string{"ticket_type_id": "is not a ticket type on sale for this event"}}
	if !ev.Typed() {
		if typeID != catalog.DefaultTypeID(ev.ID) {
			return "", unknown
		}
		return "", nil
	}
	t, ok := ev.Type(typeID)
	if !ok || t.Hidden {
		return "", unknown
	}
	if int64(q) > t.MaxPerOrder {
		return "", &fault.Error{Code: fault.Validation, Message: "Invalid fields: quantity",
			Fields: map[string]string{"quantity": "at most " + strconv.FormatInt(t.MaxPerOrder, 10) + " tickets of " + t.Name + " per order"}}
	}
	return typeID, nil
}

// Counted is ev as it reads once e joins: the entry counted in waiting and in its type's
// waiting (or waiting_any). ev is not changed.
func Counted(ev *booking.Event, e Entry) *booking.Event {
	out := *ev
	out.Waiting++
	if !e.Typed {
		return &out
	}
	if e.TicketTypeID == "" {
		out.WaitingAny++
		return &out
	}
	out.Types = append([]catalog.TicketType(nil), ev.Types...)
	for i := range out.Types {
		if out.Types[i].ID == e.TicketTypeID {
			out.Types[i].Counters.Waiting++
		}
	}
	return &out
}

// Planned is an offer to make: the entry and the type whose seats it gets.
type Planned struct {
	Entry  Entry
	TypeID string
}

// PlanTypes decides a typed event's offers from each type's offering seats and the
// waiting entries in FIFO order: per type (in the types' order), Plan over the entries
// waiting for it followed by the entries waiting for any type not yet served that the
// type can take (public, within its max_per_order). Entries for the type come first;
// the starvation guard of Plan works per type, so its head (the first entry of the type,
// or of any type when none waits for the type) is passed by at most its own quantity in
// seats of the type. Skips are the seats handed past each blocked head, to add to its
// Passed.
func PlanTypes(ev *booking.Event, line []Entry) ([]Planned, []Skip) {
	var out []Planned
	var skips []Skip
	served := map[string]bool{}
	passed := map[string]int{} // seats passed in this plan, so later types see them
	for _, t := range ev.Types {
		free := int(t.Counters.Offering)
		if free <= 0 {
			continue
		}
		var cand []Entry
		for _, e := range line {
			forT := e.TicketTypeID == t.ID
			forAny := e.TicketTypeID == "" && !t.Hidden && int64(e.Quantity) <= t.MaxPerOrder
			if !served[e.ID] && (forT || forAny) {
				e.Passed += passed[e.ID]
				cand = append(cand, e)
			}
		}
		sortForType(cand, t.ID)
		offers, skip := Plan(free, cand)
		for _, e := range offers {
			served[e.ID] = true
			out = append(out, Planned{Entry: e, TypeID: t.ID})
		}
		if skip.EntryID != "" {
			passed[skip.EntryID] += skip.Seats
		}
	}
	for _, e := range line {
		if n := passed[e.ID]; n > 0 && !served[e.ID] {
			skips = append(skips, Skip{EntryID: e.ID, Seats: n})
		}
	}
	return out, skips
}

// sortForType puts the entries waiting for typeID before those waiting for any type,
// each group in FIFO order (a stable partition of a line already in FIFO order).
func sortForType(es []Entry, typeID string) {
	var mine, others []Entry
	for _, e := range es {
		if e.TicketTypeID == typeID {
			mine = append(mine, e)
		} else {
			others = append(others, e)
		}
	}
	copy(es, append(mine, others...))
}
