package sources_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/bookmyevent/bookmyevent/internal/localstack/sources"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// TestBusDeliversMatchingEventsToQueues puts events on a moto bus: the ones the rule's
// pattern selects reach its queue as EventBridge sends them, the others nowhere, and a
// target that cannot be reached has the event in its dead-letter queue, with the
// attributes EventBridge sets.
func TestBusDeliversMatchingEventsToQueues(t *testing.T) {
	ctx := context.Background()
	cfg := localtest.AWSConfig(t)
	eb := eventbridge.NewFromConfig(cfg)
	sqsc := sqs.NewFromConfig(cfg)
	tapSQS := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(localtest.AWS(t).Main) })
	bus := localtest.UniqueName(t, 40)
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}); err != nil {
		t.Fatal(err)
	}
	queue := func(suffix string) string {
		q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(bus + suffix)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(q.QueueUrl)
	}
	target, dlq := queue("-target"), queue("-dlq")
	tap, err := sources.Tap(ctx, eb, tapSQS, bus)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := sources.Tap(ctx, eb, tapSQS, bus); err != nil || again != tap {
		t.Fatalf("a second Tap = %q, %v; want the same queue %q", again, err, tap)
	}
	pat, err := sources.ParsePattern(`{"source":["bookmyevent"],"detail-type":["booking.confirmed","booking.expired"]}`)
	if err != nil {
		t.Fatal(err)
	}
	b := &sources.Bus{Name: bus, TapSQS: tapSQS, TapURL: tap, Log: io.Discard, Backoff: time.Millisecond, Rules: []sources.BusRule{{
		Name: "Mail", Arn: "arn:rule", Pattern: pat, Targets: []sources.QueueTarget{
			{ID: "ok", Arn: "arn:target", SQS: sqsc, URL: target, Attempts: 3, MaxAge: time.Hour, DeadLetterURL: dlq},
			{ID: "gone", Arn: "arn:gone", SQS: sqsc, URL: target + "-missing", Attempts: 2, MaxAge: time.Hour, DeadLetterURL: dlq},
		}}}}
	put := []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String(bus), Source: aws.String("bookmyevent"), DetailType: aws.String("booking.confirmed"), Detail: aws.String(`{"booking_id":"b1"}`)},
		{EventBusName: aws.String(bus), Source: aws.String("bookmyevent"), DetailType: aws.String("waitlist.joined"), Detail: aws.String(`{"booking_id":"b2"}`)},
		{EventBusName: aws.String(bus), Source: aws.String("other"), DetailType: aws.String("booking.confirmed"), Detail: aws.String(`{"booking_id":"b3"}`)},
	}
	res, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: put})
	if err != nil || res.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, res)
	}
	for n := 0; n < 3; {
		got, err := b.PollOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got == 0 {
			break
		}
		n += got
	}
	receive := func(url string) []sqstypes.Message {
		out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	delivered, dead := receive(target), receive(dlq)
	if len(delivered) != 1 || len(dead) != 1 {
		t.Fatalf("target got %d events, dead-letter queue %d; want 1 and 1", len(delivered), len(dead))
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal([]byte(aws.ToString(delivered[0].Body)), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.ID != aws.ToString(res.Entries[0].EventId) || ev.DetailType != "booking.confirmed" || ev.Source != "bookmyevent" ||
		string(ev.Detail) != `{"booking_id":"b1"}` || ev.Time.IsZero() {
		t.Errorf("delivered event = %+v", ev)
	}
	if a := dead[0].MessageAttributes; aws.ToString(a["RULE_ARN"].StringValue) != "arn:rule" || aws.ToString(a["TARGET_ARN"].StringValue) != "arn:gone" ||
		aws.ToString(a["ERROR_MESSAGE"].StringValue) == "" || aws.ToString(dead[0].Body) != aws.ToString(delivered[0].Body) {
		t.Errorf("dead-lettered message = %+v", dead[0])
	}
	if n, err := b.PollOnce(ctx); err != nil || n != 0 {
		t.Errorf("the tap still holds %d events (%v): delivered ones must leave it", n, err)
	}
}
