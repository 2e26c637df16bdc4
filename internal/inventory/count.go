package inventory

// ShardWrites is the transactional writes a second one shard is planned for: 400 of a
// key's 500 (1,000 WCU/s at 2 WRU each), the rest left for the random pick's imbalance.
const ShardWrites = 400

// SeatsPerOrder is the fewest largest orders a shard must be able to hold, so spreading
// the seats does not strand them in shards too small for an order.
const SeatsPerOrder = 4

// ShardsFor is the rule for an event's inventory_shards when a waiting room sets its
// demand (docs/waiting-room.md §5): each admitted buyer writes a shard twice (the
// reservation and its confirmation), so N = ceil(rate x 2 / ShardWrites), rounded up to
// a power of two (an even spread of capacity changes and a doubling per step of demand),
// at most MaxShards, and never so many that a shard holds fewer than SeatsPerOrder of the
// largest order; at least 1.
func ShardsFor(admissionPerSecond int, capacity, maxTicketsPerBooking int64) int {
	need := (int64(max(admissionPerSecond, 0))*2 + ShardWrites - 1) / ShardWrites
	n := 1
	for int64(n) < need && n < MaxShards {
		n *= 2
	}
	fit := capacity / (SeatsPerOrder * max(maxTicketsPerBooking, 1))
	for n > 1 && int64(n) > fit {
		n /= 2
	}
	return n
}
