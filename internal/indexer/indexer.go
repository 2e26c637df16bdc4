// Package indexer is the worker behind the index queue: it reads the DynamoDB stream
// records the pipe put on the queue, turns each into the write the search index needs
// (a sharded event's from a fresh read of its shards, since no one record holds its
// seats), collapses a batch to one write per event, and reports the messages it could
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

// ShardOf names the event whose inventory shard a stream record's keys are (ok false:
// another item's).
type ShardOf func(keys map[string]events.DynamoDBAttributeValue) (eventID string, ok bool)

// Events reads an event as it is now: consistently, with its shards' counters summed.
type Events interface {
	GetEvent(ctx context.Context, id string) (catalog.Event, error)
}

// Index applies changes and says, per change, whether it failed.
type Index interface {
	Apply(ctx context.Context, changes []search.Change) []error
}

// Indexer handles batches from the index queue.
type Indexer struct {
	decode  Decoder
	shardOf ShardOf
	events  Events
	index   Index
}

// New returns an Indexer.
func New(decode Decoder, shardOf ShardOf, events Events, index Index) *Indexer {
	return &Indexer{decode: decode, shardOf: shardOf, events: events, index: index}
}

// maxRereads bounds how often a sharded event is read again in one batch because the
// index held a document as new as the one just made (see settle).
const maxRereads = 3

// pending is the newest change seen for one event and every message that asked for it.
type pending struct {
	change search.Change
	// reread: the event is sharded, so its document is made from a fresh read of the
	// event and its shards rather than from any record's image: no one record holds its
	// seats, and its event item's counters are frozen at publication.
	reread   bool
	messages []string
	written  time.Time // the oldest stream record's write time, for IndexLag
}

// subject is what one stream record asks of the index: a change made from its image,
// or (reread) a fresh document for the event.
type subject struct {
	change search.Change
	reread bool
}

// Handle indexes a batch. It never fails the whole batch for one bad message: a message
// that cannot be parsed, or whose write fails, is reported in BatchItemFailures.
func (ix *Indexer) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var failed []string
	byEvent := map[string]*pending{}
	var order []string
	for _, m := range ev.Records {
		subjects, written, err := ix.subjectsIn(m.Body)
		if err != nil {
			slog.ErrorContext(ctx, "indexer: unreadable message", "message_id", m.MessageId, "error", err)
			failed = append(failed, m.MessageId)
			continue
		}
		for _, s := range subjects {
			p := byEvent[s.change.EventID]
			if p == nil {
				p = &pending{change: s.change}
				byEvent[s.change.EventID] = p
				order = append(order, s.change.EventID)
			} else if s.change.Version > p.change.Version {
				p.change = s.change
			}
			p.reread = p.reread || s.reread
			p.messages = append(p.messages, m.MessageId)
			if !written.IsZero() && (p.written.IsZero() || written.Before(p.written)) {
				p.written = written
			}
		}
	}
	var changes []search.Change
	for _, id := range order {
		p := byEvent[id]
		if p.reread {
			c, ok, err := ix.current(ctx, id)
			if err != nil {
				slog.ErrorContext(ctx, "indexer: read failed", "event_id", id, "error", err)
				failed = append(failed, p.messages...)
				continue
			}
			if !ok {
				continue
			}
			p.change = c
		}
		changes = append(changes, p.change)
	}
	for i, err := range ix.settle(ctx, changes, byEvent) {
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

// settle applies changes and returns each one's outcome (nil: the index is as new as
// the change). A change made from an image is done when the index holds its version or a
// newer one. A reread one is not yet: its version (StateVersion, a sum) may have been
// reached by a concurrent batch's read that missed the write this batch was sent for, on
// one shard, while seeing later writes on others. So the event is read again: the
// same version means nothing was written since, and the stored document, read before
// it was stored, hence before this read, holds exactly that state; a higher one is
// written. After maxRereads the messages fail and come back.
func (ix *Indexer) settle(ctx context.Context, changes []search.Change, byEvent map[string]*pending) []error {
	errs := ix.index.Apply(ctx, changes)
	for range maxRereads {
		var again []search.Change
		var at []int
		for i, err := range errs {
			if !errors.Is(err, search.ErrSuperseded) || !byEvent[changes[i].EventID].reread {
				continue
			}
			c, ok, err := ix.current(ctx, changes[i].EventID)
			switch {
			case err != nil:
				errs[i] = err
			case !ok || c.Version <= changes[i].Version:
				errs[i] = nil
			default:
				changes[i] = c
				again, at = append(again, c), append(at, i)
			}
		}
		if len(again) == 0 {
			break
		}
		for j, err := range ix.index.Apply(ctx, again) {
			errs[at[j]] = err
		}
	}
	for i, err := range errs {
		if errors.Is(err, search.ErrSuperseded) && !byEvent[changes[i].EventID].reread {
			errs[i] = nil
		}
	}
	return errs
}

// current is the write a sharded event's state now calls for (ok false: none, a draft).
func (ix *Indexer) current(ctx context.Context, id string) (search.Change, bool, error) {
	e, err := ix.events.GetEvent(ctx, id)
	if err != nil {
		return search.Change{}, false, err
	}
	c, ok := search.ChangeFor(e)
	return c, ok, nil
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

// subjectsIn reads one message: a stream record as EventBridge Pipes sends it, or a JSON
// array of them (a pipe batching several records into one target call), and when the
// oldest of them was written (zero when the stream did not say).
func (ix *Indexer) subjectsIn(body string) ([]subject, time.Time, error) {
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
	var out []subject
	var written time.Time
	for _, r := range records {
		s, ok, err := ix.subjectOf(r)
		if err != nil {
			return nil, time.Time{}, err
		}
		if ok {
			out = append(out, s)
		}
		if t := r.Change.ApproximateCreationDateTime.Time; !t.IsZero() && t.Unix() > 0 && (written.IsZero() || t.Before(written)) {
			written = t
		}
	}
	return out, written, nil
}

// subjectOf is what one stream record asks of the index (ok false: nothing, a draft).
func (ix *Indexer) subjectOf(r events.DynamoDBEventRecord) (subject, bool, error) {
	if id, ok := ix.shardOf(r.Change.Keys); ok {
		return subject{change: search.Change{EventID: id}, reread: true}, true, nil
	}
	switch r.EventName {
	case "INSERT", "MODIFY":
		e, err := ix.decode(r.Change.NewImage)
		if err != nil {
			return subject{}, false, fmt.Errorf("record %s: %w", r.EventID, err)
		}
		if e.ID == "" || e.Version < 1 {
			return subject{}, false, fmt.Errorf("record %s: no event id or version", r.EventID)
		}
		if e.Sharded() {
			return subject{change: search.Change{EventID: e.ID}, reread: true}, true, nil
		}
		c, ok := search.ChangeFor(e)
		return subject{change: c}, ok, nil
	case "REMOVE":
		e, err := ix.decode(r.Change.OldImage)
		if err != nil {
			return subject{}, false, fmt.Errorf("record %s: %w", r.EventID, err)
		}
		if e.ID == "" {
			return subject{}, false, fmt.Errorf("record %s: no event id", r.EventID)
		}
		// The deleted item's version is the last one written; its removal comes after it.
		return subject{change: search.Removal(e.ID, e.Version+1)}, true, nil
	}
	return subject{}, false, errors.New("unknown stream event name " + fmt.Sprintf("%q", r.EventName))
}
