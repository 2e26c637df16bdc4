package localtest

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestTableMatchesTemplate(t *testing.T) {
	c, name := Table(t)
	ctx := context.Background()
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	def, err := testStack(t).Table("Table")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(out.Table.GlobalSecondaryIndexes), len(def.GlobalSecondaryIndexes); got != want {
		t.Errorf("GSIs = %d, want %d", got, want)
	}
	if len(out.Table.KeySchema) != len(def.KeySchema) || aws.ToString(out.Table.KeySchema[0].AttributeName) != def.KeySchema[0].AttributeName {
		t.Errorf("key schema = %+v, want %+v", out.Table.KeySchema, def.KeySchema)
	}
	if def.StreamSpecification != nil && (out.Table.StreamSpecification == nil || string(out.Table.StreamSpecification.StreamViewType) != def.StreamSpecification.StreamViewType) {
		t.Errorf("stream = %+v, want %s", out.Table.StreamSpecification, def.StreamSpecification.StreamViewType)
	}
	if def.TimeToLiveSpecification != nil {
		ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled ||
			aws.ToString(ttl.TimeToLiveDescription.AttributeName) != def.TimeToLiveSpecification.AttributeName {
			t.Errorf("TTL = %+v", ttl.TimeToLiveDescription)
		}
	}
	// A second table for the same test is a different, empty table.
	_, other := Table(t)
	if other == name {
		t.Errorf("two tables share the name %s", name)
	}
}

func TestSQSHasItsOwnEndpoint(t *testing.T) {
	ep := AWS(t)
	c := sqs.NewFromConfig(AWSConfig(t))
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(UniqueName(t, 80))})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(out.QueueUrl), ep.SQS) {
		t.Errorf("queue URL %s is not served by the SQS endpoint %s", aws.ToString(out.QueueUrl), ep.SQS)
	}
}

func TestUniqueNameBounds(t *testing.T) {
	for _, max := range []int{20, 80, 255} {
		n := UniqueName(t, max)
		if len(n) > max || n == UniqueName(t, max) {
			t.Errorf("UniqueName(%d) = %q", max, n)
		}
	}
}

func TestQueueWithDLQFromTemplate(t *testing.T) {
	tmpl := Template(t)
	var id string
	for _, q := range tmpl.IDs("AWS::SQS::Queue") {
		if _, ok := tmpl.DeadLetterQueue(q); ok {
			id = q
			break
		}
	}
	if id == "" {
		t.Fatal("template.yaml has no queue with a dead-letter queue to test with")
	}
	c, url, dlq := QueueWithDLQ(t, id)
	if dlq == "" || dlq == url {
		t.Fatalf("QueueWithDLQ(%s) = %s, %s", id, url, dlq)
	}
	ctx := context.Background()
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	dlqAttrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlq),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(attrs.Attributes["RedrivePolicy"], dlqAttrs.Attributes["QueueArn"]) {
		t.Errorf("redrive policy %s does not name the fresh DLQ %s", attrs.Attributes["RedrivePolicy"], dlqAttrs.Attributes["QueueArn"])
	}
	if _, other := Queue(t, id); other == url {
		t.Errorf("two queues share the URL %s", url)
	}
}
