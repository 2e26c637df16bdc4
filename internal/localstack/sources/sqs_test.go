package sources_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/bookmyevent/bookmyevent/internal/localstack/runtime"
	"github.com/bookmyevent/bookmyevent/internal/localstack/sources"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// worker is a stand-in function: it fails the records whose body starts with "bad",
// or the whole invocation when crash is set.
type worker struct {
	mu     sync.Mutex
	crash  bool
	events []events.SQSEvent
}

func (w *worker) Invoke(_ context.Context, payload []byte) (runtime.Result, error) {
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return runtime.Result{}, err
	}
	w.mu.Lock()
	w.events = append(w.events, ev)
	w.mu.Unlock()
	if w.crash {
		return runtime.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom"}`)}, nil
	}
	var resp events.SQSEventResponse
	for _, r := range ev.Records {
		if strings.HasPrefix(r.Body, "bad") {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	b, _ := json.Marshal(resp)
	return runtime.Result{Payload: b}, nil
}

func counts(t *testing.T, c *sqs.Client, url string) (visible, inFlight string) {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"], out.Attributes["ApproximateNumberOfMessagesNotVisible"]
}

func TestSQSPollerPartialBatch(t *testing.T) {
	for _, tc := range []struct {
		name          string
		report, crash bool
		inFlightAfter string
	}{
		{"partial failures reported", true, false, "1"},
		{"failures not reported: success deletes all", false, false, "0"},
		{"function error keeps all", true, true, "3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sqs.NewFromConfig(localtest.AWSConfig(t))
			ctx := context.Background()
			q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(localtest.UniqueName(t, 80))})
			if err != nil {
				t.Fatal(err)
			}
			url := aws.ToString(q.QueueUrl)
			for _, body := range []string{"good-1", "bad-2", "good-3"} {
				if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(body),
					MessageAttributes: map[string]sqstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("test")}}}); err != nil {
					t.Fatal(err)
				}
			}
			w := &worker{crash: tc.crash}
			p := &sources.SQSPoller{Client: c, QueueURL: url, Function: "Worker", Invoker: w, Log: io.Discard,
				Mapping: template.SQSEvent{QueueID: "Q", QueueArn: "arn:aws:sqs:us-east-1:123456789012:q", BatchSize: 10, ReportBatchItemFailures: tc.report}}
			n, err := p.PollOnce(ctx)
			if err != nil || n != 3 {
				t.Fatalf("PollOnce = %d, %v", n, err)
			}
			if visible, inFlight := counts(t, c, url); visible != "0" || inFlight != tc.inFlightAfter {
				t.Errorf("visible %s in flight %s, want 0 and %s", visible, inFlight, tc.inFlightAfter)
			}
			rec := w.events[0].Records[0]
			if rec.EventSource != "aws:sqs" || rec.EventSourceARN != p.Mapping.QueueArn || rec.AWSRegion != template.Region ||
				rec.Attributes["ApproximateReceiveCount"] != "1" || rec.Attributes["SentTimestamp"] == "" || rec.Md5OfBody == "" ||
				rec.ReceiptHandle == "" || aws.ToString(rec.MessageAttributes["kind"].StringValue) != "test" {
				t.Errorf("record = %+v", rec)
			}
		})
	}
}

func TestSQSPollerEmptyQueue(t *testing.T) {
	c := sqs.NewFromConfig(localtest.AWSConfig(t))
	q, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(localtest.UniqueName(t, 80))})
	if err != nil {
		t.Fatal(err)
	}
	w := &worker{}
	p := &sources.SQSPoller{Client: c, QueueURL: aws.ToString(q.QueueUrl), Invoker: w, Log: io.Discard, Mapping: template.SQSEvent{BatchSize: 10}}
	if n, err := p.PollOnce(context.Background()); n != 0 || err != nil || len(w.events) != 0 {
		t.Errorf("PollOnce on an empty queue = %d, %v, %d invocations", n, err, len(w.events))
	}
}
