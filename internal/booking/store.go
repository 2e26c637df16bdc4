package booking

import (
	"context"
	"errors"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/idempotency"
	"github.com/bookmyevent/bookmyevent/internal/promo"
)

// Store keeps bookings and moves seats. Every method that changes a booking's status
// moves the event's seats in the same transaction, conditioned on the booking's stored
// status and version. Errors are *fault.Error values for what callers can act on; the
// sentinel errors below ask the service to act; anything else is an infrastructure
// failure (the store has already retried what is worth retrying within ctx's deadline).
type Store interface {
	// GetEvent reads the booking-relevant part of an event (not_found when absent).
	GetEvent(ctx context.Context, id string) (*Event, error)
	// Reserve takes seats: one transaction that applies the reserve move to the event
	// (guarded by status, start time, available seats and, so a stale cached read can
	// never sell at a wrong price, r.Event's price and per-booking maximum), puts the
	// booking (r.Booking.ID is derived from the user and the Idempotency-Key, so the
	// booking is the key's record) and its reference, and counts the seats against the
	// user's limit under the user's rate window (turned-away attempts this minute).
	// When the booking already exists, it returns the record of the reservation that
	// made it (hash and the answer as created) and creates nothing.
	Reserve(ctx context.Context, r ReserveRequest) (*idempotency.Record, error)
	// GetBooking reads a booking consistently (not_found when absent).
	GetBooking(ctx context.Context, id string) (*Booking, error)
	// ClaimConfirm marks a held or expired booking of r.UserID as being confirmed under
	// r.Key until r.Until, and returns it. When the booking cannot be claimed it returns
	// ErrNotClaimed with the booking as stored (nil when absent) for the service to decide.
	ClaimConfirm(ctx context.Context, r ClaimRequest) (*Booking, error)
	// Confirm moves the claimed booking b (as returned by ClaimConfirm) to confirmed with
	// the payment, adds the revenue and stores the answer under key. ErrSeatsGone when a
	// late confirm finds the seats sold to someone else; ErrChanged when the booking moved.
	Confirm(ctx context.Context, b *Booking, p Payment, key string, answer StoredAnswer, now time.Time) error
	// SettleClaim ends a claim that did not confirm: it records the payment attempt
	// and refund (either may be nil) and, when answer is not nil, stores it under key.
	SettleClaim(ctx context.Context, b *Booking, p *Payment, r *Refund, key string, answer *StoredAnswer, now time.Time) error
	// Release moves b from held or confirmed to cancelled or expired (to), returning its
	// seats to the event and to the user's limit, recording refund (may be nil) and
	// taking its amount off the revenue; when someone waits for the event, the seats go
	// to its waitlist (offering) instead of back on sale. ErrChanged when b is no longer
	// as read.
	Release(ctx context.Context, b *Booking, to Status, refund *Refund, now time.Time) (Released, error)
	// RecordRefund marks b's refund as paid by the provider.
	RecordRefund(ctx context.Context, b *Booking, refundID string, now time.Time) (*Booking, error)
	// ListUserBookings and ListEventBookings list newest first, optionally by status.
	ListUserBookings(ctx context.Context, userID string, f ListFilter) (Page, error)
	ListEventBookings(ctx context.Context, eventID string, f ListFilter) (Page, error)
	// CheckIn records the first scan of ticket seat of a confirmed booking of eventID:
	// already_checked_in on later scans, not_found if the booking is not a confirmed one
	// of that event with that seat. typeID is the seat's ticket type, counted per type.
	CheckIn(ctx context.Context, eventID, bookingID string, seat int, typeID string, now time.Time) error
	// Stats reads an event's counters, revenue and check-ins.
	Stats(ctx context.Context, eventID string) (Stats, error)
}

// Errors the store returns for the service to act on.
var (
	ErrNotClaimed     = errors.New("booking: confirm not claimed")
	ErrSeatsGone      = errors.New("booking: seats no longer available")
	ErrChanged        = errors.New("booking: changed by another request")
	ErrReferenceTaken = errors.New("booking: reference already taken")
)

// StaleEventError says the event's price or limits differ from the cached copy the
// request used; Event is the stored event, so the caller can retry without a read.
type StaleEventError struct{ Event *Event }

func (e *StaleEventError) Error() string { return "booking: cached event is stale" }

// Released is a committed release: the booking as it now stands, and whether its seats
// went to the event's waitlist, whose worker must then be woken.
type Released struct {
	Booking    *Booking
	ToWaitlist bool
}

// ReserveRequest is everything the reservation transaction writes and checks.
type ReserveRequest struct {
	Booking *Booking
	Event   *Event // the copy whose price and limits the booking was priced from
	// Order is the priced order (nil: the legacy one-type reservation, exactly as
	// before types). With an Event that has Types, the transaction guards each line's
	// type (seats, the cached rev) and counts it against the user's per-type limit.
	Order *Order
	// Code is the promo code the order used (nil: none), as cached: the transaction
	// repeats its rev and counts its use under uses < max_uses.
	Code      *promo.Code
	UserLimit int // seats the user may hold or own for the event in total
	Now       time.Time
	Key       string // Idempotency-Key
	RateLimit int    // turned-away attempts per window
	Window    string // the rate window's name (the UTC minute, yyyymmddhhmm)
}

// ClaimRequest asks to start confirming a booking.
type ClaimRequest struct {
	BookingID, UserID, Key, Hash string
	Now, Until                   time.Time
}

// ListFilter selects a page of bookings.
type ListFilter struct {
	Status Status // empty for all
	Limit  int
	Cursor string
}

// Page is a page of bookings with the cursor of the next ("" on the last).
type Page struct {
	Items      []Booking
	NextCursor string
}

// Stats are an event's admin numbers.
type Stats struct {
	EventID   string `json:"event_id"`
	Capacity  int64  `json:"capacity"`
	Available int64  `json:"available"`
	Held      int64  `json:"held"`
	Sold      int64  `json:"sold"`
	Offering  int64  `json:"offering"` // freed while someone waited, claimed for the waitlist
	Revenue   Money  `json:"revenue"`
	CheckedIn int64  `json:"checked_in"`
	// TicketTypes breaks the numbers down by type (the default type for an event
	// without stored types).
	TicketTypes []TypeStats `json:"ticket_types"`
}

// TypeStats are one ticket type's admin numbers.
type TypeStats struct {
	TicketTypeID string `json:"ticket_type_id"`
	Name         string `json:"name"`
	Capacity     int64  `json:"capacity"`
	Available    int64  `json:"available"`
	Held         int64  `json:"held"`
	Sold         int64  `json:"sold"`
	Offering     int64  `json:"offering"`
	Waiting      int64  `json:"waiting"`
	Revenue      Money  `json:"revenue"`
	CheckedIn    int64  `json:"checked_in"`
}
