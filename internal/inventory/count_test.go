package inventory

import "testing"

func TestShardsFor(t *testing.T) {
	for _, c := range []struct {
		name               string
		rate               int
		capacity, maxPerBk int64
		want               int
	}{
		{"the goal: 5,000/s, 50,000 seats", 5000, 50_000, 10, 32},
		{"a small room fits one item", 100, 50_000, 10, 1},
		{"exactly one shard's writes", 200, 50_000, 10, 1},
		{"just over one shard", 201, 50_000, 10, 2},
		{"the default rate", 250, 50_000, 10, 2},
		{"rounded up to a power of two", 1000, 50_000, 10, 8},
		{"at most MaxShards", 20_000, 1_000_000, 10, MaxShards},
		{"a shard holds four largest orders", 5000, 400, 10, 8},
		{"too few seats for two shards", 5000, 79, 10, 1},
		{"no rate", 0, 50_000, 10, 1},
		{"a limit of 0 counts as 1", 5000, 50_000, 0, 32},
	} {
		if got := ShardsFor(c.rate, c.capacity, c.maxPerBk); got != c.want {
			t.Errorf("%s: ShardsFor(%d, %d, %d) = %d, want %d", c.name, c.rate, c.capacity, c.maxPerBk, got, c.want)
		}
	}
}
