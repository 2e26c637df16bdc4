// Package capacity simulates how fast one event's on-sale can sell when every
// reservation is a DynamoDB transaction that writes the event's inventory item, and how
// write-sharded inventory and an admission queue raise that ceiling. It is a model, not
// product code: it puts numbers on docs/capacity.md.
//
// The model: time runs in one-second windows. Each inventory item (the event item, or
// one of N shard items) accepts ItemTxPerSecond transactional writes per window
// (DynamoDB: 1,000 WCU/s per partition key, 2 WCU per transactional write of an item
// under 1 KB, so 500). The table as a whole accepts TableWRUPerSecond, and every
// reservation attempt costs WRUPerReservation of it. A buyer picks a random shard; a
// shard without enough seats costs the attempt and the buyer falls back to the next
// shard with seats (what a cached read of all shard counts would show). An attempt
// that finds its item or the table out of capacity is throttled and the buyer retries
// in the next window, until MaxWait has passed (the client gives up).
package capacity

import (
	"math/rand/v2"
	"sort"
)

// Config is one on-sale.
type Config struct {
	Seats             int    // event capacity
	Shards            int    // inventory items the capacity is split across (1 = unsharded)
	Buyers            int    // people who try to buy
	ArrivalSeconds    int    // buyers arrive evenly over this many seconds
	MaxQuantity       int    // each buyer wants 1..MaxQuantity seats, uniformly
	ItemTxPerSecond   int    // transactional writes one item accepts per second
	TableWRUPerSecond int    // the table's write throughput (0 = unlimited)
	WRUPerReservation int    // write units one reservation attempt costs the table
	MaxWait           int    // seconds a buyer keeps retrying a throttled attempt
	AdmitPerSecond    int    // admission queue drain rate (0 = no queue: everyone goes at once)
	Seed              uint64 // the run is deterministic for a seed
}

// Result is what the on-sale did.
type Result struct {
	Sold          int     // seats sold
	Leftover      int     // seats unsold when the last buyer was done
	SellOutSecond int     // window in which the last seat sold (or the run ended)
	PeakPerSecond int     // most reservations in one window
	MeanPerSecond float64 // reservations per second until sell-out
	Attempts      int     // transaction attempts, fallbacks and throttled ones included
	Fallbacks     int     // attempts on a shard without enough seats
	Throttled     int     // attempts refused for capacity
	GaveUp        int     // buyers who hit MaxWait while seats remained
	QueueWaitP50  int     // seconds buyers waited in the admission queue
	QueueWaitP99  int
}

// FallbackRate is the share of attempts that hit a shard without enough seats.
func (r Result) FallbackRate() float64 { return ratio(r.Fallbacks, r.Attempts) }

// ThrottleRate is the share of attempts refused for capacity.
func (r Result) ThrottleRate() float64 { return ratio(r.Throttled, r.Attempts) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

type buyer struct {
	qty     int
	arrived int // second the buyer arrived
	started int // second the buyer left the admission queue
}

// Simulate runs one on-sale.
func Simulate(c Config) Result {
	rng := rand.New(rand.NewPCG(c.Seed, 0x6f6e2d73616c65))
	shards := make([]int, max(c.Shards, 1))
	for i := range c.Seats {
		shards[i%len(shards)]++
	}
	remaining := c.Seats
	perSecond := max(c.Buyers/max(c.ArrivalSeconds, 1), 1)

	var res Result
	var queue, active []buyer
	var waits []int
	arrived, reservations := 0, 0
	for sec := 0; ; sec++ {
		for n := 0; n < perSecond && arrived < c.Buyers; n++ {
			queue = append(queue, buyer{qty: 1 + rng.IntN(max(c.MaxQuantity, 1)), arrived: sec})
			arrived++
		}
		admit := len(queue)
		if c.AdmitPerSecond > 0 {
			admit = min(admit, c.AdmitPerSecond)
		}
		for _, b := range queue[:admit] {
			b.started = sec
			waits = append(waits, sec-b.arrived)
			active = append(active, b)
		}
		queue = queue[admit:]
		// Buyers in one window race in random order.
		rng.Shuffle(len(active), func(i, j int) { active[i], active[j] = active[j], active[i] })

		w := window{item: make([]int, len(shards)), table: c.TableWRUPerSecond, unlimited: c.TableWRUPerSecond == 0, wru: c.WRUPerReservation}
		for i := range w.item {
			w.item[i] = c.ItemTxPerSecond
		}
		sold := 0
		next := active[:0]
		for _, b := range active {
			if !anyFits(shards, b.qty) {
				continue // sold out for this buyer (no one item has b.qty seats): 409, leaves
			}
			done, retry := w.attempt(rng, shards, b.qty, &res)
			switch {
			case done:
				remaining -= b.qty
				res.Sold += b.qty
				sold++
				res.SellOutSecond = sec
			case retry && sec-b.started < c.MaxWait:
				next = append(next, b)
			case retry:
				res.GaveUp++
			}
		}
		active = next
		reservations += sold
		res.PeakPerSecond = max(res.PeakPerSecond, sold)
		if (arrived == c.Buyers && len(queue) == 0 && len(active) == 0) || remaining == 0 {
			break
		}
	}
	res.Leftover = remaining
	if res.SellOutSecond >= 0 {
		res.MeanPerSecond = float64(reservations) / float64(res.SellOutSecond+1)
	}
	sort.Ints(waits)
	if len(waits) > 0 {
		res.QueueWaitP50 = waits[len(waits)/2]
		res.QueueWaitP99 = waits[min(len(waits)-1, len(waits)*99/100)]
	}
	return res
}

func anyFits(shards []int, qty int) bool {
	for _, s := range shards {
		if s >= qty {
			return true
		}
	}
	return false
}

// window is the write capacity left in one second.
type window struct {
	item      []int // transactional writes each item still accepts
	table     int   // write units the table still accepts
	unlimited bool  // no table limit modelled
	wru       int   // write units one attempt costs the table
}

// attempt tries a random shard, then falls back through the others in order. It reports
// done when seats were taken, retry when capacity (not seats) stopped it.
func (w *window) attempt(rng *rand.Rand, shards []int, qty int, res *Result) (done, retry bool) {
	start := rng.IntN(len(shards))
	for k := range shards {
		i := (start + k) % len(shards)
		if k > 0 && shards[i] < qty {
			continue // the cached counts show it cannot fit: not tried
		}
		res.Attempts++
		if w.item[i] == 0 || (!w.unlimited && w.table < w.wru) {
			res.Throttled++
			return false, true
		}
		w.item[i]--
		w.table -= w.wru
		if shards[i] >= qty {
			shards[i] -= qty
			return true, false
		}
		res.Fallbacks++
	}
	return false, false
}

// OnSale is the 50,000-seat on-sale docs/capacity.md is about, before any choice of
// shards or queue: 200,000 buyers in the first 20 seconds, up to 4 seats each, DynamoDB
// on-demand limits (500 transactional writes/s per item, 40,000 WRU/s per table), 12 WRU
// per reservation, buyers who give up after 10 seconds of throttling.
func OnSale(shards, admitPerSecond int) Config {
	return Config{Seats: 50000, Shards: shards, Buyers: 200000, ArrivalSeconds: 20, MaxQuantity: 4,
		ItemTxPerSecond: 500, TableWRUPerSecond: 40000, WRUPerReservation: 12, MaxWait: 10,
		AdmitPerSecond: admitPerSecond, Seed: 1}
}
