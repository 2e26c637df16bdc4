package search

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkRebuild10k rebuilds an index of 10,000 published events (table pages served
// from memory, so this measures the indexing side) and reports events per second.
func BenchmarkRebuild10k(b *testing.B) {
	ix := newIndex(b)
	evs := pages(sampleEvents(10_000))
	b.ResetTimer()
	for b.Loop() {
		stats, err := ix.Rebuild(context.Background(), evs)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(stats.Written)/stats.Duration.Seconds(), "events/s")
	}
}

// BenchmarkSearch20Clients runs mixed searches from 20 concurrent clients against 10,000
// events and reports the latency percentiles each client saw.
func BenchmarkSearch20Clients(b *testing.B) {
	ix := newIndex(b)
	if _, err := ix.Rebuild(context.Background(), pages(sampleEvents(10_000))); err != nil {
		b.Fatal(err)
	}
	queries := [][]string{
		{"q", "festival"}, {"q", "symphny harbour"}, {"q", "opera", "city", "berlin"},
		{"city", "Lisbon", "sort", "price"}, {"category", "comedy", "available", "true"},
		{"q", "midnight carnival", "min_price", "2000", "max_price", "4000"}, {"sort", "starts_at"},
	}
	// Warm the JVM's JIT and the caches first: a deployed domain is warm.
	for i := range 300 {
		q, _ := ParseQuery(params(queries[i%len(queries)]...), now)
		if _, err := ix.Search(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	b.SetParallelism(10) // 10 x GOMAXPROCS(2) = 20 clients
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			q, err := ParseQuery(params(queries[rand.IntN(len(queries))]...), now)
			if err != nil {
				b.Error(err)
				return
			}
			start := time.Now()
			if _, err := ix.Search(context.Background(), q); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
