package indexer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
)

// BenchmarkReindex10kFromTable rebuilds the index from a table of 10,000 published
// events in moto: table pages read through the store, bulk writes to OpenSearch, the
// alias swap and the catch-up pass. It reports events per second.
func BenchmarkReindex10kFromTable(b *testing.B) {
	p := newPipeline(b)
	ctx := context.Background()
	v, err := p.svc.CreateVenue(ctx, "admin", "", catalog.VenueInput{Name: "Hall", Address: "1 Main St", City: "Oslo", Country: "NO", Capacity: 5000})
	if err != nil {
		b.Fatal(err)
	}
	// One event through the service gives the stored layout; the rest are copies of its
	// item under new ids, written in batches (creating 10,000 through the service would
	// take minutes on moto).
	proto := p.item(p.event(ctx, v.ID, "Reindex prototype"))
	const n = 10_000
	var batch []ddbtypes.WriteRequest
	for i := 1; i < n; i++ {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		it := map[string]ddbtypes.AttributeValue{}
		for k, a := range proto {
			it[k] = a
		}
		it["pk"] = &ddbtypes.AttributeValueMemberS{Value: "EVENT#" + id}
		it["event_id"] = &ddbtypes.AttributeValueMemberS{Value: id}
		it["gsi1sk"] = &ddbtypes.AttributeValueMemberS{Value: time.Now().UTC().Format(time.RFC3339) + "#" + id}
		it["name"] = &ddbtypes.AttributeValueMemberS{Value: fmt.Sprintf("Reindexed event %d", i)}
		batch = append(batch, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: it}})
		if len(batch) == 25 || i == n-1 {
			if _, err := p.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{p.table: batch}}); err != nil {
				b.Fatal(err)
			}
			batch = nil
		}
	}
	store := dynamo.New(p.db, p.table)
	b.ResetTimer()
	for b.Loop() {
		stats, err := p.index.Rebuild(ctx, store)
		if err != nil {
			b.Fatal(err)
		}
		if stats.Events != n {
			b.Fatalf("read %d events, want %d", stats.Events, n)
		}
		b.ReportMetric(float64(stats.Events)/stats.Duration.Seconds(), "events/s")
	}
}
