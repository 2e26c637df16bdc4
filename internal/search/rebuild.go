package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
)

// EventLister lists every event, whatever its status, page by page (the table does).
type EventLister interface {
	ListEvents(ctx context.Context, f catalog.EventFilter) (catalog.Page[catalog.Event], error)
}

// rebuildPage is how many events one table page and one bulk request carry.
const rebuildPage = 500

// RebuildStats says what a rebuild did.
type RebuildStats struct {
	Index    string        `json:"index"`
	Events   int           `json:"events"`  // events read from the table
	Written  int           `json:"written"` // documents and tombstones written
	Duration time.Duration `json:"-"`
}

// Rebuild fills a fresh index from the table and swaps the alias to it atomically, so
// searches keep answering from the old index meanwhile; then it drops the old index. It
// also recreates a deleted index. The indexer keeps writing to the alias during the load,
// so a second pass through the alias catches what changed meanwhile; external versioning
// makes writing an event twice harmless.
func (ix *Index) Rebuild(ctx context.Context, src EventLister) (RebuildStats, error) {
	start := time.Now()
	name := indexName(ix.alias, start.UnixMilli())
	if err := ix.createIndex(ctx, name); err != nil {
		return RebuildStats{}, err
	}
	stats := RebuildStats{Index: name}
	if err := ix.load(ctx, src, name, false, &stats); err != nil {
		ix.drop(ctx, []string{name})
		return stats, err
	}
	old, err := ix.aliasTargets(ctx)
	if err != nil {
		return stats, err
	}
	if err := ix.swapAlias(ctx, old, name); err != nil {
		return stats, err
	}
	ix.ensureMu.Lock()
	ix.ensured = true
	ix.ensureMu.Unlock()
	if err := ix.load(ctx, src, ix.alias, true, &RebuildStats{}); err != nil {
		return stats, err
	}
	ix.drop(ctx, old)
	stats.Duration = time.Since(start)
	return stats, ix.Refresh(ctx)
}

func (ix *Index) load(ctx context.Context, src EventLister, index string, requireAlias bool, stats *RebuildStats) error {
	cursor := ""
	for {
		page, err := src.ListEvents(ctx, catalog.EventFilter{Cursor: cursor, Limit: rebuildPage})
		if err != nil {
			return fmt.Errorf("search: read events: %w", err)
		}
		var changes []Change
		for _, e := range page.Items {
			if c, ok := ChangeFor(e); ok {
				changes = append(changes, c)
			}
		}
		stats.Events += len(page.Items)
		if len(changes) > 0 {
			errs, err := ix.bulk(ctx, index, requireAlias, changes)
			if err != nil {
				return err
			}
			for _, err := range errs {
				// Superseded: the indexer wrote a newer change meanwhile (the second pass).
				if err != nil && !errors.Is(err, ErrSuperseded) {
					return err
				}
			}
			stats.Written += len(changes)
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}

// drop deletes indices; a leftover only costs disk, so failures are ignored.
func (ix *Index) drop(ctx context.Context, names []string) {
	if len(names) > 0 {
		_, _ = ix.api.Indices.Delete(ctx, opensearchapi.IndicesDeleteReq{Indices: names})
	}
}
