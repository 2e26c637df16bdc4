package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
)

// CreateEvent serves POST /admin/events: a new draft. Idempotency-Key as for venues.
func CreateEvent(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		var in catalog.EventInput
		if err := Decode(r, &in); err != nil {
			return Response{}, err
		}
		e, err := svc.CreateEvent(ctx, r.Caller.UserID, r.Header("Idempotency-Key"), in)
		if err != nil {
			return Response{}, err
		}
		return created(e.ForAdmin(), e.Version, "/admin/events/"+e.ID)
	}
}

// AdminListEvents serves GET /admin/events?status=&cursor=&limit=, newest first.
func AdminListEvents(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		limit, err := r.Limit(defaultPageSize, maxPageSize)
		if err != nil {
			return Response{}, err
		}
		page, err := svc.ListEvents(ctx, catalog.EventFilter{
			Status: catalog.Status(r.Query("status")), Cursor: r.Query("cursor"), Limit: limit})
		if err != nil {
			return Response{}, err
		}
		out := catalog.Page[catalog.AdminEvent]{Items: make([]catalog.AdminEvent, len(page.Items)), NextCursor: page.NextCursor}
		for i, e := range page.Items {
			out.Items[i] = e.ForAdmin()
		}
		return OK(out)
	}
}

// AdminGetEvent serves GET /admin/events/{eventId} in any status.
func AdminGetEvent(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		e, err := svc.GetEvent(ctx, r.Path("eventId"))
		if err != nil {
			return Response{}, err
		}
		return withVersion(e.ForAdmin(), e.Version)
	}
}

// UpdateEvent serves PATCH /admin/events/{eventId}; If-Match carries the version read.
func UpdateEvent(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		version, err := r.IfMatch()
		if err != nil {
			return Response{}, err
		}
		var p catalog.EventPatch
		if err := Decode(r, &p); err != nil {
			return Response{}, err
		}
		e, err := svc.UpdateEvent(ctx, r.Path("eventId"), version, p)
		if err != nil {
			return Response{}, err
		}
		return withVersion(e.ForAdmin(), e.Version)
	}
}

// PublishEvent serves POST /admin/events/{eventId}/publish; If-Match is optional.
func PublishEvent(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		version, err := optionalIfMatch(r)
		if err != nil {
			return Response{}, err
		}
		e, err := svc.Publish(ctx, r.Path("eventId"), version)
		if err != nil {
			return Response{}, err
		}
		recorder.Count("SeatsCapacity", float64(e.Capacity))
		r.Annotate("event_id", e.ID)
		return withVersion(e.ForAdmin(), e.Version)
	}
}

// CancelEvent serves POST /admin/events/{eventId}/cancel; If-Match is optional.
func CancelEvent(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		version, err := optionalIfMatch(r)
		if err != nil {
			return Response{}, err
		}
		e, err := svc.Cancel(ctx, r.Path("eventId"), version)
		if err != nil {
			return Response{}, err
		}
		return withVersion(e.ForAdmin(), e.Version)
	}
}

// optionalIfMatch is the If-Match version, or 0 when the header is absent.
func optionalIfMatch(r *Request) (int64, error) {
	if r.Header("If-Match") == "" {
		return 0, nil
	}
	return r.IfMatch()
}

// ListEvents serves GET /events?city=&category=&from=&to=&cursor=&limit=: upcoming
// published events by start time.
func ListEvents(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		limit, err := r.Limit(defaultPageSize, maxPageSize)
		if err != nil {
			return Response{}, err
		}
		from, err := r.Time("from")
		if err != nil {
			return Response{}, err
		}
		to, err := r.Time("to")
		if err != nil {
			return Response{}, err
		}
		page, err := svc.ListPublished(ctx, catalog.PublicFilter{
			City: r.Query("city"), Category: r.Query("category"), From: from, To: to,
			Cursor: r.Query("cursor"), Limit: limit})
		if err != nil {
			return Response{}, err
		}
		return OK(page)
	}
}

// GetEvent serves GET /events/{eventId}?promo_code=: published and cancelled events;
// drafts are 404. A code lists the hidden types it unlocks, and its rev joins the ETag.
func GetEvent(svc *catalog.Service) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		e, rev, err := svc.PublicEventWithCode(ctx, r.Path("eventId"), r.Query("promo_code"))
		if err != nil {
			return Response{}, err
		}
		return Response{Status: http.StatusOK, Body: e, Headers: map[string]string{"ETag": publicETag(e.Version, e.InventoryVersion, rev)}}, nil
	}
}

// publicETag is the ETag of a public read: the event's version; a sharded event's
// inventory version after a dot (its seats move on the shards, not on the event item,
// and the two are kept apart so reads of different replicas cannot add up to one tag);
// and the rev of the promo code that unlocked types after a dash (the web app reads the
// dash), so the tag differs per code and moves when the code is edited.
func publicETag(version, inventory, codeRev int64) string {
	tag := strconv.FormatInt(version, 10)
	if inventory > 0 {
		tag += "." + strconv.FormatInt(inventory, 10)
	}
	if codeRev > 0 {
		tag += "-" + strconv.FormatInt(codeRev, 10)
	}
	return `"` + tag + `"`
}

// ifNoneMatch reports whether If-None-Match names the tag (or is *).
func ifNoneMatch(r *Request, tag string) bool {
	want := strings.Trim(tag, `"`)
	for _, t := range strings.Split(r.Header("If-None-Match"), ",") {
		t = strings.Trim(strings.TrimPrefix(strings.TrimSpace(t), "W/"), `"`)
		if t == want || t == "*" {
			return true
		}
	}
	return false
}

// GetAvailability serves GET /events/{eventId}/availability from the per-instance cache.
// The ETag is the event's version (and its shards'), so a client polling with If-None-Match gets a bodiless
// 304 until a seat moves; Cache-Control lets browsers and CDNs hold it as long as the
// instance itself may.
func GetAvailability(reader *catalog.AvailabilityReader, maxAge time.Duration) Handler {
	cacheControl := fmt.Sprintf("public, max-age=%d", max(int(maxAge/time.Second), 1))
	return func(ctx context.Context, r *Request) (Response, error) {
		a, err := reader.GetWithCode(ctx, r.Path("eventId"), r.Query("promo_code"))
		if err != nil {
			return Response{}, err
		}
		tag := publicETag(a.Version, a.InventoryVersion, a.CodeRev)
		headers := map[string]string{"ETag": tag, "Cache-Control": cacheControl}
		if ifNoneMatch(r, tag) {
			return Response{Status: http.StatusNotModified, Headers: headers}, nil
		}
		return Response{Status: http.StatusOK, Body: a, Headers: headers}, nil
	}
}
