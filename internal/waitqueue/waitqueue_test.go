package waitqueue_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
	"github.com/bookmyevent/bookmyevent/internal/waitqueue"
)

type offerer struct {
	mu    sync.Mutex
	calls map[string]int
	fail  map[string]bool
}

func (o *offerer) OfferSeats(_ context.Context, eventID string, _ time.Time) (waitlist.Result, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls[eventID]++
	if o.fail[eventID] {
		return waitlist.Result{}, errors.New("table unavailable")
	}
	return waitlist.Result{Offers: 1}, nil
}

func TestHandlerReportsOnlyFailedRecords(t *testing.T) {
	o := &offerer{calls: map[string]int{}, fail: map[string]bool{"bad": true}}
	h := waitqueue.Handler(o, time.Now)
	rec := func(id, body string) events.SQSMessage { return events.SQSMessage{MessageId: id, Body: body} }
	resp, err := h(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		rec("1", `{"event_id":"a"}`), rec("2", `{"event_id":"a"}`), rec("3", `{"event_id":"bad"}`),
		rec("4", `not json`), rec("5", `{}`), rec("6", `{"event_id":"b"}`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if want := []string{"3", "4", "5"}; len(failed) != len(want) || failed[0] != "3" || failed[1] != "4" || failed[2] != "5" {
		t.Errorf("failed = %v, want %v", failed, want)
	}
	if o.calls["a"] != 1 || o.calls["b"] != 1 {
		t.Errorf("calls = %v: each event once per batch", o.calls)
	}
}

// TestNudgeRoundTrip sends through the real (local) queue and hands what SQS delivers to
// the handler, as the event source mapping would.
func TestNudgeRoundTrip(t *testing.T) {
	c, url := localtest.Queue(t, "WaitlistQueue")
	q := waitqueue.New(c, url)
	ctx := context.Background()
	if err := q.Nudge(ctx, "ev-1"); err != nil {
		t.Fatal(err)
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %d messages, %v", len(out.Messages), err)
	}
	m := out.Messages[0]
	o := &offerer{calls: map[string]int{}}
	resp, err := waitqueue.Handler(o, time.Now)(ctx, events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), EventSource: "aws:sqs"}}})
	if err != nil || len(resp.BatchItemFailures) != 0 || o.calls["ev-1"] != 1 {
		t.Errorf("handled: %+v, %v, calls %v", resp, err, o.calls)
	}
}

// TestOneWorkerPerEvent: while a batch of an event's nudges is being handled, SQS hands
// out no other nudge of that event, but does hand out other events': one worker at a time
// serves a line, in order, and lines are served side by side.
func TestOneWorkerPerEvent(t *testing.T) {
	c, url := localtest.Queue(t, "WaitlistQueue")
	q := waitqueue.New(c, url)
	ctx := context.Background()
	for _, ev := range []string{"ev-1", "ev-1", "ev-2"} {
		if err := q.Nudge(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	receive := func() []string {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameMessageGroupId}})
		if err != nil {
			t.Fatal(err)
		}
		var groups []string
		for _, m := range out.Messages {
			groups = append(groups, m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)])
		}
		return groups
	}
	first := receive()
	if len(first) != 1 || first[0] != "ev-1" {
		t.Fatalf("first receive: %v, want ev-1", first)
	}
	// ev-1's first nudge is in flight: its second waits behind it, ev-2 does not.
	if second := receive(); len(second) != 1 || second[0] != "ev-2" {
		t.Fatalf("second receive: %v, want ev-2", second)
	}
	if third := receive(); len(third) != 0 {
		t.Fatalf("third receive: %v, want nothing while ev-1 is being handled", third)
	}
}
