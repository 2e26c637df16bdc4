package sources_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/localstack/sources"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// TestPipeFromTableStreamToQueue runs a pipe on moto's DynamoDB stream: only the items
// the filter selects reach the queue, in write order, shaped as Pipes sends them.
func TestPipeFromTableStreamToQueue(t *testing.T) {
	ddb, table := localtest.Table(t)
	ctx := context.Background()
	desc, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := localtest.AWSConfig(t)
	sqsc := sqs.NewFromConfig(cfg)
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(localtest.UniqueName(t, 80))})
	if err != nil {
		t.Fatal(err)
	}
	filter, err := sources.ParsePattern(`{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"EVENT#"}]},"sk":{"S":["EVENT"]}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	pipe := &sources.Pipe{Name: "IndexPipe", Filters: []sources.Pattern{filter}, SQS: sqsc, QueueURL: aws.ToString(q.QueueUrl), Log: io.Discard,
		Reader: &sources.StreamReader{Client: dynamodbstreams.NewFromConfig(cfg), StreamArn: aws.ToString(desc.Table.LatestStreamArn),
			StartingPosition: "TRIM_HORIZON", BatchSize: 1, Log: io.Discard}}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go pipe.Run(runCtx)

	for _, key := range [][2]string{{"VENUE#1", "VENUE"}, {"EVENT#1", "EVENT"}, {"EVENT#1", "USER#u"}, {"EVENT#2", "EVENT"}} {
		if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: key[0]}, "sk": &ddbtypes.AttributeValueMemberS{Value: key[1]},
			"version": &ddbtypes.AttributeValueMemberN{Value: "1"},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	var got []events.DynamoDBEventRecord
	// The bound only keeps a broken pipe from hanging the test; nothing is timed.
	for deadline := time.Now().Add(time.Minute); len(got) < 2 && time.Now().Before(deadline); {
		out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var rec events.DynamoDBEventRecord
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &rec); err != nil {
				t.Fatalf("message is not a stream record: %v: %s", err, aws.ToString(m.Body))
			}
			got = append(got, rec)
		}
		if len(out.Messages) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(got) != 2 {
		t.Fatalf("queue got %d records, want 2: %+v", len(got), got)
	}
	for i, want := range []string{"EVENT#1", "EVENT#2"} {
		r := got[i]
		if r.Change.Keys["pk"].String() != want || r.EventName != "INSERT" || r.EventSource != "aws:dynamodb" ||
			r.EventSourceArn != pipe.Reader.StreamArn || r.Change.NewImage["version"].Number() != "1" || r.Change.StreamViewType != "NEW_AND_OLD_IMAGES" {
			t.Errorf("record %d = %+v", i, r)
		}
	}
}
