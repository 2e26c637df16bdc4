package api

import (
	"context"

	"github.com/bookmyevent/bookmyevent/internal/search"
)

// SearchEvents serves GET /events/search.
func SearchEvents(ix *search.Index) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		q, err := search.ParseQuery(r.Query, r.Now)
		if err != nil {
			return Response{}, err
		}
		ctx, cancel := context.WithTimeout(ctx, ix.CallTimeout())
		defer cancel()
		res, err := ix.Search(ctx, q)
		if err != nil {
			return Response{}, err
		}
		return OK(res)
	}
}

// SuggestEvents serves GET /events/suggest.
func SuggestEvents(ix *search.Index) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		prefix, limit, err := search.ParseSuggest(r.Query)
		if err != nil {
			return Response{}, err
		}
		ctx, cancel := context.WithTimeout(ctx, ix.CallTimeout())
		defer cancel()
		s, err := ix.Suggest(ctx, prefix, limit)
		if err != nil {
			return Response{}, err
		}
		return OK(map[string]any{"suggestions": s})
	}
}

// ReindexEvents serves POST /admin/search/reindex: rebuild the index from the table and
// swap the alias to it.
func ReindexEvents(ix *search.Index, events search.EventLister) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		stats, err := ix.Rebuild(ctx, events)
		if err != nil {
			return Response{}, err
		}
		return OK(map[string]any{
			"index": stats.Index, "events": stats.Events, "written": stats.Written,
			"duration_ms": stats.Duration.Milliseconds(),
		})
	}
}
