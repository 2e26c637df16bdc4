// Package booking holds the rules of taking, paying for, giving back and using seats:
// holds, confirmation, cancellation with refunds, tickets and the seat invariant. It never
// touches AWS: storage and payments are interfaces the caller supplies.
package booking

import (
	"strconv"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// Status is where a booking is in its life.
type Status string

const (
	Held      Status = "held"      // seats taken from available, not paid for
	Confirmed Status = "confirmed" // paid; seats sold
	Cancelled Status = "cancelled" // given back by the buyer; seats returned
	Expired   Status = "expired"   // hold ran out; seats returned
)

// Valid reports whether s names a status.
func (s Status) Valid() bool {
	switch s {
	case Held, Confirmed, Cancelled, Expired:
		return true
	}
	return false
}

// Money is an amount in minor units (cents) of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Times multiplies a unit price by a quantity.
func (m Money) Times(n int) Money { return Money{Amount: m.Amount * int64(n), Currency: m.Currency} }

// Payment is the provider's answer to the last charge attempt, as recorded on the booking.
type Payment struct {
	Provider string    `json:"provider"`
	ChargeID string    `json:"charge_id,omitempty"`
	Method   string    `json:"payment_method"`
	Status   string    `json:"status"` // succeeded | declined | refunded
	Amount   Money     `json:"amount"`
	At       time.Time `json:"at"`
}

// Refund records money given back when a booking is cancelled or a late confirm fails.
type Refund struct {
	Amount   Money  `json:"amount"`
	Percent  int    `json:"percent"`
	RefundID string `json:"refund_id,omitempty"`
	// Lines is the refund per line (booking.LineRefunds): Amount is their sum.
	Lines  []LineRefund `json:"lines,omitempty"`
	Status string       `json:"status"` // pending until the provider answers, then succeeded
	Reason string       `json:"reason"`
	At     time.Time    `json:"at"`
}

// Booking is one buyer's seats for one event.
type Booking struct {
	ID          string
	Reference   string
	EventID     string
	UserID      string
	Quantity    int
	UnitPrice   Money
	Total       Money
	Status      Status
	ExpiresAt   time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ConfirmedAt time.Time
	CancelledAt time.Time
	Payment     *Payment
	Refund      *Refund
	Version     int64
	// Email is the buyer's address from the identity token's email claim, for the mails
	// about the booking; never logged, never shown by the API.
	Email string
	// Source is "waitlist" for an offer made to a waiting entry (WaitlistEntry), else "".
	Source        string
	WaitlistEntry string
	// Lines are the order's types, priced when the hold was made; empty for a booking of
	// an event sold as its one default type (OrderLines reads it as one line).
	Lines     []Line
	PromoCode string
	// RequestHash is what the reservation that made the booking asked for (the hash of
	// its Idempotency-Key's request): a retry under the key with another body is 422.
	RequestHash string
	// Shards are the inventory shards the seats were taken from, with how many from
	// each (a spanning order has two); nil when the event item is the inventory.
	Shards map[int]int
	// ShardTypes are a typed spanning order's seats per type on each of its shards; nil
	// when the lines are all on one item (every booking made before typed orders spanned).
	ShardTypes map[int]map[string]int

	// Confirm bookkeeping, kept on the booking so a confirmation costs no extra item:
	// the Idempotency-Key whose confirm is running and until when it may run, and
	// the answers already given per key (see internal/idempotency).
	ConfirmClaim      string
	ConfirmClaimHash  string
	ConfirmClaimUntil time.Time
	ConfirmAnswers    map[string]StoredAnswer
}

// StoredAnswer is a response kept for an Idempotency-Key: a success body, or a fault's
// code and message (rendered again by the HTTP adapter on replay).
type StoredAnswer struct {
	Hash    string `json:"hash"`
	Status  int    `json:"status"`
	Body    string `json:"body,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// View is a booking as the API shows it.
type View struct {
	BookingID   string     `json:"booking_id"`
	Reference   string     `json:"booking_reference"`
	EventID     string     `json:"event_id"`
	Quantity    int        `json:"quantity"`
	UnitPrice   Money      `json:"unit_price"`
	Total       Money      `json:"total"`
	Status      Status     `json:"status"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	Payment     *Payment   `json:"payment,omitempty"`
	Refund      *Refund    `json:"refund,omitempty"`
	Source      string     `json:"source,omitempty"`
	Lines       []Line     `json:"lines"`
	Subtotal    Money      `json:"subtotal"`
	Discount    Money      `json:"discount"`
	PromoCode   string     `json:"promo_code,omitempty"`
}

// View renders the booking for the API. Holds show when they lapse; other states don't
// expire, so expires_at would only mislead.
func (b *Booking) View() View {
	v := View{
		BookingID: b.ID, Reference: b.Reference, EventID: b.EventID, Quantity: b.Quantity,
		UnitPrice: b.UnitPrice, Total: b.Total, Status: b.Status, CreatedAt: b.CreatedAt.UTC(),
		Payment: b.Payment, Refund: b.Refund, Source: b.Source, PromoCode: b.PromoCode,
	}
	v.Lines = b.OrderLines()
	v.Subtotal, v.Discount = zero(b.Total.Currency), zero(b.Total.Currency)
	for _, l := range v.Lines {
		v.Subtotal.Amount += l.UnitPrice.Amount * int64(l.Quantity)
		v.Discount.Amount += l.Discount.Amount
	}
	if len(b.Lines) == 1 {
		v.UnitPrice = b.Lines[0].UnitPrice // a booking with lines stores no unit_price of its own
	}
	if b.Status == Held {
		v.ExpiresAt = utcPtr(b.ExpiresAt)
	}
	if !b.ConfirmedAt.IsZero() {
		v.ConfirmedAt = utcPtr(b.ConfirmedAt)
	}
	if !b.CancelledAt.IsZero() {
		v.CancelledAt = utcPtr(b.CancelledAt)
	}
	return v
}

// OrderLines are the booking's lines: as stored, or, for a booking of an event sold as its
// default type, one line of that type at the booking's unit price (any promo discount is
// what the total is short of the undiscounted price).
func (b *Booking) OrderLines() []Line {
	if len(b.Lines) > 0 {
		return b.Lines
	}
	sub := b.UnitPrice.Times(b.Quantity)
	return []Line{{TicketTypeID: catalog.DefaultTypeID(b.EventID), TicketTypeName: catalog.DefaultTypeName,
		UnitPrice: b.UnitPrice, Quantity: b.Quantity,
		Discount: Money{Amount: max(sub.Amount-b.Total.Amount, 0), Currency: b.Total.Currency}, Total: b.Total}}
}

func utcPtr(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}

// Event is what booking needs to know about an event. Catalogue code owns the item; the
// seat counters are the only attributes booking writes.
type Event struct {
	ID            string
	Status        string // draft | published | cancelled
	StartsAt      time.Time
	Price         Money
	MaxPerBooking int
	Capacity      int64
	Available     int64
	Held          int64
	Sold          int64
	RefundPolicy  RefundPolicy
	// Offering are seats freed while someone waited, claimed for the waitlist; Waiting
	// counts waiting entries; OfferFor is the event's own offer window (0: the default).
	Offering int64
	Waiting  int64
	OfferFor time.Duration
	// Types are the event's stored ticket types with their counters (the tt map) and
	// definitions; nil for an event sold as its one default type. WaitingAny counts
	// waiting entries for any type.
	Types      []catalog.TicketType
	WaitingAny int64
	// WaitingRoom is the event's on-sale waiting room: while it is on, a reservation
	// needs the caller's admission token (waitroom.Gate).
	WaitingRoom waitroom.Config
	// Shards is the number of inventory shard items the seats are in (docs/waiting-room.md
	// §5); 0 or 1: the event item is the inventory.
	Shards int
}

// AsCreated is the booking as its reservation answered it: what a replay of that
// reservation answers, whatever happened to the booking since.
func (b *Booking) AsCreated() *Booking {
	c := *b
	c.Status, c.UpdatedAt, c.Version = Held, b.CreatedAt, 1
	c.Payment, c.Refund, c.ConfirmedAt, c.CancelledAt = nil, nil, time.Time{}, time.Time{}
	c.ConfirmClaim, c.ConfirmClaimHash, c.ConfirmClaimUntil, c.ConfirmAnswers = "", "", time.Time{}, nil
	return &c
}

// Typed reports whether the event stores ticket types (has the tt map).
func (e *Event) Typed() bool { return len(e.Types) > 0 }

// OrderEvent is the event as PriceOrder sees it: its stored types, or its default type.
func (e *Event) OrderEvent() OrderEvent {
	types := e.Types
	if !e.Typed() {
		types = []catalog.TicketType{{ID: catalog.DefaultTypeID(e.ID), EventID: e.ID, Name: catalog.DefaultTypeName,
			Price: catalog.Money(e.Price), MaxPerOrder: int64(e.MaxPerBooking), Status: catalog.TypeOnSale, Version: 1, Default: true}}
	}
	return OrderEvent{Currency: e.Price.Currency, MaxPerBooking: e.MaxPerBooking, Types: types}
}

// Type returns the event's stored type id.
func (e *Event) Type(id string) (catalog.TicketType, bool) {
	for _, t := range e.Types {
		if t.ID == id {
			return t, true
		}
	}
	return catalog.TicketType{}, false
}

// Published is the catalogue status in which seats are sold.
const Published = "published"

// OnSale reports whether seats may be taken at now.
func (e *Event) OnSale(now time.Time) bool {
	return e.Status == Published && now.Before(e.StartsAt)
}

// PerUserLimit is how many seats one user may hold or own for the event in total.
func (e *Event) PerUserLimit() int { return e.MaxPerBooking }

// CheckQuantity rejects quantities outside 1..max_tickets_per_booking.
func CheckQuantity(q, max int) error {
	if q < 1 || q > max {
		return &fault.Error{Code: fault.Validation, Message: "quantity must be between 1 and the event's max_tickets_per_booking",
			Fields: map[string]string{"quantity": "must be an integer from 1 to " + strconv.Itoa(max)}}
	}
	return nil
}
