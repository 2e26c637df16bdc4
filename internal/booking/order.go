package booking

import (
	"fmt"
	"strconv"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/promo"
)

// OrderItem asks for quantity tickets of one type.
type OrderItem struct {
	TicketTypeID string `json:"ticket_type_id"`
	Quantity     int    `json:"quantity"`
}

// OrderRequest is what POST /events/{eventId}/bookings orders: items of several types,
// or, for an event that sells one type, the legacy {"quantity": n}; and optionally a
// promo code.
type OrderRequest struct {
	Items     []OrderItem `json:"items"`
	Quantity  *int        `json:"quantity"`
	PromoCode string      `json:"promo_code"`
	// AdmissionToken is the X-Admission-Token header: while the event's waiting room is
	// on, the reservation needs it (never part of the body, nor of the request's hash).
	AdmissionToken string `json:"-"`
}

// Line is one type's part of an order, priced when the hold is made: later price changes
// never touch it, and refunds and tickets follow it.
type Line struct {
	TicketTypeID   string `json:"ticket_type_id"`
	TicketTypeName string `json:"ticket_type_name"`
	UnitPrice      Money  `json:"unit_price"`
	Quantity       int    `json:"quantity"`
	// Discount is the promo code's part of the line (UnitDiscount x Quantity).
	Discount Money `json:"discount"`
	Total    Money `json:"line_total"`
}

// Order is a priced order: its lines in the order asked, and the totals.
type Order struct {
	Lines     []Line `json:"lines"`
	Quantity  int    `json:"quantity"`
	Subtotal  Money  `json:"subtotal"`
	Discount  Money  `json:"discount"`
	Total     Money  `json:"total"`
	PromoCode string `json:"promo_code,omitempty"`
}

// Seats returns the seats asked per ticket type.
func (o Order) Seats() map[string]int {
	m := make(map[string]int, len(o.Lines))
	for _, l := range o.Lines {
		m[l.TicketTypeID] += l.Quantity
	}
	return m
}

// OrderEvent is what pricing needs to know about the event: its currency, its limit of
// tickets per order, and its types (catalog.EffectiveTypes: an event stored without types
// has its default type).
type OrderEvent struct {
	Currency      string
	MaxPerBooking int
	Types         []catalog.TicketType
}

// PriceOrder checks an order against the event's types and the promo code and prices
// it. code is the event's code stored under promo.Normalize(r.PromoCode), nil when there
// is none; the reservation transaction counts its use atomically, this only prices.
// Bad input is a validation fault naming each field (items[1].ticket_type_id,
// items[0].quantity, promo_code, or quantity in the legacy form); a type that exists but
// is paused or outside its sale window is not_on_sale naming its item. Whether seats are
// left is for the transaction to say.
func PriceOrder(r OrderRequest, ev OrderEvent, code *promo.Code, now time.Time) (Order, error) {
	f := fault.Fields{}
	code = usableCode(f, r.PromoCode, code, now)
	items, total := r.Items, "items"
	switch {
	case r.Quantity != nil && len(r.Items) > 0:
		f.Add("quantity", "send either quantity or items, not both")
		return Order{}, f.Err()
	case r.Quantity != nil:
		t, err := singleType(ev.Types)
		if err != nil {
			return Order{}, err
		}
		items, total = []OrderItem{{TicketTypeID: t.ID, Quantity: *r.Quantity}}, "quantity"
	case len(r.Items) == 0:
		f.Add("items", `is required, e.g. [{"ticket_type_id": "...", "quantity": 2}]`)
		return Order{}, f.Err()
	case len(r.Items) > catalog.MaxTicketTypes:
		f.Add("items", fmt.Sprintf("at most %d items, one per ticket type", catalog.MaxTicketTypes))
		return Order{}, f.Err()
	}
	byID := make(map[string]catalog.TicketType, len(ev.Types))
	for _, t := range ev.Types {
		byID[t.ID] = t
	}
	legacy := total == "quantity"
	field := func(i int, name string) string {
		if legacy {
			return name // the legacy body has only quantity
		}
		return "items[" + strconv.Itoa(i) + "]." + name
	}
	var (
		o        = Order{Subtotal: zero(ev.Currency), Discount: zero(ev.Currency), Total: zero(ev.Currency)}
		notOn    = fault.Fields{}
		seen     = map[string]bool{}
		discount = false
	)
	for i, it := range items {
		t, ok := byID[it.TicketTypeID]
		idField := field(i, "ticket_type_id")
		switch {
		case it.TicketTypeID == "":
			f.Add(idField, "is required")
		case !ok || (t.Hidden && (code == nil || !code.Unlocks(t.ID))):
			// A hidden type without its code reads as unknown, so codes cannot be probed.
			f.Add(idField, "is not a ticket type on sale for this event")
		case seen[t.ID]:
			f.Add(idField, "is listed twice; put the whole quantity on one item")
		}
		seen[it.TicketTypeID] = true
		qField := field(i, "quantity")
		switch {
		case it.Quantity < 1:
			f.Add(qField, "must be at least 1")
		case ok && int64(it.Quantity) > t.MaxPerOrder:
			f.Add(qField, fmt.Sprintf("at most %d tickets of %s per order", t.MaxPerOrder, t.Name))
		}
		if !ok {
			continue
		}
		if s := t.SaleState(now); s != catalog.TypeOnSale {
			notOn.Add(idField, saleStateReason(s))
		}
		if t.Price.Currency != ev.Currency {
			return Order{}, fault.New(fault.Internal, "Ticket type %s is priced in %s, the event in %s", t.ID, t.Price.Currency, ev.Currency)
		}
		l := priceLine(t, it.Quantity, code)
		discount = discount || (code != nil && code.AppliesTo(t.ID))
		o.Lines = append(o.Lines, l)
		o.Quantity += max(it.Quantity, 0)
		o.Subtotal.Amount += l.UnitPrice.Amount * int64(l.Quantity)
		o.Discount.Amount += l.Discount.Amount
		o.Total.Amount += l.Total.Amount
	}
	if ev.MaxPerBooking > 0 && o.Quantity > ev.MaxPerBooking {
		f.Add(total, fmt.Sprintf("at most %d tickets per order", ev.MaxPerBooking))
	}
	if code != nil && !discount && len(f) == 0 {
		f.Add("promo_code", "does not apply to the ticket types in this order")
	}
	if err := f.Err(); err != nil {
		return Order{}, err
	}
	if len(notOn) > 0 && legacy {
		return Order{}, fault.New(fault.NotOnSale, "Tickets of this event are not on sale")
	}
	if len(notOn) > 0 {
		return Order{}, &fault.Error{Code: fault.NotOnSale, Message: "A ticket type in this order is not on sale", Fields: notOn}
	}
	if code != nil {
		o.PromoCode = code.Code
	}
	return o, nil
}

