package catalog

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Limits on ticket types (docs/ticket-types.md). A type's counters live in a map on the
// event item every reservation writes, so the number of types bounds that item's size:
// about 120 bytes per type, 20 types about 2.4 KB.
const (
	MaxTicketTypes        = 20
	MaxTypeNameLen        = 100
	MaxTypeDescriptionLen = 1000
	MaxSortOrder          = 10_000
	// DefaultTypeName names the type an event without ticket_types sells.
	DefaultTypeName = "General admission"
)

// TypeStatus is a ticket type's sale state. An admin stores on_sale or paused; the others
// are derived from the sale window and the counters and never stored.
type TypeStatus string

const (
	TypeOnSale     TypeStatus = "on_sale"
	TypePaused     TypeStatus = "paused"
	TypeSoldOut    TypeStatus = "sold_out"    // derived: nothing the public can reserve
	TypeNotStarted TypeStatus = "not_started" // derived: before sale_starts_at
	TypeEnded      TypeStatus = "ended"       // derived: at or after sale_ends_at
)

// TypeCounters are one ticket type's seat counters, kept like the event's:
// capacity = available + held + sold + offering. Waiting counts waitlist entries for this
// type.
type TypeCounters struct {
	Capacity  int64 `json:"capacity"`
	Available int64 `json:"available"`
	Held      int64 `json:"held"`
	Sold      int64 `json:"sold"`
	Offering  int64 `json:"offering"`
	Waiting   int64 `json:"waiting"`
}

// Taken is what a capacity change must leave room for.
func (c TypeCounters) Taken() int64 { return c.Held + c.Sold + c.Offering }

