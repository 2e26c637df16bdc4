// Package indexer is the worker behind the index queue: it reads the DynamoDB stream
// records the pipe put on the queue, turns each into the write the search index needs,
// collapses a batch to the newest version per event, and reports the messages it could
// not handle so SQS redelivers only those (and dead-letters them after maxReceiveCount).
package indexer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
	"github.com/bookmyevent/bookmyevent/internal/search"
)

// Decoder reads an event from a stream record's item image.
type Decoder func(image map[string]events.DynamoDBAttributeValue) (catalog.Event, error)

// Index applies changes and says, per change, whether it failed.
type Index interface {
	Apply(ctx context.Context, changes []search.Change) []error
}

// Indexer handles batches from the index queue.
type Indexer struct {
	decode Decoder
	index  Index
}

// New returns an Indexer.
func New(decode Decoder, index Index) *Indexer { return &Indexer{decode: decode, index: index} }

// pending is the newest change seen for one event and every message that asked for it.
type pending struct {
	change   search.Change
	messages []string
	written  time.Time // the oldest stream record's write time, for IndexLag
}

// Handle indexes a batch. It never fails the whole batch for one bad message: a message
// that cannot be parsed, or whose write fails, is reported in BatchItemFailures.
func (ix *Indexer) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var failed []string
	byEvent := map[string]*pending{}
	var order []string
	for _, m := range ev.Records {
		changes, written, err := ix.changesIn(m.Body)
		if err != nil {
			slog.ErrorContext(ctx, "indexer: unreadable message", "message_id", m.MessageId, "error", err)
			failed = append(failed, m.MessageId)
			continue
		}
		for _, c := range changes {
			p := byEvent[c.EventID]
			if p == nil {
				p = &pending{change: c}
				byEvent[c.EventID] = p
				order = append(order, c.EventID)
			} else if c.Version > p.change.Version {
				p.change = c
			}
			p.messages = append(p.messages, m.MessageId)
			if !written.IsZero() && (p.written.IsZero() || written.Before(p.written)) {
				p.written = written
			}
		}
	}
	changes := make([]search.Change, len(order))
	for i, id := range order {
		changes[i] = byEvent[id].change
	}
	for i, err := range ix.index.Apply(ctx, changes) {
		if w := byEvent[changes[i].EventID].written; err == nil && !w.IsZero() {
			metrics.Default().Duration("IndexLag", time.Since(w))
		}
		if err != nil {
			slog.ErrorContext(ctx, "indexer: write failed", "event_id", changes[i].EventID, "version", changes[i].Version, "error", err)
			failed = append(failed, byEvent[changes[i].EventID].messages...)
		}
	}
	slog.InfoContext(ctx, "indexer: batch", "messages", len(ev.Records), "writes", len(changes), "failed_messages", len(failed))
	return response(failed), nil
}

func response(failed []string) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	seen := map[string]bool{}
	for _, id := range failed {
		if !seen[id] {
			seen[id] = true
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
	}
	return resp
}

// changesIn reads one message: a stream record as EventBridge Pipes sends it, or a JSON
// array of them (a pipe batching several records into one target call), and when the
// oldest of them was written (zero when the stream did not say).
func (ix *Indexer) changesIn(body string) ([]search.Change, time.Time, error) {
	var records []events.DynamoDBEventRecord
	b := bytes.TrimSpace([]byte(body))
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &records); err != nil {
			return nil, time.Time{}, fmt.Errorf("not a list of stream records: %w", err)
		}
	} else {
		var r events.DynamoDBEventRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, time.Time{}, fmt.Errorf("not a stream record: %w", err)
		}
		records = []events.DynamoDBEventRecord{r}
	}
	var out []search.Change
	var written time.Time
	for _, r := range records {
		c, ok, err := ix.changeFor(r)
		if err != nil {
			return nil, time.Time{}, err
		}
		if ok {
			out = append(out, c)
		}
		if t := r.Change.ApproximateCreationDateTime.Time; !t.IsZero() && t.Unix() > 0 && (written.IsZero() || t.Before(written)) {
			written = t
		}
	}
	return out, written, nil
}

// changeFor is the index write one stream record calls for (ok false: none, a draft).
func (ix *Indexer) changeFor(r events.DynamoDBEventRecord) (search.Change, bool, error) {
	switch r.EventName {
	case "INSERT", "MODIFY":
		e, err := ix.decode(r.Change.NewImage)
		if err != nil {
			return search.Change{}, false, fmt.Errorf("record %s: %w", r.EventID, err)
		}
		if e.ID == "" || e.Version < 1 {
			return search.Change{}, false, fmt.Errorf("record %s: no event id or version", r.EventID)
		}
		c, ok := search.ChangeFor(e)
		return c, ok, nil
	case "REMOVE":
		e, err := ix.decode(r.Change.OldImage)
		if err != nil {
			return search.Change{}, false, fmt.Errorf("record %s: %w", r.EventID, err)
		}
		if e.ID == "" {
			return search.Change{}, false, fmt.Errorf("record %s: no event id", r.EventID)
		}
		// The deleted item's version is the last one written; its removal comes after it.
		return search.Removal(e.ID, e.Version+1), true, nil
	}
	return search.Change{}, false, errors.New("unknown stream event name " + fmt.Sprintf("%q", r.EventName))
}
