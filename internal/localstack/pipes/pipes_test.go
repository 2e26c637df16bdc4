package pipes_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/localstack/pipes"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

func put(t *testing.T, db *dynamodb.Client, table, pk, sk string) {
	t.Helper()
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk},
		"version": &types.AttributeValueMemberN{Value: "1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPipeForwardsMatchingStreamRecords(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, table := localtest.Table(t)
	q, url := localtest.Queue(t, "IndexQueue")
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil || desc.Table.LatestStreamArn == nil {
		t.Fatalf("table has no stream: %v", err)
	}
	stack, err := localtest.Template(t).NewStack("pipes", nil)
	if err != nil {
		t.Fatal(err)
	}
	stack.SetPhysical("Table", template.Physical{Ref: table, Attrs: map[string]string{"StreamArn": *desc.Table.LatestStreamArn}})
	stack.SetPhysical("IndexQueue", template.Physical{Ref: url, Attrs: map[string]string{"Arn": "arn:aws:sqs:us-east-1:123456789012:q"}})
	def, err := stack.Pipe("IndexPipe")
	if err != nil || len(def.Filters()) != 1 {
		t.Fatalf("template IndexPipe: %+v %v", def, err)
	}
	filter, err := pipes.ParsePattern(def.Filters()[0])
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, table, "EVENT#before", "EVENT") // before the pipe starts: LATEST skips it
	p := &pipes.Pipe{Name: "IndexPipe", Streams: dynamodbstreams.NewFromConfig(localtest.AWSConfig(t)), SQS: q,
		StreamARN: *desc.Table.LatestStreamArn, QueueURL: url, Region: "us-east-1", Filters: []pipes.Pattern{filter}, Log: os.Stderr}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	put(t, db, table, "EVENT#e1", "EVENT")
	put(t, db, table, "EVENT#e1", "USER#u1")
	put(t, db, table, "BOOKING#b1", "BOOKING")

	var got []events.DynamoDBEventRecord
	// Receive until the event's record came, then once more to catch a wrongly forwarded one.
	for tries, extra := 0, 1; tries < 30 && extra >= 0; tries++ {
		if len(got) > 0 {
			extra--
		}
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var r events.DynamoDBEventRecord
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &r); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
	}
	if len(got) != 1 || got[0].Change.Keys["pk"].String() != "EVENT#e1" || got[0].EventName != "INSERT" ||
		got[0].Change.NewImage["version"].Number() != "1" || got[0].EventSource != "aws:dynamodb" {
		t.Fatalf("forwarded %+v", got)
	}
}
