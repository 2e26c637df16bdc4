package catalog

import (
	"context"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// publicStore records the filter the service hands the store.
type publicStore struct {
	Store
	got   *PublicFilter
	calls int
}

func (s *publicStore) ListPublished(_ context.Context, f PublicFilter) (Page[Event], error) {
	s.calls++
	s.got = &f
	return Page[Event]{}, nil
}

func TestListPublishedWindow(t *testing.T) {
	cases := []struct {
		name       string
		from, to   time.Time
		wantFrom   time.Time
		wantCode   fault.Code
		wantsStore bool
	}{
		{"no bounds starts now", time.Time{}, time.Time{}, now, "", true},
		{"past from is raised to now", now.Add(-time.Hour), now.Add(time.Hour), now, "", true},
		{"future from is kept", now.Add(time.Hour), time.Time{}, now.Add(time.Hour), "", true},
		{"to before from", now.Add(2 * time.Hour), now.Add(time.Hour), time.Time{}, fault.Validation, false},
		{"window in the past is empty", now.Add(-2 * time.Hour), now.Add(-time.Hour), time.Time{}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			store := &publicStore{}
			svc := NewService(store, func() time.Time { return now })
			page, err := svc.ListPublished(context.Background(), PublicFilter{From: c.from, To: c.to, Limit: 10})
			if c.wantCode != "" {
				if !fault.Is(err, c.wantCode) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || (store.calls == 1) != c.wantsStore {
				t.Fatalf("err %v, store calls %d", err, store.calls)
			}
			if c.wantsStore && !store.got.From.Equal(c.wantFrom) {
				t.Fatalf("from = %s, want %s", store.got.From, c.wantFrom)
			}
			if !c.wantsStore && page.Items == nil {
				t.Fatal("an empty page must list no items, not null")
			}
		})
	}
}
