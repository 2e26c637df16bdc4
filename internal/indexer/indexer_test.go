package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/search"
)

// fakeDecode reads the four attributes the rules below look at.
func fakeDecode(img map[string]events.DynamoDBAttributeValue) (catalog.Event, error) {
	if _, ok := img["event_id"]; !ok {
		return catalog.Event{}, errors.New("no event_id")
	}
	v, _ := strconv.ParseInt(img["version"].Number(), 10, 64)
	n := 0
	if s, ok := img["inventory_shards"]; ok {
		n, _ = strconv.Atoi(s.Number())
	}
	return catalog.Event{ID: img["event_id"].String(), Status: catalog.Status(img["status"].String()), Version: v, InventoryShards: n}, nil
}

// recorder is an Index that keeps what it was asked to write, fails chosen ids, and
// answers superseded[id] times that it holds a newer document.
type recorder struct {
	applied    []search.Change
	fail       map[string]bool
	superseded map[string]int
}

func (r *recorder) Apply(_ context.Context, changes []search.Change) []error {
	errs := make([]error, len(changes))
	for i, c := range changes {
		r.applied = append(r.applied, c)
		switch {
		case r.fail[c.EventID]:
			errs[i] = errors.New("boom")
		case r.superseded[c.EventID] > 0:
			r.superseded[c.EventID]--
			errs[i] = search.ErrSuperseded
		}
	}
	return errs
}

// table is the Events of sharded events: each read of an event answers the next of its
// StateVersions (the last one again once they run out), or fails.
type table struct {
	versions map[string][]int64
	fail     map[string]bool
	reads    map[string]int
}

func (tb *table) GetEvent(_ context.Context, id string) (catalog.Event, error) {
	if tb.reads == nil {
		tb.reads = map[string]int{}
	}
	tb.reads[id]++
	vs := tb.versions[id]
	if tb.fail[id] || len(vs) == 0 {
		return catalog.Event{}, errors.New("read failed")
	}
	v := vs[min(tb.reads[id], len(vs))-1]
	// 4 shards written once each at publication, on top of the event item's version.
	return catalog.Event{ID: id, Status: catalog.Published, Version: 2, InventoryShards: 4, InventoryVersion: v - 2, Available: 7}, nil
}

// shardRecord is a stream record of a write to one of event id's shard items.
func shardRecord(id string, k int) events.DynamoDBEventRecord {
	keys := map[string]events.DynamoDBAttributeValue{
		"pk": events.NewStringAttribute(fmt.Sprintf("EVENT#%s#INV#%d", id, k)), "sk": events.NewStringAttribute("INV")}
	return events.DynamoDBEventRecord{EventID: fmt.Sprint("shard", id, k), EventName: "MODIFY", EventSource: "aws:dynamodb",
		Change: events.DynamoDBStreamRecord{Keys: keys, NewImage: keys}}
}

// shardedRecord is a stream record of a sharded event's item.
func shardedRecord(id string, version int) events.DynamoDBEventRecord {
	r := record("MODIFY", id, "published", version)
	r.Change.NewImage["inventory_shards"] = events.NewNumberAttribute("4")
	return r
}

func record(name, id, status string, version int) events.DynamoDBEventRecord {
	img := map[string]events.DynamoDBAttributeValue{
		"event_id": events.NewStringAttribute(id),
		"status":   events.NewStringAttribute(status),
		"version":  events.NewNumberAttribute(strconv.Itoa(version)),
	}
	r := events.DynamoDBEventRecord{EventID: fmt.Sprint(name, id, version), EventName: name, EventSource: "aws:dynamodb"}
	if name == "REMOVE" {
		r.Change.OldImage = img
	} else {
		r.Change.NewImage = img
	}
	return r
}

