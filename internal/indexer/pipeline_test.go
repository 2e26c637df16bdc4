package indexer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/indexer"
	"github.com/bookmyevent/bookmyevent/internal/localstack/opensearch"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/search"
)

// pipeline is the index path on real local services: a catalogue on a moto table, the
// template's IndexQueue and its DLQ in moto, and an index on a real OpenSearch node.
type pipeline struct {
	t       testing.TB
	ctx     context.Context
	db      *dynamodb.Client
	table   string
	svc     *catalog.Service
	sqs     *sqs.Client
	queue   string
	dlq     string
	index   *search.Index
	indexer *indexer.Indexer
	// received counts the messages the indexer was handed (redeliveries too).
	received atomic.Int64
}

func newPipeline(t testing.TB) *pipeline {
	db, table := localtest.Table(t)
	c, queue, dlq := localtest.QueueWithDLQ(t, "IndexQueue")
	ix, err := search.New(search.Config{URL: opensearch.ForTest(t), Alias: strings.ToLower(localtest.UniqueName(t, 60))})
	if err != nil {
		t.Fatal(err)
	}
	store := dynamo.New(db, table)
	return &pipeline{t: t, ctx: context.Background(), db: db, table: table,
		svc: catalog.NewService(store, time.Now), sqs: c, queue: queue, dlq: dlq,
		index: ix, indexer: indexer.New(dynamo.EventFromImage, dynamo.ShardEventID, store, ix)}
}

// send puts the event's current item on the queue as the pipe would: one stream record.
func (p *pipeline) send(id string) {
	p.t.Helper()
	p.sendBody(streamRecord(p.t, p.item(id)))
}

func (p *pipeline) item(id string) map[string]ddbtypes.AttributeValue {
	p.t.Helper()
	out, err := p.db.GetItem(p.ctx, &dynamodb.GetItemInput{TableName: &p.table, Key: map[string]ddbtypes.AttributeValue{
		"pk": &ddbtypes.AttributeValueMemberS{Value: "EVENT#" + id}, "sk": &ddbtypes.AttributeValueMemberS{Value: "EVENT"},
	}})
	if err != nil || out.Item == nil {
		p.t.Fatalf("read event %s: %v", id, err)
	}
	return out.Item
}

func (p *pipeline) sendBody(body string) {
	p.t.Helper()
	if _, err := p.sqs.SendMessage(p.ctx, &sqs.SendMessageInput{QueueUrl: &p.queue, MessageBody: &body}); err != nil {
		p.t.Fatal(err)
	}
}

// drain plays the Lambda SQS event source until the queue is empty.
func (p *pipeline) drain() {
	p.t.Helper()
	for round := 0; round < 500; round++ {
		n, err := p.receive(p.ctx)
		if err != nil {
			p.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	p.t.Fatal("queue did not drain")
}

// poll plays the event source until ctx ends. It short-polls (as the local stack's
// pollers do): moto serves one request at a time, so a long poll would hold up the sends.
func (p *pipeline) poll(ctx context.Context) {
	for ctx.Err() == nil {
		if n, _ := p.receive(ctx); n == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// receive takes one batch, invokes the indexer, deletes what succeeded and makes the
// failures visible again at once (a short stand-in for the visibility timeout).
func (p *pipeline) receive(ctx context.Context) (int, error) {
	out, err := p.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: &p.queue, MaxNumberOfMessages: 10,
	})
	if err != nil || len(out.Messages) == 0 {
		return 0, err
	}
	p.received.Add(int64(len(out.Messages)))
	var ev events.SQSEvent
	handles := map[string]string{}
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: *m.MessageId, Body: *m.Body, ReceiptHandle: *m.ReceiptHandle})
		handles[*m.MessageId] = *m.ReceiptHandle
	}
	resp, err := p.indexer.Handle(ctx, ev)
	if err != nil {
		return 0, err
	}
	for _, f := range resp.BatchItemFailures {
		h := handles[f.ItemIdentifier]
		delete(handles, f.ItemIdentifier)
		if _, err := p.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &p.queue, ReceiptHandle: &h, VisibilityTimeout: 0}); err != nil {
			return 0, err
		}
	}
	for _, h := range handles {
		if _, err := p.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &p.queue, ReceiptHandle: aws.String(h)}); err != nil {
			return 0, err
		}
	}
	return len(out.Messages), nil
}

func (p *pipeline) search(kv ...string) search.Results {
	p.t.Helper()
	if err := p.index.Refresh(p.ctx); err != nil {
		p.t.Fatal(err)
	}
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	q, err := search.ParseQuery(func(k string) string { return m[k] }, time.Now())
	if err != nil {
		p.t.Fatal(err)
	}
	r, err := p.index.Search(p.ctx, q)
	if err != nil {
		p.t.Fatal(err)
	}
	return r
}

