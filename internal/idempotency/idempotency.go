// Package idempotency decides what a request carrying an Idempotency-Key may do, given
// what is stored under that key. It is store-agnostic: the booking store keeps records in
// its own items (a reservation's record is written inside the reservation transaction, a
// confirmation's on the booking) and asks Decide what to do with what it found.
//
// The rules: the same key and body from the same user returns the stored response for
// TTL; the same key with a different body is 422; a repeat while the first is still
// running is 409; 409, 429 and 5xx answers are not stored, so they may be retried.
package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Header is the request header carrying the key.
const Header = "Idempotency-Key"

// TTL is how long a stored response is replayed.
const TTL = 24 * time.Hour

// MaxKeyLength bounds keys; UUIDs and ULIDs fit with room to spare.
const MaxKeyLength = 255

// Record is what a store found under a key.
type Record struct {
	Hash        string    // Hash of the request that claimed the key
	Done        bool      // a response is stored
	Status      int       // stored response status
	Body        string    // stored response body (JSON)
	LockedUntil time.Time // while not Done: the first request may still be running until then
	ExpiresAt   time.Time // the record is ignored after this
}

// Response is an answer kept under a key, replayed byte for byte: the one place a
// use case's answer is bytes rather than a typed value, since a replay must repeat the
// first answer even after the types that produced it changed.
type Response struct {
	Status int
	Body   json.RawMessage
}

// Statuses a stored answer replays with, by what the first request did. They are HTTP
// numbers (like Storable's) so a stored answer means the same to every reader, but the
// package stays free of net/http, as the domain packages that import it must.
const (
	Created  = 201 // it made something (a hold)
	Changed  = 200 // it changed something (a confirmation)
	Declined = 402 // a payment was declined (stored with its fault)
)

// Stored returns the record's answer, for Replay.
func (r *Record) Stored() *Response {
	return &Response{Status: r.Status, Body: json.RawMessage(r.Body)}
}

// Action is what the request may do.
type Action int

const (
	Proceed Action = iota // do the work (nothing stored, or a crashed attempt's lock lapsed)
	Replay                // answer Record.Status and Record.Body
)

// Decide returns the action for a request whose body hashes to hash, or the fault to
// answer: 422 for a key reused with another body, 409 while the first request runs.
func Decide(rec *Record, hash string, now time.Time) (Action, error) {
	if rec == nil || (!rec.ExpiresAt.IsZero() && !now.Before(rec.ExpiresAt)) {
		return Proceed, nil
	}
	if rec.Hash != hash {
		return Proceed, fault.New(fault.IdempotencyMismatch, "This Idempotency-Key was used with a different request")
	}
	if rec.Done {
		return Replay, nil
	}
	if now.Before(rec.LockedUntil) {
		fe := fault.New(fault.RequestInProgress, "A request with this Idempotency-Key is still running")
		fe.RetryAfter = max(1, int(rec.LockedUntil.Sub(now).Seconds()+0.999))
		return Proceed, fe
	}
	return Proceed, nil
}

// Storable reports whether a response with this status is kept for replay. Conflicts,
// rate limits and server errors describe a moment, not the request, so a retry must be
// allowed to do the work.
func Storable(status int) bool {
	return status != 409 && status != 429 && status < 500
}

// CheckKey validates a key: required, printable ASCII, at most MaxKeyLength.
func CheckKey(key string) error {
	if key == "" {
		return &fault.Error{Code: fault.Validation, Message: "The Idempotency-Key header is required",
			Fields: map[string]string{Header: "required: a unique value per intended operation, e.g. a UUID"}}
	}
	if len(key) > MaxKeyLength || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return &fault.Error{Code: fault.Validation, Message: "The Idempotency-Key header is invalid",
			Fields: map[string]string{Header: "must be 1 to 255 printable ASCII characters without spaces"}}
	}
	return nil
}

// Hash fingerprints a request from its meaningful parts (route, ids, decoded body
// fields), so formatting differences in the JSON do not count as a different body.
func Hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
