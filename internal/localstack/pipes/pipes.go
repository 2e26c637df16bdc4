// Package pipes emulates an EventBridge Pipe from a DynamoDB table's stream to an SQS
// queue, which moto does not run: it reads the stream through moto's DynamoDB Streams
// API, keeps the records that match the pipe's filter patterns, and sends each to the
// queue as the JSON record Pipes would send.
package pipes

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// pollEvery is how often each shard is read; Pipes polls a stream about 4 times a second.
const pollEvery = 100 * time.Millisecond

// shardsEvery is how often the pipe looks for new shards.
const shardsEvery = 5 * time.Second

// Pipe forwards one stream to one queue.
type Pipe struct {
	Name      string
	Streams   *dynamodbstreams.Client
	SQS       *sqs.Client
	StreamARN string
	QueueURL  string
	Region    string
	Filters   []Pattern // empty: every record
	Log       io.Writer
}

// Start takes the stream's current position (the template's StartingPosition LATEST:
// records written before are skipped) and forwards records in the background until ctx
// ends. Shards that appear later are read from their start.
func (p *Pipe) Start(ctx context.Context) error {
	iters := map[string]*string{}
	if err := p.refreshShards(ctx, iters, true); err != nil {
		return fmt.Errorf("pipe %s: %w", p.Name, err)
	}
	go p.run(ctx, iters)
	return nil
}

func (p *Pipe) run(ctx context.Context, iters map[string]*string) {
	lastDescribe := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(pollEvery):
		}
		// New shards are rare (moto splits none); describing the stream on every poll
		// would only load the emulator.
		if time.Since(lastDescribe) > shardsEvery {
			lastDescribe = time.Now()
			if err := p.refreshShards(ctx, iters, false); err != nil {
				p.logf("describe stream: %v", err)
			}
		}
		for id, it := range iters {
			if it == nil {
				continue // a closed shard, read to its end
			}
			next, err := p.forward(ctx, it)
			if err != nil {
				p.logf("shard %s: %v", id, err)
			}
			iters[id] = next
		}
	}
}

func (p *Pipe) refreshShards(ctx context.Context, iters map[string]*string, latest bool) error {
	out, err := p.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &p.StreamARN})
	if err != nil {
		return err
	}
	for _, sh := range out.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		if _, known := iters[id]; known {
			continue
		}
		typ := types.ShardIteratorTypeTrimHorizon
		if latest {
			typ = types.ShardIteratorTypeLatest
		}
		it, err := p.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: &p.StreamARN, ShardId: sh.ShardId, ShardIteratorType: typ})
		if err != nil {
			return err
		}
		iters[id] = it.ShardIterator
	}
	return nil
}

// forward sends one page of a shard's records, ten to an SQS batch, and returns the next
// iterator. When a send fails the page is retried with the same iterator: nothing is
// skipped, though records may be sent twice (as Pipes may; the indexer is idempotent).
func (p *Pipe) forward(ctx context.Context, it *string) (*string, error) {
	out, err := p.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
	if err != nil {
		return it, err
	}
	var batch []sqstypes.SendMessageBatchRequestEntry
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := p.SQS.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &p.QueueURL, Entries: batch})
		batch = batch[:0]
		if err == nil && len(res.Failed) > 0 {
			err = fmt.Errorf("%d of a batch not sent: %s", len(res.Failed), aws.ToString(res.Failed[0].Message))
		}
		return err
	}
	for _, r := range out.Records {
		b, err := json.Marshal(p.lambdaRecord(r))
		if err != nil {
			return it, err
		}
		if !p.matches(b) {
			continue
		}
		batch = append(batch, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(len(batch))), MessageBody: aws.String(string(b))})
		if len(batch) == 10 {
			if err := flush(); err != nil {
				return it, err
			}
		}
	}
	if err := flush(); err != nil {
		return it, err
	}
	return out.NextShardIterator, nil
}

func (p *Pipe) matches(record []byte) bool {
	if len(p.Filters) == 0 {
		return true
	}
	var doc any
	if json.Unmarshal(record, &doc) != nil {
		return false
	}
	for _, f := range p.Filters {
		if f.Match(doc) {
			return true
		}
	}
	return false
}

// lambdaRecord is the stream record in the JSON shape Pipes and Lambda use.
func (p *Pipe) lambdaRecord(r types.Record) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{
		AWSRegion: p.Region, EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventSource: "aws:dynamodb", EventVersion: aws.ToString(r.EventVersion), EventSourceArn: p.StreamARN,
	}
	if d := r.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{
			Keys: image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return out
}

func image(m map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attribute(v)
	}
	return out
}

func attribute(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(image(v.Value))
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(v.Value))
		for _, e := range v.Value {
			l = append(l, attribute(e))
		}
		return events.NewListAttribute(l)
	}
	return events.NewNullAttribute()
}

var logMu sync.Mutex

func (p *Pipe) logf(format string, args ...any) {
	if p.Log == nil {
		return
	}
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(p.Log, "pipe %s: %s\n", p.Name, fmt.Sprintf(format, args...))
}