func TestPublishedEventsFlowThroughTheQueueIntoSearch(t *testing.T) {
	p := newPipeline(t)
	v, err := p.svc.CreateVenue(p.ctx, "admin", "", catalog.VenueInput{Name: "Paradiso", Address: "1 Weteringschans", City: "Amsterdam", Country: "NL", Capacity: 5000})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	var ids []string
	for i := 0; i < 200; i++ {
		s := start.Add(time.Duration(i) * time.Hour)
		e, err := p.svc.CreateEvent(p.ctx, "admin", "", catalog.EventInput{
			Name: fmt.Sprintf("Pipeline Gig %d", i), Category: "live-music", VenueID: v.ID,
			StartsAt: s.Format(time.RFC3339), EndsAt: s.Add(2 * time.Hour).Format(time.RFC3339),
			Capacity: 10, Price: &catalog.Money{Amount: int64(1000 + i), Currency: "USD"},
		})
		if err != nil {
			t.Fatal(err)
		}
		p.send(e.ID) // the draft: never indexed
		if _, err := p.svc.Publish(p.ctx, e.ID, 0); err != nil {
			t.Fatal(err)
		}
		p.send(e.ID)
		ids = append(ids, e.ID)
	}
	p.sendBody(`{"eventName":"MODIFY","dynamodb":{"NewImage":`) // poisoned
	p.drain()

	if r := p.search("q", "pipeline gig"); r.Total != 200 {
		t.Fatalf("found %d of 200", r.Total)
	}
	if r := p.search("q", "pipelin gig 17"); r.Total == 0 || r.Items[0].EventID != ids[17] {
		t.Fatalf("typo search: %+v", r.Items)
	}
	dl, err := p.sqs.ReceiveMessage(p.ctx, &sqs.ReceiveMessageInput{QueueUrl: &p.dlq, MaxNumberOfMessages: 10})
	if err != nil || len(dl.Messages) != 1 || *dl.Messages[0].Body != `{"eventName":"MODIFY","dynamodb":{"NewImage":` {
		t.Fatalf("DLQ holds %d messages, want the poisoned one: %v", len(dl.Messages), err)
	}

	t.Run("an older message after a newer one changes nothing", func(t *testing.T) {
		old := p.item(ids[3])
		cur, err := p.svc.GetEvent(p.ctx, ids[3])
		if err != nil {
			t.Fatal(err)
		}
		name := "Renamed Gig"
		if _, err := p.svc.UpdateEvent(p.ctx, ids[3], cur.Version, catalog.EventPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		p.send(ids[3])
		p.sendBody(streamRecord(t, old))
		p.drain()
		r := p.search("q", "renamed")
		if r.Total != 1 || r.Items[0].Name != name {
			t.Fatalf("%+v", r.Items)
		}
	})
	t.Run("cancelling removes it", func(t *testing.T) {
		if _, err := p.svc.Cancel(p.ctx, ids[5], 0); err != nil {
			t.Fatal(err)
		}
		p.send(ids[5])
		p.drain()
		if r := p.search("q", "pipeline gig 5"); r.Total != 0 && r.Items[0].EventID == ids[5] {
			t.Fatalf("cancelled event still found: %+v", r.Items[0])
		}
		// 200 less the renamed one and the cancelled one.
		if r := p.search("q", "pipeline gig"); r.Total != 198 {
			t.Fatalf("found %d, want 198", r.Total)
		}
	})
}

// streamRecord is the JSON EventBridge Pipes puts on the queue for a change to item.
func streamRecord(t testing.TB, item map[string]ddbtypes.AttributeValue) string {
	t.Helper()
	img := map[string]events.DynamoDBAttributeValue{}
	for k, v := range item {
		img[k] = toStream(v)
	}
	r := events.DynamoDBEventRecord{
		AWSRegion: "us-east-1", EventID: strconv.FormatInt(time.Now().UnixNano(), 10), EventName: "MODIFY",
		EventSource: "aws:dynamodb", EventVersion: "1.1",
		Change: events.DynamoDBStreamRecord{
			Keys:           map[string]events.DynamoDBAttributeValue{"pk": img["pk"], "sk": img["sk"]},
			NewImage:       img,
			StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func toStream(v ddbtypes.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *ddbtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *ddbtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *ddbtypes.AttributeValueMemberM:
		m := map[string]events.DynamoDBAttributeValue{}
		for k, e := range v.Value {
			m[k] = toStream(e)
		}
		return events.NewMapAttribute(m)
	case *ddbtypes.AttributeValueMemberL:
		var l []events.DynamoDBAttributeValue
		for _, e := range v.Value {
			l = append(l, toStream(e))
		}
		return events.NewListAttribute(l)
	}
	return events.NewNullAttribute()
}
