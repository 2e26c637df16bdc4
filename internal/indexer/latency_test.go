package indexer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/localstack/opensearch"
	"github.com/bookmyevent/bookmyevent/internal/localstack/sources"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// BenchmarkPublishToSearchable publishes 200 events and reports how long each took to
// become searchable through the whole path: table stream -> pipe (emulated) -> index
// queue -> indexer -> OpenSearch (refresh_interval 1 s).
func BenchmarkPublishToSearchable(b *testing.B) {
	for b.Loop() {
		measurePublishToSearchable(b, 200)
	}
}

func measurePublishToSearchable(b *testing.B, n int) {
	p := newPipeline(b)
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	v, err := p.svc.CreateVenue(ctx, "admin", "", catalog.VenueInput{Name: "Hall", Address: "1 Main St", City: "Oslo", Country: "NO", Capacity: 5000})
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for i := 0; i < n; i++ {
		ids = append(ids, p.draft(ctx, v.ID, fmt.Sprintf("Latency %d", i)))
	}
	p.run(ctx, p.pipe(ctx))
	// The drafts' records come first; a last event published and found means that
	// backlog is gone, so what is measured below is publishing alone.
	sentinel := p.event(ctx, v.ID, "Sentinel")
	published := map[string]time.Time{sentinel: time.Now()}
	var mu sync.Mutex
	if lat := watch(ctx, b, opensearch.ForTest(b), p.index.Alias(), &mu, published, 1); len(lat) != 1 {
		b.Fatal("the sentinel never became searchable")
	}
	published = map[string]time.Time{}
	done := make(chan []time.Duration)
	go func() { done <- watch(ctx, b, opensearch.ForTest(b), p.index.Alias(), &mu, published, n) }()
	for _, id := range ids {
		if _, err := p.svc.Publish(ctx, id, 0); err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		published[id] = time.Now()
		mu.Unlock()
	}
	lat := <-done
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
}

// watch asks OpenSearch every 50 ms which published events it can find and returns how
// long each took from its publish to its first sighting.
func watch(ctx context.Context, b *testing.B, url, alias string, mu *sync.Mutex, published map[string]time.Time, n int) []time.Duration {
	seen := map[string]bool{}
	var lat []time.Duration
	deadline := time.Now().Add(5 * time.Minute)
	for len(lat) < n && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		body, _ := json.Marshal(map[string]any{"size": 10000, "_source": false, "query": map[string]any{"term": map[string]any{"status": "published"}}})
		resp, err := http.Post(url+"/"+alias+"/_search", "application/json", bytes.NewReader(body))
		if err != nil {
			continue
		}
		var out struct {
			Hits struct {
				Hits []struct {
					ID string `json:"_id"`
				}
			} `json:"hits"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		now := time.Now()
		mu.Lock()
		for _, h := range out.Hits.Hits {
			if at, ok := published[h.ID]; ok && !seen[h.ID] {
				seen[h.ID] = true
				lat = append(lat, now.Sub(at))
			}
		}
		mu.Unlock()
	}
	if len(lat) < n {
		b.Errorf("only %d of %d events became searchable", len(lat), n)
	}
	return lat
}

// draft creates a draft event at the venue and returns its id.
func (p *pipeline) draft(ctx context.Context, venueID, name string) string {
	p.t.Helper()
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	e, err := p.svc.CreateEvent(ctx, "admin", "", catalog.EventInput{Name: name, Category: "theatre", VenueID: venueID,
		StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(time.Hour).Format(time.RFC3339), Capacity: 10,
		Price: &catalog.Money{Amount: 1000, Currency: "USD"}})
	if err != nil {
		p.t.Fatal(err)
	}
	return e.ID
}

// event creates and publishes an event and returns its id.
func (p *pipeline) event(ctx context.Context, venueID, name string) string {
	p.t.Helper()
	id := p.draft(ctx, venueID, name)
	if _, err := p.svc.Publish(ctx, id, 0); err != nil {
		p.t.Fatal(err)
	}
	return id
}

// pipe is the local stack's emulation of the template's IndexPipe, with every filter
// the template gives it, reading the table's stream from its start.
func (p *pipeline) pipe(ctx context.Context) *sources.Pipe {
	p.t.Helper()
	desc, err := p.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &p.table})
	if err != nil {
		p.t.Fatal(err)
	}
	def, err := p.stack(p.t).Pipe("IndexPipe")
	if err != nil {
		p.t.Fatal(err)
	}
	var filters []sources.Pattern
	for _, f := range def.Filters() {
		pat, err := sources.ParsePattern(f)
		if err != nil {
			p.t.Fatal(err)
		}
		filters = append(filters, pat)
	}
	return &sources.Pipe{Name: "IndexPipe", Filters: filters, SQS: p.sqs, QueueURL: p.queue, Log: io.Discard,
		Reader: &sources.StreamReader{Client: dynamodbstreams.NewFromConfig(localtest.AWSConfig(p.t)), StreamArn: *desc.Table.LatestStreamArn,
			StartingPosition: "TRIM_HORIZON", BatchSize: 10, Log: io.Discard}}
}

// run moves records through pipe and the queue into the index until ctx ends: two
// pollers, as the local stack and (at first) Lambda run for a queue.
func (p *pipeline) run(ctx context.Context, pipe *sources.Pipe) {
	go pipe.Run(ctx)
	go p.poll(ctx)
	go p.poll(ctx)
}

// stack binds the template to the test's table and queue, so its pipe resolves.
func (p *pipeline) stack(t testing.TB) *template.Stack {
	s, err := localtest.Template(t).NewStack("latency", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetPhysical("Table", template.Physical{Ref: p.table, Attrs: map[string]string{"StreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/" + p.table + "/stream/x"}})
	s.SetPhysical("IndexQueue", template.Physical{Ref: p.queue, Attrs: map[string]string{"Arn": "arn:aws:sqs:us-east-1:123456789012:" + p.queue}})
	return s
}
