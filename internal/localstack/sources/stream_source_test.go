package sources_test

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/bookmyevent/bookmyevent/internal/localstack/runtime"
	"github.com/bookmyevent/bookmyevent/internal/localstack/sources"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// streamFunc records the keys it sees and reports the first delivery of "EVENT#2" as a
// failed item, so the source must redeliver from it.
type streamFunc struct {
	mu     sync.Mutex
	seen   []string
	failed bool
}

func (f *streamFunc) Invoke(_ context.Context, payload []byte) (runtime.Result, error) {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return runtime.Result{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records {
		pk := r.Change.Keys["pk"].String()
		if pk == "EVENT#2" && !f.failed {
			f.failed = true
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			break
		}
		f.seen = append(f.seen, pk)
	}
	b, _ := json.Marshal(resp)
	return runtime.Result{Payload: b}, nil
}

func (f *streamFunc) keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

func TestStreamSourceRetriesFromFirstFailure(t *testing.T) {
	ddb, table := localtest.Table(t)
	ctx := context.Background()
	desc, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	filter, err := sources.ParsePattern(`{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"EVENT#"}]}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, pk := range []string{"EVENT#1", "VENUE#1", "EVENT#2", "EVENT#3"} {
		if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: "X"}}}); err != nil {
			t.Fatal(err)
		}
	}
	fn := &streamFunc{}
	src := &sources.StreamSource{Function: "F", Invoker: fn, ReportBatchItemFailures: true, Filters: []sources.Pattern{filter},
		Reader: &sources.StreamReader{Client: dynamodbstreams.NewFromConfig(localtest.AWSConfig(t)), StreamArn: aws.ToString(desc.Table.LatestStreamArn),
			StartingPosition: "TRIM_HORIZON", BatchSize: 10, Log: io.Discard}}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go src.Run(runCtx)
	// The bound only keeps a broken source from hanging the test; nothing is timed.
	for deadline := time.Now().Add(time.Minute); len(fn.keys()) < 3 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
	}
	got := fn.keys()
	if len(got) != 3 || got[0] != "EVENT#1" || got[1] != "EVENT#2" || got[2] != "EVENT#3" {
		t.Errorf("function saw %v, want [EVENT#1 EVENT#2 EVENT#3] (filtered, in order, EVENT#2 redelivered once)", got)
	}
}
