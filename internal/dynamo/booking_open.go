package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bookmyevent/bookmyevent/internal/tracing"
)

// OpenBookings builds the booking store and the simulated provider's ledger on a traced
// client from the default AWS configuration (which honours AWS_ENDPOINT_URL, so the local stack needs
// nothing here).
func OpenBookings(ctx context.Context, table string) (*Bookings, *PaymentLedger, error) {
	cfg, err := tracing.LoadAWSConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	db := dynamodb.NewFromConfig(cfg)
	return NewBookings(db, table), NewPaymentLedger(db, table), nil
}
