package sources

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	st "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// StreamReader follows a DynamoDB stream shard by shard, as Pipes and Lambda's stream
// event sources do, and hands each batch of records to a handler in order. A batch whose
// handler fails is retried (with back-off) until it succeeds, so order is kept and
// nothing is lost.
type StreamReader struct {
	Client           *dynamodbstreams.Client
	StreamArn        string
	StartingPosition string // LATEST (default) or TRIM_HORIZON
	BatchSize        int
	Log              io.Writer
}

// Run reads until ctx ends. Shards that appear later are read from their start.
func (r *StreamReader) Run(ctx context.Context, handle func(context.Context, []events.DynamoDBEventRecord) error) {
	iters := map[string]*string{} // shard id -> next iterator; nil once closed
	first := true
	var lastDescribe time.Time
	for ctx.Err() == nil {
		if time.Since(lastDescribe) > 5*time.Second {
			if err := r.discover(ctx, iters, first); err != nil {
				fmt.Fprintf(r.Log, "stream %s: %v\n", r.StreamArn, err)
				sleep(ctx, time.Second)
				continue
			}
			first, lastDescribe = false, time.Now()
		}
		got := 0
		for shard, it := range iters {
			if it == nil {
				continue
			}
			n, next, err := r.readShard(ctx, it, handle)
			if err != nil {
				fmt.Fprintf(r.Log, "stream %s shard %s: %v\n", r.StreamArn, shard, err)
				// An expired iterator is fetched again on the next describe.
				delete(iters, shard)
				lastDescribe = time.Time{}
				continue
			}
			iters[shard] = next
			got += n
		}
		if got == 0 {
			sleep(ctx, EmptyPollPause)
		}
	}
}

func (r *StreamReader) discover(ctx context.Context, iters map[string]*string, first bool) error {
	out, err := r.Client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(r.StreamArn)})
	if err != nil {
		return err
	}
	for _, sh := range out.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		if _, known := iters[id]; known {
			continue
		}
		pos := st.ShardIteratorTypeTrimHorizon
		if first && r.StartingPosition != "TRIM_HORIZON" {
			pos = st.ShardIteratorTypeLatest
		}
		it, err := r.Client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(r.StreamArn),
			ShardId: sh.ShardId, ShardIteratorType: pos})
		if err != nil {
			return err
		}
		iters[id] = it.ShardIterator
	}
	return nil
}

func (r *StreamReader) readShard(ctx context.Context, it *string, handle func(context.Context, []events.DynamoDBEventRecord) error) (int, *string, error) {
	limit := int32(r.BatchSize)
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out, err := r.Client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(limit)})
	if err != nil {
		return 0, nil, err
	}
	if len(out.Records) == 0 {
		return 0, out.NextShardIterator, nil
	}
	batch := make([]events.DynamoDBEventRecord, 0, len(out.Records))
	for _, rec := range out.Records {
		batch = append(batch, r.record(rec))
	}
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		err := handle(ctx, batch)
		if err == nil || ctx.Err() != nil {
			break
		}
		fmt.Fprintf(r.Log, "stream %s: delivery failed, retrying: %v\n", r.StreamArn, err)
		sleep(ctx, backoff)
	}
	return len(out.Records), out.NextShardIterator, nil
}

// record converts a stream record to the shape Lambda and Pipes deliver.
func (r *StreamReader) record(rec st.Record) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{
		AWSRegion:      template.Region,
		EventID:        aws.ToString(rec.EventID),
		EventName:      string(rec.EventName),
		EventSource:    "aws:dynamodb",
		EventVersion:   aws.ToString(rec.EventVersion),
		EventSourceArn: r.StreamArn,
	}
	if out.EventVersion == "" {
		out.EventVersion = "1.1"
	}
	if rec.UserIdentity != nil {
		out.UserIdentity = &events.DynamoDBUserIdentity{Type: aws.ToString(rec.UserIdentity.Type), PrincipalID: aws.ToString(rec.UserIdentity.PrincipalId)}
	}
	if d := rec.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{
			Keys:           attrMap(d.Keys),
			NewImage:       attrMap(d.NewImage),
			OldImage:       attrMap(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber),
			SizeBytes:      aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return out
}

func attrMap(m map[string]st.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attr(v)
	}
	return out
}

func attr(v st.AttributeValue) events.DynamoDBAttributeValue {
	switch x := v.(type) {
	case *st.AttributeValueMemberS:
		return events.NewStringAttribute(x.Value)
	case *st.AttributeValueMemberN:
		return events.NewNumberAttribute(x.Value)
	case *st.AttributeValueMemberB:
		return events.NewBinaryAttribute(x.Value)
	case *st.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(x.Value)
	case *st.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *st.AttributeValueMemberSS:
		return events.NewStringSetAttribute(x.Value)
	case *st.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(x.Value)
	case *st.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(x.Value)
	case *st.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(x.Value))
		for i, e := range x.Value {
			l[i] = attr(e)
		}
		return events.NewListAttribute(l)
	case *st.AttributeValueMemberM:
		return events.NewMapAttribute(attrMap(x.Value))
	}
	return events.NewNullAttribute()
}
