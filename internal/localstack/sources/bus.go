package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

// Bus runs the rules of one EventBridge bus. moto keeps the bus, but delivers only to
// targets inside its own process, and SQS is served by another moto (package endpoints):
// so a catch-all rule of moto's (Tap) copies every event put on the bus to a queue in the
// main moto, and Bus reads that queue, matches each event against the template's rules
// and delivers it to their targets as EventBridge does: retried by the target's retry
// policy, then sent to its dead-letter queue.
type Bus struct {
	Name string
	// TapSQS is the main moto's SQS (where the tap queue is), TapURL the tap queue.
	TapSQS *sqs.Client
	TapURL string
	Rules  []BusRule
	Log    io.Writer
	// Backoff is the first pause before retrying a target (doubling up to 5 s); zero
	// means 200 ms.
	Backoff time.Duration
}

// BusRule is an event-pattern rule and its targets.
type BusRule struct {
	Name    string
	Arn     string
	Pattern Pattern
	Targets []QueueTarget
}

// QueueTarget is an SQS queue a rule sends to: the event's JSON as the body.
type QueueTarget struct {
	ID  string
	Arn string
	SQS *sqs.Client
	URL string
	// MessageGroupID is the target's SqsParameters, required by FIFO queues.
	MessageGroupID string
	// Attempts is the retry policy's MaximumRetryAttempts + 1; MaxAge its
	// MaximumEventAgeInSeconds. An event past either goes to DeadLetterURL (dropped
	// when that is empty, as EventBridge does).
	Attempts      int
	MaxAge        time.Duration
	DeadLetterURL string
}

// Tap creates, unless they exist, a queue in the main moto and a rule on the bus that
// sends it every event, and returns the queue's URL.
func Tap(ctx context.Context, eb *eventbridge.Client, tapSQS *sqs.Client, bus string) (string, error) {
	name := bus + "-local-tap"
	q, err := tapSQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(trim(name, 80)),
		Attributes: map[string]string{"VisibilityTimeout": "30"}})
	if err != nil {
		return "", fmt.Errorf("bus %s: tap queue: %w", bus, err)
	}
	attrs, err := tapSQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", fmt.Errorf("bus %s: tap queue: %w", bus, err)
	}
	rule := aws.String(trim(name, 64))
	// Every event has a source, so this matches them all.
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: rule, EventBusName: aws.String(bus),
		EventPattern: aws.String(`{"source":[{"exists":true}]}`)}); err != nil {
		return "", fmt.Errorf("bus %s: tap rule: %w", bus, err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: rule, EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{{Id: aws.String("tap"), Arn: aws.String(attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)])}}}); err != nil {
		return "", fmt.Errorf("bus %s: tap target: %w", bus, err)
	}
	return aws.ToString(q.QueueUrl), nil
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Run delivers events until ctx ends.
func (b *Bus) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := b.PollOnce(ctx)
		if err != nil && ctx.Err() == nil {
			fmt.Fprintf(b.Log, "bus %s: %v\n", b.Name, err)
		}
		if n == 0 || err != nil {
			sleep(ctx, EmptyPollPause)
		}
	}
}

// PollOnce delivers one batch from the tap and returns how many events it read. An
// event leaves the tap once every matching target has it or its dead-letter queue does.
func (b *Bus) PollOnce(ctx context.Context) (int, error) {
	out, err := b.TapSQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(b.TapURL), MaxNumberOfMessages: 10})
	if err != nil {
		return 0, err
	}
	for _, m := range out.Messages {
		if err := b.deliver(ctx, aws.ToString(m.Body)); err != nil {
			return len(out.Messages), err
		}
		if _, err := b.TapSQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(b.TapURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
			return len(out.Messages), err
		}
	}
	return len(out.Messages), nil
}

func (b *Bus) deliver(ctx context.Context, body string) error {
	var ev map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		fmt.Fprintf(b.Log, "bus %s: dropping a tapped message that is not an event: %v\n", b.Name, err)
		return nil
	}
	// moto's own bookkeeping; EventBridge sends no such field.
	delete(ev, "ingestion-time")
	event, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	at, _ := time.Parse(time.RFC3339, fmt.Sprint(ev["time"]))
	for _, r := range b.Rules {
		if !r.Pattern.Match(ev) {
			continue
		}
		for _, t := range r.Targets {
			if err := b.send(ctx, r, t, event, at); err != nil {
				return err
			}
		}
	}
	return nil
}

// send delivers to one target, retrying; it fails only when ctx ends or the dead-letter
// queue refuses the event too (the tap keeps it then, and it is delivered again).
func (b *Bus) send(ctx context.Context, r BusRule, t QueueTarget, event []byte, at time.Time) error {
	pause := b.Backoff
	if pause <= 0 {
		pause = 200 * time.Millisecond
	}
	var err error
	for attempt := 1; ; attempt++ {
		in := &sqs.SendMessageInput{QueueUrl: aws.String(t.URL), MessageBody: aws.String(string(event))}
		if t.MessageGroupID != "" {
			in.MessageGroupId = aws.String(t.MessageGroupID)
		}
		if _, err = t.SQS.SendMessage(ctx, in); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= t.Attempts || (t.MaxAge > 0 && !at.IsZero() && time.Since(at) > t.MaxAge) {
			break
		}
		sleep(ctx, pause)
		pause = min(2*pause, 5*time.Second)
	}
	if t.DeadLetterURL == "" {
		fmt.Fprintf(b.Log, "bus %s: rule %s target %s: dropping the event: %v\n", b.Name, r.Name, t.ID, err)
		return nil
	}
	// The attributes EventBridge sets on a dead-lettered event.
	str := func(v string) sqstypes.MessageAttributeValue {
		return sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	code := "SDKClientException"
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	_, dlqErr := t.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(t.DeadLetterURL), MessageBody: aws.String(string(event)),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{"RULE_ARN": str(r.Arn), "TARGET_ARN": str(t.Arn),
			"ERROR_CODE": str(code), "ERROR_MESSAGE": str(trim(err.Error(), 1000))}})
	if dlqErr != nil {
		return fmt.Errorf("rule %s target %s: %v; dead-letter queue: %w", r.Name, t.ID, err, dlqErr)
	}
	fmt.Fprintf(b.Log, "bus %s: rule %s target %s: event sent to the dead-letter queue: %v\n", b.Name, r.Name, t.ID, err)
	return nil
}
