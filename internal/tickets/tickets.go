// Package tickets issues and verifies ticket codes. A code carries the event, booking and
// seat ordinal plus an HMAC-SHA256 over them, so a scanner holding the key can tell a
// genuine ticket from a forged one offline; only "already used" needs the server.
package tickets

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// prefix versions the code format so the key or layout can change without ambiguity.
const prefix = "BME1"

// Ticket is one seat of a confirmed booking.
type Ticket struct {
	TicketID  string `json:"ticket_id"`
	BookingID string `json:"booking_id"`
	EventID   string `json:"event_id"`
	Seat      int    `json:"seat"`
	Code      string `json:"code"`
	// The seat's ticket type (booking lines, seats numbered in line order); the code does
	// not carry it, so codes issued before types stay valid.
	TicketTypeID   string `json:"ticket_type_id,omitempty"`
	TicketTypeName string `json:"ticket_type_name,omitempty"`
}

// Signer issues and verifies codes with one key.
type Signer struct{ key []byte }

// ErrNoKey is returned when no signing key is configured: unsigned tickets would be
// forgeable, so the product refuses to start rather than issue them.
var ErrNoKey = errors.New("tickets: signing key is empty")

// NewSigner returns a Signer for key.
func NewSigner(key string) (*Signer, error) {
	if key == "" {
		return nil, ErrNoKey
	}
	return &Signer{key: []byte(key)}, nil
}

// ID names seat n of a booking.
func ID(bookingID string, seat int) string { return bookingID + "-" + strconv.Itoa(seat) }

// Issue returns the tickets of a booking of quantity seats.
func (s *Signer) Issue(eventID, bookingID string, quantity int) []Ticket {
	out := make([]Ticket, 0, quantity)
	for n := 1; n <= quantity; n++ {
		body := strings.Join([]string{prefix, eventID, bookingID, strconv.Itoa(n)}, ".")
		out = append(out, Ticket{TicketID: ID(bookingID, n), BookingID: bookingID, EventID: eventID, Seat: n,
			Code: body + "." + s.mac(body)})
	}
	return out
}

// Verify checks a code's signature and returns what it names, or ok=false for anything
// malformed or forged. Event ids never contain '.', booking ids are base-29 symbols.
func (s *Signer) Verify(code string) (t Ticket, ok bool) {
	parts := strings.Split(code, ".")
	if len(parts) != 5 || parts[0] != prefix {
		return Ticket{}, false
	}
	body := strings.Join(parts[:4], ".")
	if !hmac.Equal([]byte(parts[4]), []byte(s.mac(body))) {
		return Ticket{}, false
	}
	seat, err := strconv.Atoi(parts[3])
	if err != nil || seat < 1 {
		return Ticket{}, false
	}
	return Ticket{TicketID: ID(parts[2], seat), BookingID: parts[2], EventID: parts[1], Seat: seat, Code: code}, true
}

func (s *Signer) mac(body string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	// 128 bits of the tag keep codes short enough for a QR code while leaving forgery
	// out of reach.
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}
