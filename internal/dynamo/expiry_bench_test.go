package dynamo

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/expiry"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// BenchmarkSweepBacklog measures the sweeper on a backlog of lapsed holds (10,000 unless
// BME_SWEEP_HOLDS says otherwise) against the local moto table: seats returned per
// second. The backlog is written directly (BatchWriteItem) so seeding is not measured.
//
//	go test -run '^$' -bench SweepBacklog -benchtime 1x ./internal/dynamo/
func BenchmarkSweepBacklog(b *testing.B) {
	n := 10000
	if v := os.Getenv("BME_SWEEP_HOLDS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	db, table := localtest.Table(b)
	store := NewBookings(db, table)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		now := time.Now().UTC()
		eventID := fmt.Sprintf("bench-%d-%d", now.UnixNano(), i)
		seedBacklog(b, ctx, db, table, eventID, n, now)
		sw := expiry.New(store, store, nil, nil, expiry.Config{})
		b.StartTimer()
		start := time.Now()
		r, err := sw.Sweep(ctx, now)
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if r.Seats != n {
			b.Fatalf("sweep returned %d seats, want %d (%+v)", r.Seats, n, r)
		}
		b.ReportMetric(float64(r.Seats)/elapsed.Seconds(), "seats/s")
		b.Logf("%d holds, %d seats in %s: %.0f seats/s", r.Expired, r.Seats, elapsed.Round(time.Millisecond), float64(r.Seats)/elapsed.Seconds())
	}
}

// seedBacklog writes a published event with n one-seat holds that lapsed a minute ago.
func seedBacklog(b *testing.B, ctx context.Context, db *dynamodb.Client, table, eventID string, n int, now time.Time) {
	b.Helper()
	ev := item{"pk": str(eventPrefix + eventID), "sk": str(eventSK), "event_id": str(eventID), "status": str(booking.Published),
		"starts_at": str(formatTime(now.Add(30 * 24 * time.Hour))), "capacity": num(int64(n)), "available": num(0),
		"held": num(int64(n)), "sold": num(0), "price_amount": num(2500), "price_currency": str("USD"),
		"max_tickets_per_booking": num(10), "version": num(1)}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: ev}); err != nil {
		b.Fatal(err)
	}
	var batch []types.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
			if err != nil {
				b.Fatal(err)
			}
			batch = out.UnprocessedItems[table]
		}
	}
	for i := range n {
		id, ref := booking.NewID()
		bk := &booking.Booking{ID: id, Reference: ref, EventID: eventID, UserID: fmt.Sprintf("user-%d", i), Quantity: 1,
			UnitPrice: booking.Money{Amount: 2500, Currency: "USD"}, Total: booking.Money{Amount: 2500, Currency: "USD"},
			Status: booking.Held, ExpiresAt: now.Add(-time.Minute - time.Duration(i)*time.Millisecond), CreatedAt: now.Add(-16 * time.Minute),
			UpdatedAt: now.Add(-16 * time.Minute), Version: 1}
		it, err := attributevalue.MarshalMap(toBookingRecord(bk))
		if err != nil {
			b.Fatal(err)
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		if len(batch) == 25 {
			flush()
		}
	}
	flush()
}
