package api

import (
	"net/http"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
)

// recorder receives the business metrics of docs/observability.md; tests swap it to read
// what a handler emitted.
var recorder = metrics.Default()

// Annotate adds attributes (event_id, booking_id, outcome...) to the request's log line.
func (r *Request) Annotate(attrs ...any) { r.logAttrs = append(r.logAttrs, attrs...) }

// ReservationOutcome names a reservation attempt's result for the Reservations metric.
func ReservationOutcome(err error) string {
	if err == nil {
		return "held"
	}
	fe, ok := fault.As(err)
	if !ok {
		return "error"
	}
	switch fe.Code {
	case fault.SoldOut:
		if _, waitlisted := fe.Extra["waitlist"]; waitlisted {
			return "waitlisted"
		}
		return "sold_out"
	case fault.RateLimited:
		return "rate_limited"
	case fault.LimitExceeded:
		return "limit_exceeded"
	case fault.NotOnSale:
		return "not_on_sale"
	case fault.AdmissionRequired:
		return "admission_required"
	case fault.Conflict, fault.Unavailable, fault.RequestInProgress:
		return "conflict"
	}
	if Status(fe.Code) < http.StatusInternalServerError {
		return "invalid"
	}
	return "error"
}
