package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/idempotency"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
)

// bookingPage is a page of bookings as the API shows it.
type bookingPage struct {
	Items      []booking.View `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

func viewPage(p booking.Page) bookingPage {
	out := bookingPage{Items: make([]booking.View, len(p.Items)), NextCursor: p.NextCursor}
	for i := range p.Items {
		out.Items[i] = p.Items[i].View()
	}
	return out
}

// answer renders a reservation's or confirmation's result: the booking with status, or
// the first request's answer as stored under the Idempotency-Key, byte for byte.
func answer(res booking.Result, status int) (Response, error) {
	if res.Replayed != nil {
		return Response{Status: res.Replayed.Status, Body: res.Replayed.Body}, nil
	}
	return Response{Status: status, Body: res.Booking.View()}, nil
}

// CreateBooking serves POST /events/{eventId}/bookings with an Idempotency-Key: a hold on
// {"items": [{"ticket_type_id", "quantity"}, ...], "promo_code"}, or, for an event that
// sells one type, {"quantity": n}. When the event is sold out the buyer joins its
// waitlist unless the body says "waitlist": false.
func CreateBooking(svc *onsale.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in struct {
			booking.OrderRequest
			Waitlist *bool `json:"waitlist"`
		}
		r.Annotate("event_id", r.Path("eventId"))
		if err := Decode(r, &in); err != nil {
			outcome := ReservationOutcome(err)
			recorder.Count("Reservations", 1, metrics.Dim{Name: "Outcome", Value: outcome})
			r.Annotate("outcome", outcome)
			return Response{}, err
		}
		wait := in.Waitlist == nil || *in.Waitlist
		in.AdmissionToken = r.Header(AdmissionHeader)
		res, err := svc.ReserveOrder(booking.WithBuyerEmail(ctx, r.Caller.Email), r.Caller.UserID, r.Path("eventId"), in.OrderRequest, r.Header(idempotency.Header), wait, r.Now)
		outcome := ReservationOutcome(err)
		recorder.Count("Reservations", 1, metrics.Dim{Name: "Outcome", Value: outcome})
		if outcome == "waitlisted" {
			recorder.Count("WaitlistJoins", 1)
		}
		r.Annotate("outcome", outcome)
		if err != nil {
			return Response{}, err
		}
		if res.Booking != nil {
			r.Annotate("booking_id", res.Booking.ID)
		} else {
			r.Annotate("replayed", true)
		}
		return answer(res, http.StatusCreated)
	}
}

// ConfirmBooking serves POST /bookings/{bookingId}/confirm {"payment_method": "..."} with
// an Idempotency-Key: pays for a hold.
func ConfirmBooking(svc *booking.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in struct {
			PaymentMethod string `json:"payment_method"`
		}
		r.Annotate("booking_id", r.Path("bookingId"))
		if err := Decode(r, &in); err != nil {
			return Response{}, err
		}
		res, err := svc.Confirm(ctx, r.Caller.UserID, r.Path("bookingId"), in.PaymentMethod, r.Header(idempotency.Header), r.Now)
		if fault.Is(err, fault.PaymentDeclined) {
			recorder.Count("PaymentDeclines", 1)
			r.Annotate("outcome", "payment_declined")
		}
		if err != nil {
			return Response{}, err
		}
		if res.Action != nil {
			// Accepted, not done: the buyer finishes the payment (3-D Secure) with the client
			// secret, the booking stays held and the webhook confirms it.
			r.Annotate("outcome", "requires_action")
			return Response{Status: http.StatusAccepted, Body: requiresAction{Status: "requires_action",
				ClientSecret: res.Action.ClientSecret, Booking: res.Booking.View()}}, nil
		}
		if res.Replayed != nil {
			// The first request counted the sale; a replay sold nothing.
			r.Annotate("outcome", "replayed")
			return answer(res, http.StatusOK)
		}
		recorder.Count("Confirmations", 1)
		recorder.Count("SeatsSold", float64(res.Booking.Quantity))
		r.Annotate("event_id", res.Booking.EventID, "outcome", "confirmed")
		return answer(res, http.StatusOK)
	}
}

// requiresAction is a confirm's answer when the payment needs the buyer.
type requiresAction struct {
	Status       string       `json:"status"`
	ClientSecret string       `json:"client_secret"`
	Booking      booking.View `json:"booking"`
}

// GetBooking serves GET /bookings/{bookingId}: the caller's own booking only.
func GetBooking(svc *booking.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		b, err := svc.Get(ctx, r.Caller.UserID, r.Path("bookingId"))
		if err != nil {
			return Response{}, err
		}
		return withVersion(b.View(), b.Version)
	}
}

// ListMyBookings serves GET /me/bookings?status=&cursor=&limit=, newest first.
func ListMyBookings(svc *booking.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		limit, err := r.Limit(defaultPageSize, maxPageSize)
		if err != nil {
			return Response{}, err
		}
		p, err := svc.Mine(ctx, r.Caller.UserID, booking.ListFilter{Status: booking.Status(r.Query("status")), Limit: limit, Cursor: r.Query("cursor")})
		if err != nil {
			return Response{}, err
		}
		return OK(viewPage(p))
	}
}

// CancelBooking serves POST /bookings/{bookingId}/cancel; cancelling twice is harmless.
func CancelBooking(svc *booking.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		r.Annotate("booking_id", r.Path("bookingId"))
		b, err := svc.Cancel(ctx, r.Caller.UserID, r.Path("bookingId"), r.Now)
		if err != nil {
			return Response{}, err
		}
		r.Annotate("event_id", b.EventID)
		countRelease(b, r.Now)
		return withVersion(b.View(), b.Version)
	}
}

// countRelease counts a sold booking's cancellation, which records a refund (possibly of
// nothing, by the policy). A repeated cancel answers the booking as it is: only a refund
// this request made (at or after its start, at the store's millisecond precision) counts.
func countRelease(b *booking.Booking, start time.Time) {
	if b.Refund != nil && !b.Refund.At.Before(start.Truncate(time.Millisecond)) {
		if b.Refund.Status != "none" {
			recorder.Count("Refunds", 1)
		}
		recorder.Count("SeatsReleased", float64(b.Quantity))
	}
}

// AdminCancelBooking serves POST /admin/bookings/{bookingId}/cancel with an optional body
// {"refund": "full" | "policy"} (full when absent). No Idempotency-Key: the booking's state
// makes a repeat answer the first cancellation, refund included.
func AdminCancelBooking(svc *booking.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in struct {
			Refund string `json:"refund"`
		}
		r.Annotate("booking_id", r.Path("bookingId"))
		if strings.TrimSpace(r.Event.Body) != "" {
			if err := Decode(r, &in); err != nil {
				return Response{}, err
			}
		}
		choice, err := booking.ParseRefundChoice(in.Refund)
		if err != nil {
			return Response{}, err
		}
		b, err := svc.CancelByOrganiser(ctx, r.Path("bookingId"), choice, r.Now)
		if err != nil {
			return Response{}, err
		}
		r.Annotate("event_id", b.EventID)
		countRelease(b, r.Now)
		return withVersion(adminBooking{View: b.View(), UserID: b.UserID}, b.Version)
	}
}

// GetTickets serves GET /bookings/{bookingId}/tickets for a confirmed booking.
func GetTickets(svc *booking.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		ts, err := svc.Tickets(ctx, r.Caller.UserID, r.Path("bookingId"))
		if err != nil {
			return Response{}, err
		}
		return OK(map[string]any{"booking_id": r.Path("bookingId"), "tickets": ts})
	}
}

// CheckIn serves POST /admin/events/{eventId}/checkins {"code": "..."}: 200 the first
// time a ticket is scanned, 409 already_checked_in after, 404 for a forged or foreign code.
func CheckIn(svc *booking.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in struct {
			Code string `json:"code"`
		}
		if err := Decode(r, &in); err != nil {
			return Response{}, err
		}
		c, err := svc.CheckIn(ctx, r.Path("eventId"), in.Code, r.Now)
		if err != nil {
			return Response{}, err
		}
		return OK(c)
	}
}

// AdminListBookings serves GET /admin/events/{eventId}/bookings?status=&cursor=&limit=.
func AdminListBookings(svc *booking.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		limit, err := r.Limit(defaultPageSize, maxPageSize)
		if err != nil {
			return Response{}, err
		}
		p, err := svc.EventBookings(ctx, r.Path("eventId"), booking.ListFilter{Status: booking.Status(r.Query("status")), Limit: limit, Cursor: r.Query("cursor")})
		if err != nil {
			return Response{}, err
		}
		out := struct {
			Items      []adminBooking `json:"items"`
			NextCursor string         `json:"next_cursor,omitempty"`
		}{Items: make([]adminBooking, len(p.Items)), NextCursor: p.NextCursor}
		for i := range p.Items {
			out.Items[i] = adminBooking{View: p.Items[i].View(), UserID: p.Items[i].UserID}
		}
		return OK(out)
	}
}

// adminBooking adds the buyer to a booking for admins.
type adminBooking struct {
	booking.View
	UserID string `json:"user_id"`
}

// EventStats serves GET /admin/events/{eventId}/stats.
func EventStats(svc *booking.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		st, err := svc.Stats(ctx, r.Path("eventId"))
		if err != nil {
			return Response{}, err
		}
		return OK(st)
	}
}
