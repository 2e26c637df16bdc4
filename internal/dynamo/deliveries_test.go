package dynamo_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

func TestDeliveriesRecordOncePerSource(t *testing.T) {
	db, table := localtest.Table(t)
	ctx := context.Background()
	stripe := dynamo.NewDeliveries(db, table, dynamo.DeliveriesStripe, 72*time.Hour)
	mail := dynamo.NewDeliveries(db, table, dynamo.DeliveriesMail, 72*time.Hour)
	if seen, err := stripe.Handled(ctx, "evt_1"); err != nil || seen {
		t.Fatalf("Handled before Record = %v, %v", seen, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = stripe.Record(ctx, "evt_1", "payment_intent.succeeded") }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Record %d: %v", i, err)
		}
	}
	if seen, err := stripe.Handled(ctx, "evt_1"); err != nil || !seen {
		t.Fatalf("Handled after Record = %v, %v", seen, err)
	}
	if seen, err := mail.Handled(ctx, "evt_1"); err != nil || seen {
		t.Fatalf("another source's record leaked: %v, %v", seen, err)
	}
}
