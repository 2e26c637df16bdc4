package dynamo

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Deliveries remembers which deliveries of an at-least-once source were handled, one item
// per id under a prefix: Stripe webhook events (DELIVERY#stripe#evt_...), domain events
// the notifier mailed (DELIVERY#mail#<event id>). Items expire by the table's TTL once
// the source can no longer redeliver (Stripe retries for three days).
type Deliveries struct {
	db     *dynamodb.Client
	table  string
	source string
	keep   time.Duration
	now    func() time.Time
}

// Sources of deliveries.
const (
	DeliveriesStripe = "stripe"
	DeliveriesMail   = "mail"
)

// NewDeliveries returns the record of source's deliveries in table, kept for keep.
func NewDeliveries(db *dynamodb.Client, table, source string, keep time.Duration) *Deliveries {
	return &Deliveries{db: db, table: table, source: source, keep: keep, now: time.Now}
}

func (d *Deliveries) key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "DELIVERY#" + d.source + "#" + id},
		"sk": &types.AttributeValueMemberS{Value: "DELIVERY"},
	}
}

// Handled reports whether id was recorded.
func (d *Deliveries) Handled(ctx context.Context, id string) (bool, error) {
	out, err := d.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(d.table), Key: d.key(id),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("pk")})
	if err != nil {
		return false, err
	}
	return len(out.Item) > 0, nil
}

// Record stores id as handled, once: the put is conditional on no item, and finding one
// (a concurrent or earlier delivery recorded it) is success.
func (d *Deliveries) Record(ctx context.Context, id, kind string) error {
	now := d.now().UTC()
	item := d.key(id)
	item["kind"] = &types.AttributeValueMemberS{Value: kind}
	item["at"] = &types.AttributeValueMemberS{Value: now.Format(time.RFC3339)}
	item["version"] = &types.AttributeValueMemberN{Value: "1"}
	item["ttl"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(d.keep).Unix(), 10)}
	_, err := d.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.table), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil
	}
	return err
}