// usableCode resolves the request's code: nil when none was sent; otherwise the stored
// code if it is the one asked for and usable now, recording why not in f.
func usableCode(f fault.Fields, asked string, stored *promo.Code, now time.Time) *promo.Code {
	if asked == "" {
		return nil
	}
	norm, ok := promo.Normalize(asked)
	if !ok || stored == nil || stored.Code != norm {
		addFields(f, promo.Unknown())
		return nil
	}
	if err := stored.Usable(now); err != nil {
		addFields(f, err)
		return nil
	}
	return stored
}

func addFields(f fault.Fields, err error) {
	if fe, ok := fault.As(err); ok {
		for k, v := range fe.Fields {
			f.Add(k, v)
		}
	}
}

// singleType is the type a legacy {"quantity": n} buys: the event's one public type.
func singleType(types []catalog.TicketType) (catalog.TicketType, error) {
	var public []catalog.TicketType
	for _, t := range types {
		if !t.Hidden {
			public = append(public, t)
		}
	}
	if len(public) != 1 {
		return catalog.TicketType{}, &fault.Error{Code: fault.Validation, Message: "Invalid fields: quantity",
			Fields: map[string]string{"quantity": `this event sells several ticket types; send items: [{"ticket_type_id": "...", "quantity": n}]`}}
	}
	return public[0], nil
}

func saleStateReason(s catalog.TypeStatus) string {
	switch s {
	case catalog.TypePaused:
		return "is paused"
	case catalog.TypeNotStarted:
		return "is not on sale yet"
	case catalog.TypeEnded:
		return "is no longer on sale"
	}
	return "is not on sale"
}

func priceLine(t catalog.TicketType, q int, code *promo.Code) Line {
	unit := Money(t.Price)
	var off int64
	if code != nil && code.AppliesTo(t.ID) {
		off = code.UnitDiscount(unit.Amount)
	}
	n := int64(max(q, 0))
	return Line{TicketTypeID: t.ID, TicketTypeName: t.Name, UnitPrice: unit, Quantity: q,
		Discount: Money{Amount: off * n, Currency: unit.Currency},
		Total:    Money{Amount: (unit.Amount - off) * n, Currency: unit.Currency}}
}

func zero(currency string) Money { return Money{Currency: currency} }

// LineMoves gives the seat moves of a booking with these lines going from one status to
// another: the event's move (all seats) and each type's. Applied in the same transaction
// as the status change, they keep the invariant per type and per event.
func LineMoves(from, to Status, lines []Line) (Move, map[string]Move, error) {
	n := 0
	for _, l := range lines {
		n += l.Quantity
	}
	event, err := Transition(from, to, n)
	if err != nil {
		return Move{}, nil, err
	}
	types := make(map[string]Move, len(lines))
	for _, l := range lines {
		m, _ := Transition(from, to, l.Quantity) // same from and to: cannot fail now
		t := types[l.TicketTypeID]
		types[l.TicketTypeID] = Move{Available: t.Available + m.Available, Held: t.Held + m.Held, Sold: t.Sold + m.Sold}
	}
	return event, types, nil
}

