package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/payments"
)

// PaymentLedger keeps the simulated provider's charges and refunds in the table, one
// item per key, so that idempotency by key holds across Lambda instances. It stands in
// for a real provider's own records and would go with the simulated provider.
type PaymentLedger struct{ tableClient }

// NewPaymentLedger returns a ledger in table. Give it a client nothing meters: the
// provider's bookkeeping is not the product's DynamoDB cost.
func NewPaymentLedger(db *dynamodb.Client, table string) *PaymentLedger {
	return &PaymentLedger{newTableClient(db, table)}
}

var _ payments.Ledger = (*PaymentLedger)(nil)

type chargeRecord struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	ID       string `dynamodbav:"charge_id"`
	Status   string `dynamodbav:"status"`
	Amount   int64  `dynamodbav:"amount"`
	Currency string `dynamodbav:"currency"`
	Method   string `dynamodbav:"payment_method"`
	At       string `dynamodbav:"at"`
}

type refundLedgerRecord struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	ID     string `dynamodbav:"refund_id"`
	Amount int64  `dynamodbav:"amount"`
	At     string `dynamodbav:"at"`
}

const (
	chargePrefix = "CHARGE#"
	chargeSK     = "CHARGE"
	refundSK     = "REFUND"
)

// PutCharge stores c unless a charge exists under its key, and returns the stored one.
func (l *PaymentLedger) PutCharge(ctx context.Context, c payments.Charge) (payments.Charge, error) {
	rec := chargeRecord{PK: chargePrefix + c.Key, SK: chargeSK, ID: c.ID, Status: c.Status, Amount: c.Amount,
		Currency: c.Currency, Method: c.Method, At: fmtBookingTime(c.At)}
	old, err := l.putOnce(ctx, rec)
	if err != nil || old == nil {
		return c, err
	}
	if err := attributevalue.UnmarshalMap(old, &rec); err != nil {
		return payments.Charge{}, err
	}
	return payments.Charge{Key: c.Key, ID: rec.ID, Status: rec.Status, Amount: rec.Amount, Currency: rec.Currency,
		Method: rec.Method, At: parseBookingTime(rec.At)}, nil
}

// PutRefund stores r unless a refund exists under its key, and returns the stored one.
func (l *PaymentLedger) PutRefund(ctx context.Context, r payments.Refund) (payments.Refund, error) {
	rec := refundLedgerRecord{PK: chargePrefix + r.Key, SK: refundSK, ID: r.ID, Amount: r.Amount, At: fmtBookingTime(r.At)}
	old, err := l.putOnce(ctx, rec)
	if err != nil || old == nil {
		return r, err
	}
	if err := attributevalue.UnmarshalMap(old, &rec); err != nil {
		return payments.Refund{}, err
	}
	return payments.Refund{ID: rec.ID, Key: r.Key, Amount: rec.Amount, At: parseBookingTime(rec.At)}, nil
}

// putOnce puts rec unless its key exists; it returns the existing item, or nil.
func (l *PaymentLedger) putOnce(ctx context.Context, rec any) (item, error) {
	it, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return nil, err
	}
	err = l.put(ctx, &dynamodb.PutItemInput{Item: it,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if ccf, failed := conditionFailed(err); failed {
		return ccf.Item, nil
	}
	return nil, err
}

// Charges counts the charges taken under k (0 or 1), for tests and the load tool.
func (l *PaymentLedger) Charges(ctx context.Context, k string) (int, error) {
	it, err := l.get(ctx, key(chargePrefix+k, chargeSK))
	if err != nil || it == nil {
		return 0, err
	}
	return 1, nil
}
