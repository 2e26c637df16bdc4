package api

import (
	"context"
	"net/http"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/promo"
)

// adminType is a type as the admin routes answer it: its definition and counters.
func adminType(t catalog.TicketType) catalog.AdminType {
	return catalog.AdminType{TicketType: t, TypeCounters: t.Counters}
}

// CreateTicketType serves POST /admin/events/{eventId}/ticket-types. Idempotency-Key as
// for events.
func CreateTicketType(svc *catalog.TypeService) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in catalog.TicketTypeInput
		if err := Decode(r, &in); err != nil {
			return Response{}, err
		}
		eventID := r.Path("eventId")
		t, err := svc.CreateTicketType(ctx, r.Caller.UserID, r.Header("Idempotency-Key"), eventID, in)
		if err != nil {
			return Response{}, err
		}
		return created(adminType(t), t.Version, "/admin/events/"+eventID+"/ticket-types/"+t.ID)
	}
}

// UpdateTicketType serves PATCH /admin/events/{eventId}/ticket-types/{typeId}; If-Match
// carries the type's version.
func UpdateTicketType(svc *catalog.TypeService) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		version, err := r.IfMatch()
		if err != nil {
			return Response{}, err
		}
		var p catalog.TicketTypePatch
		if err := Decode(r, &p); err != nil {
			return Response{}, err
		}
		t, err := svc.UpdateTicketType(ctx, r.Path("eventId"), r.Path("typeId"), version, p)
		if err != nil {
			return Response{}, err
		}
		return withVersion(adminType(t), t.Version)
	}
}

// DeleteTicketType serves DELETE /admin/events/{eventId}/ticket-types/{typeId}; If-Match
// carries the type's version. 204, or 409 while seats of the type are taken.
func DeleteTicketType(svc *catalog.TypeService) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		version, err := r.IfMatch()
		if err != nil {
			return Response{}, err
		}
		if err := svc.DeleteTicketType(ctx, r.Path("eventId"), r.Path("typeId"), version); err != nil {
			return Response{}, err
		}
		return Response{Status: http.StatusNoContent}, nil
	}
}

// CreatePromoCode serves POST /admin/events/{eventId}/promo-codes. The code is its own
// key; Idempotency-Key makes a retry get the code the first attempt created.
func CreatePromoCode(svc *promo.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in promo.Input
		if err := Decode(r, &in); err != nil {
			return Response{}, err
		}
		eventID := r.Path("eventId")
		c, err := svc.Create(ctx, r.Caller.UserID, r.Header("Idempotency-Key"), eventID, in)
		if err != nil {
			return Response{}, err
		}
		return created(c, c.Rev, "/admin/events/"+eventID+"/promo-codes/"+c.Code)
	}
}

// ListPromoCodes serves GET /admin/events/{eventId}/promo-codes?cursor=&limit=, by code.
func ListPromoCodes(svc *promo.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		limit, err := r.Limit(defaultPageSize, maxPageSize)
		if err != nil {
			return Response{}, err
		}
		page, err := svc.List(ctx, r.Path("eventId"), r.Query("cursor"), limit)
		if err != nil {
			return Response{}, err
		}
		return OK(page)
	}
}

// GetPromoCode serves GET /admin/events/{eventId}/promo-codes/{code} (any case). The ETag
// is the code's rev, which If-Match compares: uses do not move it.
func GetPromoCode(svc *promo.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		c, err := svc.Get(ctx, r.Path("eventId"), r.Path("code"))
		if err != nil {
			return Response{}, err
		}
		return withVersion(c, c.Rev)
	}
}

// UpdatePromoCode serves PATCH /admin/events/{eventId}/promo-codes/{code}; If-Match
// carries the code's rev.
func UpdatePromoCode(svc *promo.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		rev, err := r.IfMatch()
		if err != nil {
			return Response{}, err
		}
		var p promo.Patch
		if err := Decode(r, &p); err != nil {
			return Response{}, err
		}
		c, err := svc.Update(ctx, r.Path("eventId"), r.Path("code"), rev, p)
		if err != nil {
			return Response{}, err
		}
		return withVersion(c, c.Rev)
	}
}

// DeletePromoCode serves DELETE /admin/events/{eventId}/promo-codes/{code}; If-Match
// carries the code's rev. The delete is soft: holds made with the code keep it.
func DeletePromoCode(svc *promo.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		rev, err := r.IfMatch()
		if err != nil {
			return Response{}, err
		}
		if err := svc.Delete(ctx, r.Path("eventId"), r.Path("code"), rev); err != nil {
			return Response{}, err
		}
		return Response{Status: http.StatusNoContent}, nil
	}
}
