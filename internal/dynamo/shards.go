package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/inventory"
)

// Write-sharded inventory (docs/waiting-room.md §5). An event with inventory_shards N > 1
// keeps its seats, from publication on, in N shard items EVENT#<e>#INV#<k> / INV: each a
// slice of the event's capacity and of every type's quota (the tt map), in the event
// item's shape, with copies of the attributes the reservation's condition checks
// (status, starts_at, price, max_tickets_per_booking), so a reservation checks every
// guard on one item. The event item keeps the catalogue and the total capacity; its own
// counters stay as published and are not read. With N = 1 the event item is the
// inventory, as before sharding.
const (
	shardInfix = "#INV#"
	shardSK    = "INV"
)

func shardKey(eventID string, k int) item {
	return key(eventPrefix+eventID+shardInfix+strconv.Itoa(k), shardSK)
}

// sharded reports whether an event of this status and shard count keeps its seats in
// shard items: they are made at publication.
func sharded(status string, shards int) bool {
	return catalog.Event{Status: catalog.Status(status), InventoryShards: shards}.Sharded()
}

// shardRecord is a shard item; the counters and guards are named as on the event item,
// so the reservation's expressions and decodeBookingEvent read either.
type shardRecord struct {
	PK            string                      `dynamodbav:"pk"`
	SK            string                      `dynamodbav:"sk"`
	EventID       string                      `dynamodbav:"event_id"`
	Shard         int                         `dynamodbav:"shard"`
	Capacity      int64                       `dynamodbav:"capacity"`
	Available     int64                       `dynamodbav:"available"`
	Held          int64                       `dynamodbav:"held"`
	Sold          int64                       `dynamodbav:"sold"`
	Offering      int64                       `dynamodbav:"offering"`
	Waiting       int64                       `dynamodbav:"waiting"`
	WaitingAny    int64                       `dynamodbav:"waiting_any"` // on a typed event: a flag, set while anyone waits for any type
	Status        string                      `dynamodbav:"status"`
	StartsAt      string                      `dynamodbav:"starts_at"`
	PriceAmount   int64                       `dynamodbav:"price_amount"`
	PriceCurrency string                      `dynamodbav:"price_currency"`
	MaxTickets    int64                       `dynamodbav:"max_tickets_per_booking"`
	TT            map[string]typeCountsRecord `dynamodbav:"tt,omitempty"`
	Version       int64                       `dynamodbav:"version"`
	// The revenue of the bookings confirmed on this shard (their first shard) less their
	// refunds, and each type's (revenue#<type>, read by readShards).
	Revenue     int64            `dynamodbav:"revenue,omitempty"`
	TypeRevenue map[string]int64 `dynamodbav:"-"`
}

// shardPuts are the shard items of e as it is published: capacity and each type's
// quota split evenly, the remainders to the first shards (nothing is taken yet).
func shardPuts(table string, e catalog.Event, status catalog.Status) ([]types.TransactWriteItem, error) {
	n := e.Shards()
	caps := inventory.Split(e.Capacity, n)
	typeCaps := map[string][]int64{}
	for id, c := range e.TypeCounts {
		typeCaps[id] = inventory.Split(c.Capacity, n)
	}
	revs := map[string]int64{}
	for _, t := range e.Types {
		revs[t.ID] = t.Version
	}
	out := make([]types.TransactWriteItem, n)
	for k := range n {
		r := shardRecord{EventID: e.ID, Shard: k, Capacity: caps[k], Available: caps[k], Status: string(status),
			StartsAt: formatTime(e.StartsAt), PriceAmount: e.Price.Amount, PriceCurrency: e.Price.Currency,
			MaxTickets: e.MaxTicketsPerBooking, Version: 1}
		r.PK, r.SK = eventPrefix+e.ID+shardInfix+strconv.Itoa(k), shardSK
		if len(typeCaps) > 0 {
			r.TT = make(map[string]typeCountsRecord, len(typeCaps))
			for id, c := range typeCaps {
				r.TT[id] = typeCountsRecord{Capacity: c[k], Available: c[k], Rev: revs[id]}
			}
		}
		it, err := attributevalue.MarshalMap(r)
		if err != nil {
			return nil, err
		}
		out[k] = types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")}}
	}
	return out, nil
}

