package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// OpenBookings builds the booking store and the simulated provider's ledger from the
// default AWS configuration (which honours AWS_ENDPOINT_URL, so the local stack needs
// nothing here).
func OpenBookings(ctx context.Context, table string) (*Bookings, *PaymentLedger, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("aws config: %w", err)
	}
	db := dynamodb.NewFromConfig(cfg)
	return NewBookings(db, table), NewPaymentLedger(db, table), nil
}
