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

// fakeDecode reads the three attributes the rules below look at.
func fakeDecode(img map[string]events.DynamoDBAttributeValue) (catalog.Event, error) {
	if _, ok := img["event_id"]; !ok {
		return catalog.Event{}, errors.New("no event_id")
	}
	v, _ := strconv.ParseInt(img["version"].Number(), 10, 64)
	return catalog.Event{ID: img["event_id"].String(), Status: catalog.Status(img["status"].String()), Version: v}, nil
}

// recorder is an Index that keeps what it was asked to write and fails chosen ids.
type recorder struct {
	applied []search.Change
	fail    map[string]bool
}

func (r *recorder) Apply(_ context.Context, changes []search.Change) []error {
	errs := make([]error, len(changes))
	for i, c := range changes {
		r.applied = append(r.applied, c)
		if r.fail[c.EventID] {
			errs[i] = errors.New("boom")
		}
	}
	return errs
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{fail: tt.fail}
			var ev events.SQSEvent
			for i, b := range tt.bodies {
				ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprint("m", i), Body: b})
			}
			resp, err := New(fakeDecode, rec).Handle(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, c := range rec.applied {
				if _, dup := got[c.EventID]; dup {
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
	resp, err := New(dynamo.EventFromImage, rec).Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 || len(rec.applied) != 1 {
		t.Fatalf("%v %+v %+v", err, resp, rec.applied)
	}
	d := rec.applied[0].Doc
	if rec.applied[0].Version != 7 || d.Name != "Jazz at the Mohawk" || d.City != "Austin" || d.Available != 480 || d.Price.Amount != 4500 {
		t.Fatalf("doc %+v", d)
	}
}