// shardGuards copies the event's guarded attributes to every shard, in the transaction
// that changes them on the event.
func shardGuards(table string, e catalog.Event) []types.TransactWriteItem {
	out := make([]types.TransactWriteItem, e.Shards())
	for k := range out {
		out[k] = types.TransactWriteItem{Update: &types.Update{TableName: &table, Key: shardKey(e.ID, k),
			UpdateExpression: aws.String("SET #status = :status, starts_at = :starts, price_amount = :price, price_currency = :currency," +
				" max_tickets_per_booking = :max, version = version + :one"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: item{":status": str(string(e.Status)), ":starts": str(formatTime(e.StartsAt)),
				":price": num(e.Price.Amount), ":currency": str(e.Price.Currency), ":max": num(e.MaxTicketsPerBooking), ":one": num(1)},
		}}
	}
	return out
}

// readShards reads an event's n shard items in one BatchGetItem (more while DynamoDB
// leaves keys unprocessed), in shard order.
func (c *tableClient) readShards(ctx context.Context, eventID string, n int, consistent bool) ([]shardRecord, error) {
	keys := make([]item, n)
	for k := range keys {
		keys[k] = shardKey(eventID, k)
	}
	out := make([]shardRecord, n)
	found := 0
	req := map[string]types.KeysAndAttributes{c.table: {Keys: keys, ConsistentRead: aws.Bool(consistent)}}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 0 {
			if attempt > 5 {
				return nil, fault.New(fault.Unavailable, "Seat counts are busy; try again")
			}
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		}
		res, err := c.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req, ReturnConsumedCapacity: consumedTotal})
		if err != nil {
			return nil, err
		}
		for _, it := range res.Responses[c.table] {
			var r shardRecord
			if err := attributevalue.UnmarshalMap(it, &r); err != nil {
				return nil, fmt.Errorf("shard item: %w", err)
			}
			for name := range it {
				if id, ok := strings.CutPrefix(name, "revenue#"); ok {
					if r.TypeRevenue == nil {
						r.TypeRevenue = map[string]int64{}
					}
					r.TypeRevenue[id] = numAttr(it, name)
				}
			}
			if r.Shard >= 0 && r.Shard < n {
				out[r.Shard] = r
				found++
			}
		}
		req = res.UnprocessedKeys
	}
	if found < n {
		return nil, fmt.Errorf("event %s: %d of %d inventory shards found", eventID, found, n)
	}
	return out, nil
}

// shardTotals are the shards' counters summed: the event's inventory.
type shardTotals struct {
	Capacity, Available, Held, Sold, Offering, Waiting, WaitingAny int64
	TT                                                             map[string]typeCountsRecord
	Version                                                        int64 // the shards' versions summed
	Revenue                                                        int64
	TypeRevenue                                                    map[string]int64
}

func sumShards(shards []shardRecord) shardTotals {
	var t shardTotals
	for _, s := range shards {
		t.Capacity += s.Capacity
		t.Available += s.Available
		t.Held += s.Held
		t.Sold += s.Sold
		t.Offering += s.Offering
		t.Version += s.Version
		t.Revenue += s.Revenue
		for id, r := range s.TypeRevenue {
			if t.TypeRevenue == nil {
				t.TypeRevenue = map[string]int64{}
			}
			t.TypeRevenue[id] += r
		}
		t.Waiting = max(t.Waiting, s.Waiting) // a flag: set on every shard while anyone waits
		t.WaitingAny = max(t.WaitingAny, s.WaitingAny)
		for id, c := range s.TT {
			if t.TT == nil {
				t.TT = map[string]typeCountsRecord{}
			}
			sum := t.TT[id]
			sum.Capacity += c.Capacity
			sum.Available += c.Available
			sum.Held += c.Held
			sum.Sold += c.Sold
			sum.Offering += c.Offering
			sum.Waiting = max(sum.Waiting, c.Waiting)
			sum.Rev = c.Rev
			t.TT[id] = sum
		}
	}
	return t
}

// withShardTotals gives a catalogue event the counters of its shards.
func (c *tableClient) withShardTotals(ctx context.Context, e catalog.Event, consistent bool) (catalog.Event, error) {
	if !sharded(string(e.Status), e.Shards()) {
		return e, nil
	}
	shards, err := c.readShards(ctx, e.ID, e.Shards(), consistent)
	if err != nil {
		return catalog.Event{}, err
	}
	t := sumShards(shards)
	// waiting stays the event item's: the count of the line, where a shard has a flag.
	e.Capacity, e.Available, e.Held, e.Sold, e.Offering = t.Capacity, t.Available, t.Held, t.Sold, t.Offering
	e.InventoryVersion = t.Version
	for id, c := range t.TT {
		e.TypeCounts[id] = c.counters()
	}
	for i, ty := range e.Types {
		if c, ok := t.TT[ty.ID]; ok {
			e.Types[i].Counters = c.counters()
		}
	}
	return e, nil
}

// isShardKey reports whether k is a shard item's key.
func isShardKey(k item) bool {
	sk, ok := k["sk"].(*types.AttributeValueMemberS)
	return ok && sk.Value == shardSK
}
