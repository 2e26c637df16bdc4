package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/inventory"
)

// Rebalance is the admitter's periodic rebalancing of a sharded event (docs/waiting-room.md
// §5): the fragments, shards with fewer seats (of the event, or of a type on a typed
// event) than one booking may take, move into the shard with most (inventory.Rebalance,
// RebalanceTyped) through the gather's guarded move, so the last orders of a sale find
// their seats on one shard instead of gathering inline. It reports whether anything
// moved; an unsharded event, or one whose seats are the waitlist's, never moves. A move
// refused because a reservation took the seats meanwhile is not an error: the next turn
// plans again.
func (q *Queue) Rebalance(ctx context.Context, eventID string) (bool, error) {
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &q.s.table, Key: eventKey(eventID),
		ProjectionExpression:     aws.String("#status, inventory_shards"),
		ExpressionAttributeNames: aliases("#status"),
	})
	if err != nil {
		return false, err
	}
	if out.Item == nil {
		return false, catalog.EventNotFound()
	}
	var r eventRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return false, fmt.Errorf("event item: %w", err)
	}
	if !sharded(r.Status, r.InventoryShards) {
		return false, nil
	}
	shards, err := q.s.readShards(ctx, eventID, r.InventoryShards, true)
	if err != nil {
		return false, err
	}
	for _, sh := range shards {
		if sh.Waiting > 0 {
			return false, nil
		}
	}
	view := &shardView{shards: shards}
	var (
		target int
		from   []inventory.TypedTake
	)
	if len(shards[0].TT) > 0 {
		target, from = inventory.RebalanceTyped(view.stock(), shards[0].MaxTickets)
	} else {
		t, f := inventory.Rebalance(view.room(), shards[0].MaxTickets)
		target, from = t, inventory.Untyped(f)
	}
	if len(from) == 0 {
		return false, nil
	}
	err = q.s.moveSeats(ctx, eventID, target, from)
	if _, cancelled := cancellation(err); cancelled {
		return false, nil
	}
	return err == nil, err
}
