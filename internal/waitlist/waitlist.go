// Package waitlist holds the rules of a fair waitlist for sold-out events: entries in
// FIFO order, which entries the seats freed so far can serve (the policy for entries that
// want more seats than are free), offers (real holds with an offer window) and the answers
// the API shows. It never touches AWS: storage and the worker queue are interfaces.
package waitlist

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Status is where an entry is in its life.
type Status string

const (
	Waiting      Status = "waiting"       // in line
	Offered      Status = "offered"       // a hold was made for it and awaits confirmation
	Fulfilled    Status = "fulfilled"     // the offer was confirmed
	OfferExpired Status = "offer_expired" // the offer lapsed; its seats went to the next in line
	Left         Status = "left"          // the user left the line or declined the offer
)

// Active reports whether an entry still counts as the user's one entry for the event.
func (s Status) Active() bool { return s == Waiting || s == Offered }

// Entry is one user's place in an event's line.
type Entry struct {
	ID       string
	EventID  string
	UserID   string
	Quantity int
	// TicketTypeID is the type the entry waits for ("" for any type). Typed says the
	// event sold ticket types when it joined, so the entry is counted in its type's
	// waiting (or the event's waiting_any) as well as in the event's waiting.
	TicketTypeID string
	Typed        bool
	Status       Status
	JoinedAt     time.Time
	// Seq is the entry's ticket in the event's line, drawn from a counter as it joins:
	// the line is served in Seq order, and it makes Position cheap (see the store).
	Seq int64
	// Passed counts the seats later entries received while this entry was first in line
	// and did not fit (see Plan).
	Passed int
	// Email is the buyer's address (booking.WithBuyerEmail at join), for the offer's mail.
	Email          string
	BookingID      string    // the offer, once offered
	OfferExpiresAt time.Time // the offer's hold expiry
	UpdatedAt      time.Time
	Version        int64
}

// NewID draws an entry id that sorts by creation time (milliseconds, hex, fixed width)
// so an event's entries list in join order by id alone.
func NewID(now time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	ms := strconv.FormatInt(now.UnixMilli(), 16)
	for len(ms) < 12 {
		ms = "0" + ms
	}
	return "w" + ms + hex.EncodeToString(b[:])
}

// ValidID reports whether s could be an entry id (so lookups of junk cost nothing).
func ValidID(s string) bool {
	if len(s) != 25 || s[0] != 'w' {
		return false
	}
	_, err := hex.DecodeString(s[1:])
	return err == nil
}

// CheckQuantity rejects quantities outside 1..max (the event's max_tickets_per_booking):
// an offer is a booking, so it obeys the same bound.
func CheckQuantity(q, max int) error {
	if q < 1 || q > max {
		return &fault.Error{Code: fault.Validation, Message: "quantity must be between 1 and the event's max_tickets_per_booking",
			Fields: map[string]string{"quantity": "must be an integer from 1 to " + strconv.Itoa(max)}}
	}
	return nil
}

// DefaultOfferFor is how long an offer lasts when neither the event nor the deployment
// says otherwise.
const DefaultOfferFor = 30 * time.Minute

// OfferWindow picks the event's own window when it has one.
func OfferWindow(eventWindow, deployment time.Duration) time.Duration {
	switch {
	case eventWindow > 0:
		return eventWindow
	case deployment > 0:
		return deployment
	}
	return DefaultOfferFor
}
