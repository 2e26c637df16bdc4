// Package fault defines the errors the product reports to callers: a stable code, a
// human message and, for validation, the failing fields. Domain packages return these;
// the HTTP adapter maps each code to a status in one place (internal/api).
package fault

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Code is a stable, machine-readable error code.
type Code string

const (
	Validation           Code = "validation_failed"
	Unauthorized         Code = "unauthorized"
	Forbidden            Code = "forbidden"
	NotFound             Code = "not_found"
	Conflict             Code = "conflict"
	VenueInUse           Code = "venue_in_use"
	InvalidTransition    Code = "invalid_transition"
	VersionConflict      Code = "version_conflict"
	PreconditionRequired Code = "precondition_required"
	SoldOut              Code = "sold_out"
	NotOnSale            Code = "not_on_sale"
	LimitExceeded        Code = "limit_exceeded"
	RateLimited          Code = "rate_limited"
	PaymentDeclined      Code = "payment_declined"
	HoldExpired          Code = "hold_expired"
	AlreadyCheckedIn     Code = "already_checked_in"
	IdempotencyMismatch  Code = "idempotency_key_reused"
	RequestInProgress    Code = "request_in_progress"
	PayloadTooLarge      Code = "payload_too_large"
	Unavailable          Code = "service_unavailable"
	SearchUnavailable    Code = "search_unavailable"
	AdmissionRequired    Code = "admission_required" // the event's waiting room is on and no valid admission token came
	QueueClosed          Code = "queue_closed"       // the waiting room is off, not open yet, or nothing is left to sell
	Internal             Code = "internal"
)

// Error is a failure with a code callers can act on.
type Error struct {
	Code    Code
	Message string
	// Fields names each invalid input field and why (validation only).
	Fields map[string]string
	// Extra members added to the error object, e.g. "available" on sold_out.
	Extra map[string]any
	// RetryAfter, in seconds, for rate limits and in-flight requests.
	RetryAfter int
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// New returns an error with a code and a message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e with an extra member in the error object.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Extra = map[string]any{}
	for k, v := range e.Extra {
		c.Extra[k] = v
	}
	c.Extra[key] = value
	return &c
}

// As finds a *Error in err's chain.
func As(err error) (*Error, bool) {
	var fe *Error
	ok := errors.As(err, &fe)
	return fe, ok
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool {
	fe, ok := As(err)
	return ok && fe.Code == code
}

// Fields collects validation failures; Err returns nil when there are none.
type Fields map[string]string

// Add records why a field is invalid; the first reason per field wins.
func (f Fields) Add(field, reason string) {
	if _, seen := f[field]; !seen {
		f[field] = reason
	}
}

// Check adds reason for field when bad is true.
func (f Fields) Check(bad bool, field, reason string) {
	if bad {
		f.Add(field, reason)
	}
}

// Err returns a validation error naming every failing field, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sort.Strings(names)
	return &Error{Code: Validation, Message: "Invalid fields: " + strings.Join(names, ", "), Fields: map[string]string(f)}
}
