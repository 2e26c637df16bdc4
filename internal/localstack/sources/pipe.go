package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Pipe is an EventBridge pipe from a DynamoDB stream to an SQS queue: records that match
// one of the filters (all records without filters) become one message each, the record's
// JSON as body, as Pipes sends them.
type Pipe struct {
	Name     string
	Reader   *StreamReader
	Filters  []Pattern
	SQS      *sqs.Client
	QueueURL string
	// MessageGroupID is required by FIFO targets.
	MessageGroupID string
	Log            io.Writer
}

// Run moves records until ctx ends.
func (p *Pipe) Run(ctx context.Context) {
	p.Reader.Run(ctx, p.deliver)
}

func (p *Pipe) deliver(ctx context.Context, recs []events.DynamoDBEventRecord) error {
	var entries []sqstypes.SendMessageBatchRequestEntry
	for i, rec := range recs {
		if !MatchAny(p.Filters, rec) {
			continue
		}
		body, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		e := sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body))}
		if p.MessageGroupID != "" {
			e.MessageGroupId = aws.String(p.MessageGroupID)
			e.MessageDeduplicationId = aws.String(rec.EventID)
		}
		entries = append(entries, e)
	}
	for len(entries) > 0 {
		n := min(len(entries), 10)
		out, err := p.SQS.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.QueueURL), Entries: entries[:n]})
		if err != nil {
			return err
		}
		if len(out.Failed) > 0 {
			return fmt.Errorf("pipe %s: %d messages not sent: %s", p.Name, len(out.Failed), aws.ToString(out.Failed[0].Message))
		}
		entries = entries[n:]
	}
	return nil
}