// LineRefunds splits a refund of percent over the lines: each line's total refunded by
// RefundAmount (rounded up, the buyer's favour), so a line's refund never depends on the
// others and the sum is at least percent of the order's total.
func LineRefunds(lines []Line, percent int) []Money {
	out := make([]Money, len(lines))
	for i, l := range lines {
		out[i] = RefundAmount(l.Total, percent)
	}
	return out
}

// OrderSeats is a booking's status and lines, what the invariant needs of it.
type OrderSeats struct {
	Status Status
	Lines  []Line
}

// CheckTypeInvariant verifies an event with ticket types: the event's counters and each
// type's are sound (Counters.Violations), the types' held, sold and offering add up to
// the event's, and the lines of held and confirmed bookings add up to each type's held
// and sold. It returns every violation found, or nil.
func CheckTypeInvariant(event Counters, types map[string]Counters, bookings []OrderSeats) []string {
	bad := event.Violations()
	var held, sold, offering int64
	for id, c := range types {
		for _, v := range c.Violations() {
			bad = append(bad, "type "+id+": "+v)
		}
		held, sold, offering = held+c.Held, sold+c.Sold, offering+c.Offering
	}
	if held != event.Held || sold != event.Sold || offering != event.Offering {
		bad = append(bad, fmt.Sprintf("types hold %d, sold %d, offer %d; event says held=%d sold=%d offering=%d",
			held, sold, offering, event.Held, event.Sold, event.Offering))
	}
	lineHeld, lineSold := map[string]int64{}, map[string]int64{}
	for _, b := range bookings {
		for _, l := range b.Lines {
			switch b.Status {
			case Held:
				lineHeld[l.TicketTypeID] += int64(l.Quantity)
			case Confirmed:
				lineSold[l.TicketTypeID] += int64(l.Quantity)
			}
		}
	}
	for id, c := range types {
		if lineHeld[id] != c.Held {
			bad = append(bad, fmt.Sprintf("type %s: held lines hold %d seats, type says held=%d", id, lineHeld[id], c.Held))
		}
		if lineSold[id] != c.Sold {
			bad = append(bad, fmt.Sprintf("type %s: confirmed lines own %d seats, type says sold=%d", id, lineSold[id], c.Sold))
		}
	}
	unknown := map[string]bool{}
	for _, lines := range []map[string]int64{lineHeld, lineSold} {
		for id := range lines {
			if _, ok := types[id]; !ok && !unknown[id] {
				unknown[id] = true
				bad = append(bad, "lines name type "+id+", which the event does not have")
			}
		}
	}
	return bad
}

// Shortage is a type an order wants more seats of than the public can reserve.
type Shortage struct {
	TicketTypeID string `json:"ticket_type_id"`
	Wanted       int    `json:"wanted"`
	Available    int64  `json:"available"`
}

// SoldOut explains a reservation the event's condition refused, from the counters as the
// failed transaction found them (ALL_OLD): every line whose type has fewer seats for the
// public than it wants (none while anyone waits for the type or for any type), and
// whether the event's own cap was short. It is the sold_out fault, with the types in
// "sold_out" and the event's seats left in "available", or nil when nothing was short
// (the refusal had another cause: status, start time, a stale type).
func SoldOut(o Order, eventAvailable, waitingAny int64, types map[string]catalog.TypeCounters) error {
	var short []Shortage
	for _, l := range o.Lines {
		c, ok := types[l.TicketTypeID]
		if !ok {
			continue // the type is gone: not a shortage but a stale order
		}
		free := c.Available
		if c.Waiting > 0 || waitingAny > 0 {
			free = 0
		}
		if free < int64(l.Quantity) {
			short = append(short, Shortage{TicketTypeID: l.TicketTypeID, Wanted: l.Quantity, Available: max(free, 0)})
		}
	}
	eventShort := eventAvailable < int64(o.Quantity)
	if len(short) == 0 && !eventShort {
		return nil
	}
	msg := "Not enough seats of some ticket types"
	if len(short) == 0 {
		msg = "Not enough seats left at this event"
		short = []Shortage{}
	}
	return fault.New(fault.SoldOut, "%s", msg).With("sold_out", short).With("available", max(eventAvailable, 0))
}

// SeatLine is the line seat (1-based) belongs to: seats are numbered in line order, seats
// 1..q0 of line 0 and so on.
func SeatLine(lines []Line, seat int) (Line, bool) {
	for _, l := range lines {
		if seat >= 1 && seat <= l.Quantity {
			return l, true
		}
		seat -= l.Quantity
	}
	return Line{}, false
}