func body(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		bodies     []string
		fail       map[string]bool
		wantWrites map[string]int64 // event id -> version written
		wantStatus map[string]catalog.Status
		wantFailed []string // message ids (m<index>)
		table      table
		superseded map[string]int
		wantReads  map[string]int
	}{
		{
			name: "a batch collapses to the newest version per event, whatever the order",
			bodies: []string{
				body(record("MODIFY", "a", "published", 3)), body(record("MODIFY", "a", "published", 5)),
				body(record("MODIFY", "a", "published", 4)), body(record("MODIFY", "b", "published", 1)),
			},
			wantWrites: map[string]int64{"a": 5, "b": 1},
		},
		{
			name:       "drafts need no write",
			bodies:     []string{body(record("INSERT", "d", "draft", 1))},
			wantWrites: map[string]int64{},
		},
		{
			name:       "cancelled and removed events become tombstones",
			bodies:     []string{body(record("MODIFY", "c", "cancelled", 7)), body(record("REMOVE", "r", "published", 2))},
			wantWrites: map[string]int64{"c": 7, "r": 3},
			wantStatus: map[string]catalog.Status{"c": catalog.Cancelled, "r": catalog.Cancelled},
		},
		{
			name:       "a poisoned message fails alone",
			bodies:     []string{"not json", body(record("MODIFY", "a", "published", 2)), body(record("MODIFY", "x", "published", 1))[:20]},
			wantWrites: map[string]int64{"a": 2},
			wantFailed: []string{"m0", "m2"},
		},
		{
			name:       "a record without an item fails its message",
			bodies:     []string{`{"eventName":"MODIFY","dynamodb":{"NewImage":{"name":{"S":"x"}}}}`},
			wantWrites: map[string]int64{},
			wantFailed: []string{"m0"},
		},
		{
			name:       "a failed write fails every message that asked for it",
			bodies:     []string{body(record("MODIFY", "a", "published", 2)), body(record("MODIFY", "a", "published", 3)), body(record("MODIFY", "b", "published", 1))},
			fail:       map[string]bool{"a": true},
			wantWrites: map[string]int64{"a": 3, "b": 1},
			wantFailed: []string{"m0", "m1"},
		},
		{
			name:       "a message holding a list of records",
			bodies:     []string{body([]events.DynamoDBEventRecord{record("MODIFY", "a", "published", 2), record("MODIFY", "b", "published", 9)})},
			wantWrites: map[string]int64{"a": 2, "b": 9},
		},
		{
			name: "a sharded event's records, its shards' and its item's, collapse to one read and one write of its state now",
			bodies: []string{
				body(shardRecord("s", 0)), body(shardRecord("s", 3)), body(shardedRecord("s", 2)),
				body([]events.DynamoDBEventRecord{shardRecord("s", 1), record("MODIFY", "a", "published", 2)}),
			},
			table:      table{versions: map[string][]int64{"s": {40}}},
			wantWrites: map[string]int64{"s": 40, "a": 2},
			wantReads:  map[string]int{"s": 1},
		},
		{
			name: "a sharded draft is written from its image: nothing",
			bodies: []string{body(func() events.DynamoDBEventRecord {
				r := shardedRecord("d", 1)
				r.Change.NewImage["status"] = events.NewStringAttribute("draft")
				return r
			}())},
			wantWrites: map[string]int64{},
		},
		{
			name:       "a failed read fails the messages that asked for the event, and only those",
			bodies:     []string{body(shardRecord("s", 0)), body(record("MODIFY", "a", "published", 2)), body(shardRecord("s", 1))},
			table:      table{fail: map[string]bool{"s": true}},
			wantWrites: map[string]int64{"a": 2},
			wantFailed: []string{"m0", "m2"},
			wantReads:  map[string]int{"s": 1},
		},
		{
			name:       "superseded, and the table has not moved since: the index holds the state",
			bodies:     []string{body(shardRecord("s", 0))},
			table:      table{versions: map[string][]int64{"s": {40, 40}}},
			superseded: map[string]int{"s": 1},
			wantWrites: map[string]int64{"s": 40},
			wantReads:  map[string]int{"s": 2},
		},
		{
			name:       "superseded, and the table moved since: the newer state is written",
			bodies:     []string{body(shardRecord("s", 0))},
			table:      table{versions: map[string][]int64{"s": {40, 43}}},
			superseded: map[string]int{"s": 1},
			wantWrites: map[string]int64{"s": 43},
			wantReads:  map[string]int{"s": 2},
		},
		{
			name:       "superseded through every reread: the message fails and comes back",
			bodies:     []string{body(shardRecord("s", 0))},
			table:      table{versions: map[string][]int64{"s": {40, 41, 42, 43, 44}}},
			superseded: map[string]int{"s": 9},
			wantWrites: map[string]int64{"s": 43},
			wantFailed: []string{"m0"},
			wantReads:  map[string]int{"s": 4},
		},
		{
			name:       "an image change superseded is done",
			bodies:     []string{body(record("MODIFY", "a", "published", 2))},
			superseded: map[string]int{"a": 1},
			wantWrites: map[string]int64{"a": 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{fail: tt.fail, superseded: tt.superseded}
			var ev events.SQSEvent
			for i, b := range tt.bodies {
				ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprint("m", i), Body: b})
			}
			resp, err := New(fakeDecode, dynamo.ShardEventID, &tt.table, rec).Handle(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(tt.table.reads) != fmt.Sprint(tt.wantReads) && !(len(tt.table.reads) == 0 && len(tt.wantReads) == 0) {
				t.Errorf("reads %v, want %v", tt.table.reads, tt.wantReads)
			}
			got := map[string]int64{}
			for _, c := range rec.applied {
				if _, dup := got[c.EventID]; dup && tt.superseded == nil {
					t.Errorf("%s written twice", c.EventID)
				}
				got[c.EventID] = c.Version
				if want, ok := tt.wantStatus[c.EventID]; ok && c.Doc.Status != want {
					t.Errorf("%s status %s, want %s", c.EventID, c.Doc.Status, want)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantWrites) {
				t.Errorf("writes %v, want %v", got, tt.wantWrites)
			}
			var failed []string
			for _, f := range resp.BatchItemFailures {
				failed = append(failed, f.ItemIdentifier)
			}
			if fmt.Sprint(failed) != fmt.Sprint(tt.wantFailed) && !(len(failed) == 0 && len(tt.wantFailed) == 0) {
				t.Errorf("failed %v, want %v", failed, tt.wantFailed)
			}
		})
	}
}

// The sample event is what the queue delivers in AWS: it must decode with the store's
// real item layout into one write of the event's newest state.
func TestSampleEventDecodes(t *testing.T) {
	b, err := os.ReadFile("../../events/index-events.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	resp, err := New(dynamo.EventFromImage, dynamo.ShardEventID, &table{}, rec).Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 || len(rec.applied) != 1 {
		t.Fatalf("%v %+v %+v", err, resp, rec.applied)
	}
	d := rec.applied[0].Doc
	if rec.applied[0].Version != 7 || d.Name != "Jazz at the Mohawk" || d.City != "Austin" || d.Available != 480 || d.Price.Amount != 4500 {
		t.Fatalf("doc %+v", d)
	}
}
