package indexer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/localstack/opensearch"
	"github.com/bookmyevent/bookmyevent/internal/localstack/pipes"
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
	// The drafts are created before the pipe starts reading (LATEST), so what is measured
	// is publishing alone, not a backlog of draft records.
	v, err := p.svc.CreateVenue(ctx, "admin", "", catalog.VenueInput{Name: "Hall", Address: "1 Main St", City: "Oslo", Country: "NO", Capacity: 5000})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	var ids []string
	for i := 0; i < n; i++ {
		e, err := p.svc.CreateEvent(ctx, "admin", "", catalog.EventInput{Name: fmt.Sprintf("Latency %d", i), Category: "theatre", VenueID: v.ID,
			StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(time.Hour).Format(time.RFC3339), Capacity: 10,
			Price: &catalog.Money{Amount: 1000, Currency: "USD"}})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	desc, err := p.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &p.table})
	if err != nil {
		b.Fatal(err)
	}
	filter, _ := pipes.ParsePattern(`{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"EVENT#"}]},"sk":{"S":["EVENT"]}}}}`)
	pipe := &pipes.Pipe{Name: "IndexPipe", Streams: dynamodbstreams.NewFromConfig(localtest.AWSConfig(b)), SQS: p.sqs,
		StreamARN: *desc.Table.LatestStreamArn, QueueURL: p.queue, Region: "us-east-1", Filters: []pipes.Pattern{filter}}
	if err := pipe.Start(ctx); err != nil {
		b.Fatal(err)
	}
	// Two pollers, as the local stack and (at first) Lambda run for a queue.
	go p.poll(ctx)
	go p.poll(ctx)

	published := map[string]time.Time{}
	var mu sync.Mutex
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
