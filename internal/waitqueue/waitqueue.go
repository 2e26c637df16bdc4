// Package waitqueue is the waitlist worker's SQS queue: messages that say "seats of this
// event wait for the line", and the worker's handler of batches of them. A message only
// names the event; the worker reads the truth from the table, so duplicates, reordering
// and redelivery cost a read and change nothing.
package waitqueue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/metrics"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
)

// Message is a queue message's body.
type Message struct {
	EventID string `json:"event_id"`
}

// Queue sends messages to the queue at URL.
type Queue struct {
	client *sqs.Client
	url    string
}

// New returns the queue at url.
func New(client *sqs.Client, url string) *Queue { return &Queue{client: client, url: url} }

// Nudge asks the worker to hand out eventID's offering seats. The queue is FIFO with the
// event as message group, so one worker at a time serves an event's line. Each nudge is
// deduplicated only against its own retries: two releases a moment apart are two nudges,
// since the first may be in the worker already when the second's seats arrive.
func (q *Queue) Nudge(ctx context.Context, eventID string) error {
	body, err := json.Marshal(Message{EventID: eventID})
	if err != nil {
		return err
	}
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails on supported platforms
	_, err = q.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(string(body)),
		MessageGroupId: aws.String(eventID), MessageDeduplicationId: aws.String(hex.EncodeToString(id[:]))})
	return err
}

// Offerer hands out an event's offering seats (waitlist.Service).
type Offerer interface {
	OfferSeats(ctx context.Context, eventID string, now time.Time) (waitlist.Result, error)
}

// Handler is the worker: each record's event is served once per batch (records for the
// same event collapse), and when an event fails every record of it is reported back, and
// only those: SQS retries that event's message group in order (other events' records are
// done) and, after the queue's maxReceiveCount, moves the messages to the DLQ. A record
// that cannot be parsed is a poison message: it is reported failed every time and so
// ends in the DLQ, where the alarm sees it; until then it holds up its group.
func Handler(o Offerer, clock func() time.Time) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		done := map[string]error{}
		for _, r := range ev.Records {
			var m Message
			if err := json.Unmarshal([]byte(r.Body), &m); err != nil || m.EventID == "" {
				slog.ErrorContext(ctx, "waitlist message unreadable", "message_id", r.MessageId, "error", fmt.Sprint(err))
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
				continue
			}
			err, seen := done[m.EventID]
			if !seen {
				var res waitlist.Result
				res, err = o.OfferSeats(ctx, m.EventID, clock())
				done[m.EventID] = err
				// Offers made before a failure stand, so they count either way.
				if res.Offers > 0 {
					metrics.Default().Count("WaitlistOffers", float64(res.Offers))
				}
				if err == nil {
					slog.InfoContext(ctx, "waitlist offers", "event_id", m.EventID, "offers", res.Offers, "seats", res.Seats, "returned", res.Returned)
				}
			}
			if err != nil {
				slog.ErrorContext(ctx, "waitlist offers failed", "event_id", m.EventID, "message_id", r.MessageId, "error", err)
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, nil
	}
}
