package api

import (
	"context"
	"net/http"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
)

// List sizes for every catalogue list.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// CreateVenue serves POST /admin/venues. An Idempotency-Key makes retries safe: the same
// key and body return the venue the first attempt created.
func CreateVenue(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in catalog.VenueInput
		if err := Decode(r, &in); err != nil {
			return Response{}, err
		}
		v, err := svc.CreateVenue(ctx, r.Caller.UserID, r.Header("Idempotency-Key"), in)
		if err != nil {
			return Response{}, err
		}
		return created(v, v.Version, "/admin/venues/"+v.ID)
	}
}

// ListVenues serves GET /admin/venues?city=&q=&cursor=&limit=.
func ListVenues(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		limit, err := r.Limit(defaultPageSize, maxPageSize)
		if err != nil {
			return Response{}, err
		}
		page, err := svc.ListVenues(ctx, catalog.VenueFilter{
			City: r.Query("city"), Query: r.Query("q"), Cursor: r.Query("cursor"), Limit: limit})
		if err != nil {
			return Response{}, err
		}
		return OK(page)
	}
}

// GetVenue serves GET /admin/venues/{venueId}.
func GetVenue(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		v, err := svc.GetVenue(ctx, r.Path("venueId"))
		if err != nil {
			return Response{}, err
		}
		return withVersion(v, v.Version)
	}
}

// UpdateVenue serves PATCH /admin/venues/{venueId}; If-Match carries the version read.
func UpdateVenue(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		version, err := r.IfMatch()
		if err != nil {
			return Response{}, err
		}
		var p catalog.VenuePatch
		if err := Decode(r, &p); err != nil {
			return Response{}, err
		}
		v, err := svc.UpdateVenue(ctx, r.Path("venueId"), version, p)
		if err != nil {
			return Response{}, err
		}
		return withVersion(v, v.Version)
	}
}

// DeleteVenue serves DELETE /admin/venues/{venueId}: 204, or 409 venue_in_use.
func DeleteVenue(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		if err := svc.DeleteVenue(ctx, r.Path("venueId")); err != nil {
			return Response{}, err
		}
		return Response{Status: http.StatusNoContent}, nil
	}
}

// withVersion answers 200 with the item's version as its ETag, ready for If-Match.
func withVersion(body any, version int64) (Response, error) {
	return Response{Status: http.StatusOK, Body: body, Headers: map[string]string{"ETag": ETag(version)}}, nil
}

func created(body any, version int64, location string) (Response, error) {
	return Response{Status: http.StatusCreated, Body: body,
		Headers: map[string]string{"ETag": ETag(version), "Location": location}}, nil
}
