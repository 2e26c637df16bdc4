package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
	"github.com/bookmyevent/bookmyevent/internal/waitqueue"
)

// BenchmarkCancelToOffer measures, locally, the time from a cancellation that frees a
// seat while someone waits to that person's offer: the release transaction, the message
// through the local SQS queue (long poll, as the event source mapping does), the worker
// handler and the offer transaction.
//
//	go test -run '^$' -bench CancelToOffer -benchtime 5x ./internal/dynamo/
func BenchmarkCancelToOffer(b *testing.B) {
	c, url := localtest.Queue(b, "WaitlistQueue")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := newSeats(b)
		s.store.NotifyFreed(waitqueue.New(c, url))
		ev, holds := s.soldOutWithLine(1, 1)
		worker := waitqueue.Handler(s.waiting, time.Now)
		ctx := context.Background()
		b.StartTimer()
		start := time.Now()
		if _, err := s.booking.Cancel(ctx, "holder-00", holds[0], time.Now()); err != nil {
			b.Fatal(err)
		}
		var out *sqs.ReceiveMessageOutput
		for range 10 { // moto's long poll may answer empty early
			var err error
			out, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			if err != nil {
				b.Fatal(err)
			}
			if len(out.Messages) > 0 {
				break
			}
		}
		if len(out.Messages) == 0 {
			b.Fatal("no message")
		}
		var batch events.SQSEvent
		for _, m := range out.Messages {
			batch.Records = append(batch.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body)})
		}
		if _, err := worker(ctx, batch); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		if v := s.me("waiter-00", ev); v.Status != waitlist.Offered {
			b.Fatalf("waiter = %+v", v)
		}
		for _, m := range out.Messages {
			_, _ = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
		b.ReportMetric(float64(elapsed.Milliseconds()), "ms/cancel-to-offer")
		b.Logf("cancel -> offer: %s", elapsed.Round(time.Millisecond))
	}
}
