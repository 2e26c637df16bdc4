package dynamo_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
		s := newSeatsFreeing(b, waitqueue.New(c, url))
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

// BenchmarkPosition measures a place lookup at the back of a line of BME_LINE entries
// (default 2,000): the block counters and the count inside one block, against counting
// the whole line ahead (what every sold-out enrolment and waitlist poll would otherwise
// read).
//
//	BME_LINE=2000 go test -run '^$' -bench Position -benchtime 20x ./internal/dynamo/
func BenchmarkPosition(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("BME_LINE")); err == nil && v > 0 {
		n = v
	}
	s := newSeats(b)
	ev, _ := s.soldOutWithLine(1, 0)
	for i := range n {
		if _, _, err := s.waiting.Join(s.ctx, fmt.Sprintf("waiter-%05d", i), ev, "", 1, s.now); err != nil {
			b.Fatal(err)
		}
	}
	last := fmt.Sprintf("waiter-%05d", n-1)
	b.ResetTimer()
	for b.Loop() {
		if v := s.me(last, ev); v.Position != n {
			b.Fatalf("position %d, want %d", v.Position, n)
		}
	}
	b.StopTimer()
	// The whole line ahead, counted as one query would: what a place cost before blocks.
	in := &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("gsi2"),
		KeyConditionExpression:    aws.String("gsi2pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "WAITLIST#" + ev}},
		Select:                    types.SelectCount}
	start, scanned := time.Now(), 0
	for {
		out, err := s.db.Query(s.ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		scanned += int(out.ScannedCount)
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "ms/whole-line-count")
	b.ReportMetric(float64(scanned), "items/whole-line-count")
	// Blocks ahead plus the entries of its own block ahead of it (tickets start at 1).
	b.ReportMetric(float64(n/100+n%100), "items/position")
}
