package dynamo

import (
	"context"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The expiry index (gsi3) holds every held booking under one of expiryShards partitions,
// sorted by expires_at. One partition would do for the reads (the sweeper's queries), but
// every reservation writes it: sharding spreads an on-sale's burst of holds over several
// index partitions, and lets sweepers work the shards in parallel.
const (
	expiryShards   = 8
	expiryPrefix   = "EXPIRY#"
	offeringGSI3PK = "OFFERING" // events with seats waiting for the worker, by when they began to
)

var gsi3Cursor = []string{"pk", "sk", "gsi3pk", "gsi3sk"}

// expiryKeys are a hold's gsi3 keys. The shard comes from the id so it never changes.
func expiryKeys(id string, expiresAt time.Time) (pk, sk string) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return expiryPrefix + strconv.Itoa(int(h.Sum32()%expiryShards)), fmtBookingTime(expiresAt) + "#" + id
}

// ExpiryShards is how many partitions of the expiry index a sweep reads.
func (s *Bookings) ExpiryShards() int { return expiryShards }

// dueUpper is the largest gsi3sk of a hold due at now: "~" sorts after every id character.
func dueUpper(now time.Time) string { return fmtBookingTime(now) + "#~" }

// DueHolds returns, oldest first, up to limit ids of holds in shard whose expires_at is
// at or before now, starting after cursor, and the cursor of the next batch ("" at the
// end). The index is eventually consistent: the caller re-reads each hold.
func (s *Bookings) DueHolds(ctx context.Context, shard int, now time.Time, cursor string, limit int) ([]string, string, error) {
	pk := expiryPrefix + strconv.Itoa(shard)
	start, err := decodeCursor(cursor, gsi3Cursor, func(m map[string]string) bool { return m["gsi3pk"] == pk })
	if err != nil {
		return nil, "", err
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("gsi3"),
		KeyConditionExpression:    aws.String("gsi3pk = :pk AND gsi3sk <= :upper"),
		ExpressionAttributeValues: item{":pk": str(pk), ":upper": str(dueUpper(now))},
		ExclusiveStartKey:         start, Limit: aws.Int32(int32(limit)), ReturnConsumedCapacity: consumedTotal})
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, 0, len(out.Items))
	for _, it := range out.Items {
		ids = append(ids, bookingIDOf(it))
	}
	next := ""
	if out.LastEvaluatedKey != nil {
		next = encodeCursor(out.LastEvaluatedKey, gsi3Cursor)
	}
	return ids, next, nil
}

// LapsedHolds returns ids of eventID's holds due at now, reading at most perShard index
// entries of each shard. Between sweeps only holds that lapsed since the last one are
// due, so the read is small; the bound keeps a reservation's extra work fixed even if
// sweeping has fallen behind.
func (s *Bookings) LapsedHolds(ctx context.Context, eventID string, now time.Time, perShard int) ([]string, error) {
	var ids []string
	for shard := range expiryShards {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("gsi3"),
			KeyConditionExpression: aws.String("gsi3pk = :pk AND gsi3sk <= :upper"),
			FilterExpression:       aws.String("event_id = :event"),
			ExpressionAttributeValues: item{":pk": str(expiryPrefix + strconv.Itoa(shard)), ":upper": str(dueUpper(now)),
				":event": str(eventID)},
			Limit: aws.Int32(int32(perShard)), ReturnConsumedCapacity: consumedTotal})
		if err != nil {
			return nil, err
		}
		for _, it := range out.Items {
			ids = append(ids, bookingIDOf(it))
		}
	}
	return ids, nil
}

// StrandedOfferings returns the ids of events whose seats have waited in offering since
// before, so the sweeper can nudge the waitlist worker again in case a message was lost.
func (s *Bookings) StrandedOfferings(ctx context.Context, before time.Time, limit int) ([]string, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("gsi3"),
		KeyConditionExpression:    aws.String("gsi3pk = :pk AND gsi3sk < :before"),
		ExpressionAttributeValues: item{":pk": str(offeringGSI3PK), ":before": str(fmtBookingTime(before))},
		Limit:                     aws.Int32(int32(limit)), ReturnConsumedCapacity: consumedTotal})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(out.Items))
	for _, it := range out.Items {
		ids = append(ids, strings.TrimPrefix(pkOf(it), eventPrefix))
	}
	return ids, nil
}

func pkOf(it item) string {
	if v, ok := it["pk"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func bookingIDOf(it item) string { return strings.TrimPrefix(pkOf(it), bookingPrefix) }