// TicketType is one kind of ticket an event sells, with its own price and quota. The
// event's capacity still caps the sum of all types' sales (types may be oversubscribed).
type TicketType struct {
	ID           string     `json:"ticket_type_id"`
	EventID      string     `json:"-"`
	Name         string     `json:"name"`
	Description  string     `json:"description,omitempty"`
	Price        Money      `json:"price"`
	MaxPerOrder  int64      `json:"max_per_order"`
	SaleStartsAt *time.Time `json:"sale_starts_at,omitempty"`
	SaleEndsAt   *time.Time `json:"sale_ends_at,omitempty"`
	Hidden       bool       `json:"hidden"`
	Status       TypeStatus `json:"status"` // as stored: on_sale or paused
	SortOrder    int64      `json:"sort_order"`
	// Version grows with every write of the type's definition (not with sales), so an
	// admin's If-Match on a type survives an on-sale.
	Version   int64        `json:"version"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	Counters  TypeCounters `json:"-"`
	// Default marks the type of an event stored without ticket types: it is read from the
	// event's own price, limit and counters and has no item of its own.
	Default bool `json:"-"`
}

// DefaultTypeID is the stable id of an event's default type, derived so every read of an
// event without stored types names the same type without writing anything.
func DefaultTypeID(eventID string) string { return DerivedID("ticket_type", eventID, "default") }

// DefaultTicketType is the one type an event created without ticket_types (or stored
// before types existed) sells: its price, per-booking limit and every seat counter are
// the event's.
func DefaultTicketType(e Event) TicketType {
	return TicketType{
		ID: DefaultTypeID(e.ID), EventID: e.ID, Name: DefaultTypeName, Price: e.Price,
		MaxPerOrder: e.MaxTicketsPerBooking, Status: TypeOnSale, Version: 1, Default: true,
		Counters: TypeCounters{Capacity: e.Capacity, Available: e.Available, Held: e.Held, Sold: e.Sold,
			Offering: e.Offering, Waiting: e.Waiting},
	}
}

// EffectiveTypes are the types an event sells: the stored ones in display order, or the
// default type when none are stored (lazy migration: nothing is rewritten).
func EffectiveTypes(e Event, stored []TicketType) []TicketType {
	if len(stored) == 0 {
		return []TicketType{DefaultTicketType(e)}
	}
	out := append([]TicketType(nil), stored...)
	SortTypes(out)
	return out
}

// SortTypes orders types for display: sort_order, then name, then id, so equal sort
// orders still list the same way on every read.
func SortTypes(ts []TicketType) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if a.SortOrder != b.SortOrder {
			return a.SortOrder < b.SortOrder
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
}

// SaleState is the type's state from its own settings and the clock alone: paused, not
// started, ended, or on sale. Whether seats are left is for the reservation to find out.
func (t TicketType) SaleState(now time.Time) TypeStatus {
	switch {
	case t.Status == TypePaused:
		return TypePaused
	case t.SaleEndsAt != nil && !now.Before(*t.SaleEndsAt):
		return TypeEnded
	case t.SaleStartsAt != nil && now.Before(*t.SaleStartsAt):
		return TypeNotStarted
	}
	return TypeOnSale
}

// ForSale is how many seats of the type the public can reserve now: none while anyone
// waits for this type or for any type (freed seats belong to the line), never more than
// the event has left (eventAvailable, the event-level counter).
func (t TicketType) ForSale(eventAvailable, waitingAny int64) int64 {
	if t.Counters.Waiting > 0 || waitingAny > 0 {
		return 0
	}
	return max(0, min(t.Counters.Available, eventAvailable))
}

// DerivedStatus is the status the API shows: SaleState, and sold_out when a type on sale
// has nothing for the public to reserve.
func (t TicketType) DerivedStatus(now time.Time, eventAvailable, waitingAny int64) TypeStatus {
	s := t.SaleState(now)
	if s == TypeOnSale && t.ForSale(eventAvailable, waitingAny) == 0 {
		return TypeSoldOut
	}
	return s
}

// PublicTypes are the types a public read lists, in display order: not hidden, or hidden
// and unlocked (by a promo code the caller sent), and neither paused nor ended. Types not
// started yet are listed so buyers see when they open.
func PublicTypes(types []TicketType, now time.Time, unlocked func(typeID string) bool) []TicketType {
	var out []TicketType
	for _, t := range types {
		if t.Hidden && (unlocked == nil || !unlocked(t.ID)) {
			continue
		}
		if s := t.SaleState(now); s == TypePaused || s == TypeEnded {
			continue
		}
		out = append(out, t)
	}
	SortTypes(out)
	return out
}

// PublicType is a ticket type as GET /events/{id} and /availability show it.
type PublicType struct {
	ID           string     `json:"ticket_type_id"`
	Name         string     `json:"name"`
	Description  string     `json:"description,omitempty"`
	Price        Money      `json:"price"`
	MaxPerOrder  int64      `json:"max_per_order"`
	SaleStartsAt *time.Time `json:"sale_starts_at,omitempty"`
	SaleEndsAt   *time.Time `json:"sale_ends_at,omitempty"`
	Status       TypeStatus `json:"status"`
	Available    int64      `json:"available"`
	SoldOut      bool       `json:"sold_out"`
}

// Public renders the type for the public, with what can be reserved now.
func (t TicketType) Public(now time.Time, eventAvailable, waitingAny int64) PublicType {
	s := t.DerivedStatus(now, eventAvailable, waitingAny)
	return PublicType{ID: t.ID, Name: t.Name, Description: t.Description, Price: t.Price, MaxPerOrder: t.MaxPerOrder,
		SaleStartsAt: t.SaleStartsAt, SaleEndsAt: t.SaleEndsAt, Status: s,
		Available: t.ForSale(eventAvailable, waitingAny), SoldOut: s == TypeSoldOut}
}

// PriceRange is the lowest and highest price of the public (not hidden) types, what a
// search document carries as min_price and max_price. ok is false when no type is public.
func PriceRange(types []TicketType) (lo, hi Money, ok bool) {
	for _, t := range types {
		if t.Hidden {
			continue
		}
		if !ok || t.Price.Amount < lo.Amount {
			lo = t.Price
		}
		if !ok || t.Price.Amount > hi.Amount {
			hi = t.Price
		}
		ok = true
	}
	return lo, hi, ok
}

// TicketTypeInput is one type in POST /admin/events' ticket_types, or the body of
// POST /admin/events/{eventId}/ticket-types. Times are strings so a bad one is reported
// against its field.
type TicketTypeInput struct {
	Name         string `json:"name"`
	Description  string `json:"description"`
	Price        *Money `json:"price"`
	Capacity     int64  `json:"capacity"`
	MaxPerOrder  *int64 `json:"max_per_order"`
	SaleStartsAt string `json:"sale_starts_at"`
	SaleEndsAt   string `json:"sale_ends_at"`
	Hidden       bool   `json:"hidden"`
	Status       string `json:"status"` // "" (on_sale) or paused
	SortOrder    *int64 `json:"sort_order"`
}

// TicketType validates one type for event e (whose currency, capacity and per-booking
// limit bound it) and returns it at version 1 with every seat of its quota available.
// Fields are named as in the type's own body.
func (in TicketTypeInput) TicketType(id string, e Event) (TicketType, error) {
	f := fault.Fields{}
	t := in.build(f, "", id, e, 0)
	if err := f.Err(); err != nil {
		return TicketType{}, err
	}
	return t, nil
}

// TicketTypes validates the ticket_types of POST /admin/events, naming fields
// ticket_types[i].name and so on; ids gives each new type its id. No ticket_types gives
// nil: the event sells its default type.
func TicketTypes(ins []TicketTypeInput, e Event, ids func(i int) string) ([]TicketType, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	f := fault.Fields{}
	f.Check(len(ins) > MaxTicketTypes, "ticket_types", fmt.Sprintf("at most %d ticket types per event", MaxTicketTypes))
	out := make([]TicketType, 0, len(ins))
	for i, in := range ins {
		out = append(out, in.build(f, fmt.Sprintf("ticket_types[%d].", i), ids(i), e, int64(i)))
	}
	checkUniqueNames(f, out, "ticket_types[%d].name")
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckNewType checks that t may join the event's existing types: room under
// MaxTicketTypes and a name no other type has (case-insensitive).
func CheckNewType(t TicketType, existing []TicketType) error {
	if len(existing) >= MaxTicketTypes {
		return fault.New(fault.Conflict, "An event has at most %d ticket types", MaxTicketTypes)
	}
	for _, o := range existing {
		if strings.EqualFold(o.Name, t.Name) {
			return &fault.Error{Code: fault.Validation, Message: "Invalid fields: name",
				Fields: map[string]string{"name": "another ticket type of this event has this name"}}
		}
	}
	return nil
}

func checkUniqueNames(f fault.Fields, ts []TicketType, field string) {
	seen := map[string]bool{}
	for i, t := range ts {
		k := strings.ToLower(t.Name)
		if t.Name != "" && seen[k] {
			f.Add(fmt.Sprintf(field, i), "another ticket type of this event has this name")
		}
		seen[k] = true
	}
}

func (in TicketTypeInput) build(f fault.Fields, prefix, id string, e Event, index int64) TicketType {
	t := TicketType{ID: id, EventID: e.ID, Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description),
		Hidden: in.Hidden, Status: TypeStatus(in.Status), SortOrder: index, Version: 1,
		Counters: TypeCounters{Capacity: in.Capacity, Available: in.Capacity}}
	if t.Status == "" {
		t.Status = TypeOnSale
	}
	if in.SortOrder != nil {
		t.SortOrder = *in.SortOrder
	}
	if in.Price == nil {
		f.Add(prefix+"price", `is required, e.g. {"amount": 2500, "currency": "USD"}`)
	} else {
		t.Price = *in.Price
		t.Price.Currency = strings.ToUpper(strings.TrimSpace(t.Price.Currency))
	}
	if in.MaxPerOrder != nil {
		t.MaxPerOrder = *in.MaxPerOrder
	} else {
		t.MaxPerOrder = max(1, min(e.MaxTicketsPerBooking, in.Capacity))
	}
	t.SaleStartsAt = optionalTime(f, prefix+"sale_starts_at", in.SaleStartsAt)
	t.SaleEndsAt = optionalTime(f, prefix+"sale_ends_at", in.SaleEndsAt)
	validateType(f, prefix, t, e)
	return t
}

func optionalTime(f fault.Fields, field, v string) *time.Time {
	if v == "" {
		return nil
	}
	t := parseTime(f, field, v)
	if t.IsZero() {
		return nil
	}
	return &t
}

// validateType checks what every stored type satisfies.
func validateType(f fault.Fields, prefix string, t TicketType, e Event) {
	checkText(f, prefix+"name", t.Name, 1, MaxTypeNameLen)
	checkText(f, prefix+"description", t.Description, 0, MaxTypeDescriptionLen)
	f.Check(t.Price.Amount < 0, prefix+"price.amount", "must be 0 or more (minor units, e.g. cents)")
	_, noPrice := f[prefix+"price"]
	switch {
	case noPrice:
	case !currencies[t.Price.Currency]:
		f.Add(prefix+"price.currency", "must be an ISO 4217 currency code, e.g. USD")
	case e.Price.Currency != "" && t.Price.Currency != e.Price.Currency:
		// One order, one payment: every type of an event is priced in the event's currency.
		f.Add(prefix+"price.currency", "must be the event's currency, "+e.Price.Currency)
	}
	switch {
	case t.Counters.Capacity < 1:
		f.Add(prefix+"capacity", "must be at least 1")
	case e.Capacity >= 1 && t.Counters.Capacity > e.Capacity:
		f.Add(prefix+"capacity", fmt.Sprintf("must not exceed the event's capacity of %d", e.Capacity))
	}
	f.Check(t.MaxPerOrder < 1 || (t.Counters.Capacity >= 1 && t.MaxPerOrder > t.Counters.Capacity) ||
		(e.MaxTicketsPerBooking >= 1 && t.MaxPerOrder > e.MaxTicketsPerBooking),
		prefix+"max_per_order", "must be from 1 to the type's capacity and the event's max_tickets_per_booking")
	if t.SaleStartsAt != nil && t.SaleEndsAt != nil {
		f.Check(!t.SaleEndsAt.After(*t.SaleStartsAt), prefix+"sale_ends_at", "must be after sale_starts_at")
	}
	if t.SaleStartsAt != nil && !e.StartsAt.IsZero() {
		f.Check(!t.SaleStartsAt.Before(e.StartsAt), prefix+"sale_starts_at", "must be before the event starts")
	}
	f.Check(t.Status != TypeOnSale && t.Status != TypePaused, prefix+"status", "must be on_sale or paused")
	f.Check(t.SortOrder < 0 || t.SortOrder > MaxSortOrder, prefix+"sort_order", fmt.Sprintf("must be from 0 to %d", MaxSortOrder))
}

// TicketTypePatch is the body of PATCH /admin/events/{eventId}/ticket-types/{typeId};
// absent fields stay. An empty string clears a sale window bound.
type TicketTypePatch struct {
	Name         *string `json:"name"`
	Description  *string `json:"description"`
	Price        *Money  `json:"price"`
	Capacity     *int64  `json:"capacity"`
	MaxPerOrder  *int64  `json:"max_per_order"`
	SaleStartsAt *string `json:"sale_starts_at"`
	SaleEndsAt   *string `json:"sale_ends_at"`
	Hidden       *bool   `json:"hidden"`
	Status       *string `json:"status"`
	SortOrder    *int64  `json:"sort_order"`
}

// Apply returns t with the patch applied and how far its capacity (and available) moves:
//   - the event must not be cancelled;
//   - capacity never drops below the type's seats held, sold or offered, and stays within
//     the event's capacity;
//   - a new price applies to later reservations only: holds keep the price on their lines
//     (the reservation's condition on the type's version makes a stale price fail, never
//     sell);
//   - the name stays unique among others (the event's other types).
func (p TicketTypePatch) Apply(t TicketType, e Event, others []TicketType) (TicketType, int64, error) {
	if p == (TicketTypePatch{}) {
		return TicketType{}, 0, fault.New(fault.Validation, "The patch changes nothing")
	}
	if e.Status == Cancelled {
		return TicketType{}, 0, fault.New(fault.InvalidTransition, "A cancelled event cannot be changed")
	}
	f := fault.Fields{}
	before := t
	set(&t.Name, p.Name)
	set(&t.Description, p.Description)
	set(&t.Price, p.Price)
	set(&t.MaxPerOrder, p.MaxPerOrder)
	set(&t.Hidden, p.Hidden)
	set(&t.SortOrder, p.SortOrder)
	if p.Status != nil {
		t.Status = TypeStatus(*p.Status)
	}
	if p.Capacity != nil {
		t.Counters.Capacity = *p.Capacity
	}
	if p.SaleStartsAt != nil {
		t.SaleStartsAt = optionalTime(f, "sale_starts_at", *p.SaleStartsAt)
	}
	if p.SaleEndsAt != nil {
		t.SaleEndsAt = optionalTime(f, "sale_ends_at", *p.SaleEndsAt)
	}
	t.Name = strings.TrimSpace(t.Name)
	t.Description = strings.TrimSpace(t.Description)
	t.Price.Currency = strings.ToUpper(strings.TrimSpace(t.Price.Currency))
	validateType(f, "", t, e)
	for _, o := range others {
		if o.ID != t.ID && strings.EqualFold(o.Name, t.Name) {
			f.Add("name", "another ticket type of this event has this name")
		}
	}
	if err := f.Err(); err != nil {
		return TicketType{}, 0, err
	}
	delta, err := TypeCapacityDelta(before.Counters, t.Counters.Capacity)
	if err != nil {
		return TicketType{}, 0, err
	}
	t.Counters = before.Counters
	t.Counters.Capacity += delta
	t.Counters.Available += delta
	return t, delta, nil
}

// TypeCapacityDelta is how far a type's capacity change moves its capacity and available
// (by the same amount). It refuses to go below what is taken, which would break
// capacity = available + held + sold + offering for the type.
func TypeCapacityDelta(c TypeCounters, capacity int64) (int64, error) {
	if capacity < c.Taken() {
		return 0, fault.New(fault.Conflict,
			"Capacity cannot drop to %d: %d seats of this type are already held, sold or offered to the waitlist", capacity, c.Taken()).
			With("taken", c.Taken())
	}
	return capacity - c.Capacity, nil
}

// CheckTypeDelete allows deleting a type only while none of its seats is held, sold or
// offered and nobody waits for it, and never the event's last type. The default type of
// an event without stored types has no item to delete.
func CheckTypeDelete(t TicketType, typesOfEvent int) error {
	c := t.Counters
	switch {
	case t.Default:
		return fault.New(fault.Conflict, "The default ticket type cannot be deleted; add another type first")
	case typesOfEvent <= 1:
		return fault.New(fault.Conflict, "An event sells at least one ticket type")
	case c.Held > 0 || c.Sold > 0 || c.Offering > 0 || c.Waiting > 0:
		return fault.New(fault.Conflict, "Seats of this type are held, sold or offered, or people wait for it; pause it instead").
			With("held", c.Held).With("sold", c.Sold).With("offering", c.Offering).With("waiting", c.Waiting)
	}
	return nil
}
