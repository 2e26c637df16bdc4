package api

import (
	"context"
	"net/http"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

type waitlistPage struct {
	Items      []waitlist.View `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// JoinWaitlist serves POST /events/{eventId}/waitlist {"quantity": n, "ticket_type_id"}
// (no type: any type): 201 with the new
// entry, or 200 with the user's entry already in line (one active entry per event).
func JoinWaitlist(svc *waitlist.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in struct {
			Quantity     int    `json:"quantity"`
			TicketTypeID string `json:"ticket_type_id"`
		}
		if err := Decode(r, &in); err != nil {
			return Response{}, err
		}
		v, created, err := svc.Join(booking.WithBuyerEmail(ctx, r.Caller.Email), r.Caller.UserID, r.Path("eventId"), in.TicketTypeID, in.Quantity, r.Now)
		if err != nil {
			return Response{}, err
		}
		if created {
			recorder.Count("WaitlistJoins", 1)
			return Created(v)
		}
		return Response{Status: http.StatusOK, Body: v}, nil
	}
}

// MyWaitlistEntry serves GET /events/{eventId}/waitlist/me: status, position, offer.
func MyWaitlistEntry(svc *waitlist.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		v, err := svc.Me(ctx, r.Caller.UserID, r.Path("eventId"))
		if err != nil {
			return Response{}, err
		}
		return OK(v)
	}
}

// LeaveWaitlist serves DELETE /events/{eventId}/waitlist/me; leaving with an offer open
// declines it. Leaving twice is harmless.
func LeaveWaitlist(svc *waitlist.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		v, err := svc.Leave(ctx, r.Caller.UserID, r.Path("eventId"), r.Now)
		if err != nil {
			return Response{}, err
		}
		return OK(v)
	}
}

// ListMyWaitlist serves GET /me/waitlist: the user's entries, newest first.
func ListMyWaitlist(svc *waitlist.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		limit, err := r.Limit(defaultPageSize, maxPageSize)
		if err != nil {
			return Response{}, err
		}
		items, next, err := svc.Mine(ctx, r.Caller.UserID, limit, r.Query("cursor"))
		if err != nil {
			return Response{}, err
		}
		return OK(waitlistPage{Items: items, NextCursor: next})
	}
}

// AdminListWaitlist serves GET /admin/events/{eventId}/waitlist: every entry in join order.
func AdminListWaitlist(svc *waitlist.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		limit, err := r.Limit(defaultPageSize, maxPageSize)
		if err != nil {
			return Response{}, err
		}
		items, next, err := svc.ForEvent(ctx, r.Path("eventId"), limit, r.Query("cursor"))
		if err != nil {
			return Response{}, err
		}
		return OK(waitlistPage{Items: items, NextCursor: next})
	}
}
