// Package sources runs the event sources of the template's functions locally, as Lambda
// does in AWS: SQS event source mappings (poll, invoke with a batch, delete what
// succeeded), EventBridge schedules (rate and cron), DynamoDB streams and Pipes, and
// EventBridge rules that send a bus's events to queues (Bus).
package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/bookmyevent/bookmyevent/internal/localstack/runtime"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// Invoker runs one event through a function (a *runtime.Pool).
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) (runtime.Result, error)
}

// EmptyPollPause is how long a poller rests after an empty receive. Polls are short
// (WaitTimeSeconds 0) because moto serves one request at a time: a long poll would hold
// up every other SQS call.
const EmptyPollPause = 200 * time.Millisecond

// SQSPoller is an SQS event source mapping.
type SQSPoller struct {
	Client   *sqs.Client
	QueueURL string
	Function string
	Mapping  template.SQSEvent
	Invoker  Invoker
	Log      io.Writer
}

// lambdaAttributes are the system attributes Lambda copies into a record.
var lambdaAttributes = []string{"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
	"SequenceNumber", "MessageGroupId", "MessageDeduplicationId", "AWSTraceHeader", "DeadLetterQueueSourceArn"}

// Run polls until ctx ends, with the given number of concurrent pollers.
func (p *SQSPoller) Run(ctx context.Context, pollers int) {
	if pollers < 1 {
		pollers = 1
	}
	done := make(chan struct{})
	for i := 0; i < pollers; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for ctx.Err() == nil {
				n, err := p.PollOnce(ctx)
				if err != nil && ctx.Err() == nil {
					fmt.Fprintf(p.Log, "sqs %s -> %s: %v\n", p.Mapping.QueueID, p.Function, err)
				}
				if n == 0 || err != nil {
					sleep(ctx, EmptyPollPause)
				}
			}
		}()
	}
	for i := 0; i < pollers; i++ {
		<-done
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// PollOnce receives one batch (gathering up to BatchSize within the batching window),
// invokes the function with it and deletes the messages that succeeded. It returns how
// many messages it received.
func (p *SQSPoller) PollOnce(ctx context.Context) (int, error) {
	var msgs []sqstypes.Message
	deadline := time.Now().Add(p.Mapping.MaxBatchingWindow)
	for {
		want := min(p.Mapping.BatchSize-len(msgs), 10)
		out, err := p.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(p.QueueURL),
			MaxNumberOfMessages:         int32(want),
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if len(msgs) == 0 {
				return 0, err
			}
			break
		}
		msgs = append(msgs, out.Messages...)
		if len(msgs) >= p.Mapping.BatchSize || !time.Now().Before(deadline) {
			break
		}
		if len(out.Messages) == 0 {
			sleep(ctx, min(EmptyPollPause, time.Until(deadline)))
		}
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	ev := p.Event(msgs)
	payload, err := json.Marshal(ev)
	if err != nil {
		return len(msgs), err
	}
	res, err := p.Invoker.Invoke(ctx, payload)
	if err != nil {
		return len(msgs), err
	}
	if res.FunctionError != "" {
		// Every message stays; it is received again after the visibility timeout and
		// moves to the dead-letter queue after maxReceiveCount receives.
		return len(msgs), nil
	}
	failed := p.failures(res.Payload, msgs)
	var del []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		if !failed[aws.ToString(m.MessageId)] {
			del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
		}
	}
	for len(del) > 0 {
		n := min(len(del), 10)
		out, err := p.Client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.QueueURL), Entries: del[:n]})
		if err != nil {
			return len(msgs), fmt.Errorf("delete processed messages: %w", err)
		}
		if len(out.Failed) > 0 {
			return len(msgs), fmt.Errorf("delete processed messages: %d failed", len(out.Failed))
		}
		del = del[n:]
	}
	return len(msgs), nil
}

// failures reads a partial batch response. As in Lambda, without
// ReportBatchItemFailures a successful invocation deletes everything, and a response
// that names an unknown or empty id fails the whole batch.
func (p *SQSPoller) failures(payload []byte, msgs []sqstypes.Message) map[string]bool {
	failed := map[string]bool{}
	if !p.Mapping.ReportBatchItemFailures {
		return failed
	}
	all := func() map[string]bool {
		for _, m := range msgs {
			failed[aws.ToString(m.MessageId)] = true
		}
		return failed
	}
	var resp events.SQSEventResponse
	if len(payload) == 0 || string(payload) == "null" {
		return failed
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		fmt.Fprintf(p.Log, "sqs %s -> %s: response is not an SQSEventResponse, failing the batch: %v\n", p.Mapping.QueueID, p.Function, err)
		return all()
	}
	ids := map[string]bool{}
	for _, m := range msgs {
		ids[aws.ToString(m.MessageId)] = true
	}
	for _, f := range resp.BatchItemFailures {
		if !ids[f.ItemIdentifier] {
			fmt.Fprintf(p.Log, "sqs %s -> %s: batchItemFailures names unknown id %q, failing the batch\n", p.Mapping.QueueID, p.Function, f.ItemIdentifier)
			return all()
		}
		failed[f.ItemIdentifier] = true
	}
	return failed
}

// Event builds the events.SQSEvent Lambda sends for a batch.
func (p *SQSPoller) Event(msgs []sqstypes.Message) events.SQSEvent {
	var ev events.SQSEvent
	for _, m := range msgs {
		rec := events.SQSMessage{
			MessageId:              aws.ToString(m.MessageId),
			ReceiptHandle:          aws.ToString(m.ReceiptHandle),
			Body:                   aws.ToString(m.Body),
			Md5OfBody:              aws.ToString(m.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
			Attributes:             map[string]string{},
			MessageAttributes:      map[string]events.SQSMessageAttribute{},
			EventSourceARN:         p.Mapping.QueueArn,
			EventSource:            "aws:sqs",
			AWSRegion:              template.Region,
		}
		for _, k := range lambdaAttributes {
			if v, ok := m.Attributes[k]; ok {
				rec.Attributes[k] = v
			}
		}
		for k, a := range m.MessageAttributes {
			rec.MessageAttributes[k] = events.SQSMessageAttribute{StringValue: a.StringValue, BinaryValue: a.BinaryValue,
				StringListValues: a.StringListValues, BinaryListValues: a.BinaryListValues, DataType: aws.ToString(a.DataType)}
		}
		ev.Records = append(ev.Records, rec)
	}
	return ev
}
