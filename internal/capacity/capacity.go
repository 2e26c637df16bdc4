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
//
// Optionally (fields left zero keep the simple model): joins to the waiting room cost
// the table WRUPerJoin each in the second they arrive; each reservation is confirmed
// ConfirmDelay seconds later by one more transactional write on the same shard
// (WRUPerConfirmation of the table; a throttled confirmation retries next second); and
// Admitter replaces the fixed-rate drain with the waiting room's admitter as built
// (waitroom.Step: one-second steps, paused in a window after one with throttling, capped
// near the end by the seats left and the buyers already admitted, buyers numbered
// SealDelay seconds after they arrive).
package capacity

import (
	"math/rand/v2"
	"sort"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/waitroom"
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

	WRUPerJoin         int  // write units a waiting-room join costs the table (0: joins not modelled)
	ConfirmDelay       int  // seconds from a reservation to its confirmation (0: confirmations not modelled)
	WRUPerConfirmation int  // write units a confirmation costs the table
	Admitter           bool // admit with waitroom.Step instead of a fixed drain (needs AdmitPerSecond)
	SealDelay          int  // seconds from a join to its place in line (with Admitter)
	PreQueue           int  // buyers in line before the sale (placed at its start), on top of Buyers
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
	Confirmed     int // reservations confirmed
	ConfirmDoneAt int // window in which the last confirmation landed
	// ConfirmThrottled counts confirmation attempts refused for capacity.
	ConfirmThrottled int
	Paused           int // seconds the admitter paused for throttling

	// The load on AWS, per second at the peak and in all: table write units (joins,
	// reservation attempts, confirmations), API requests (joins, polls, reservation
	// attempts, confirmations) and how long an admitted buyer waited for a seat (0: in
	// the second they were admitted, i.e. with no throttled attempt).
	PeakWRU       int
	TotalWRU      int
	PeakRequests  int
	TotalRequests int
	Joins, Polls  int
	AnswerP99     int // seconds from admission to a reservation's answer, p99
	PeakConfirms  int // confirmations (attempts) in the busiest second
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
	placed  int // second the buyer got a place in line
	started int // second the buyer left the admission queue
}

// confirmation is a reservation's confirmation, due at second due on shard.
type confirmation struct{ due, shard int }

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
	var confirms []confirmation
	var waits, answers []int
	arrived, reservations, joined := 0, 0, 0
	adm := admitter{rate: c.AdmitPerSecond, perBuyer: float64(max(c.MaxQuantity, 1)+1) / 2}
	throttledBefore := false
	for range c.PreQueue {
		queue = append(queue, buyer{qty: 1 + rng.IntN(max(c.MaxQuantity, 1))})
	}
	for sec := 0; ; sec++ {
		for n := 0; n < perSecond && arrived < c.Buyers; n++ {
			queue = append(queue, buyer{qty: 1 + rng.IntN(max(c.MaxQuantity, 1)), arrived: sec, placed: sec + c.SealDelay})
			arrived++
			joined++
		}
		w := window{item: make([]int, len(shards)), table: c.TableWRUPerSecond, unlimited: c.TableWRUPerSecond == 0, wru: c.WRUPerReservation}
		for i := range w.item {
			w.item[i] = c.ItemTxPerSecond
		}
		if c.WRUPerJoin > 0 && !w.unlimited {
			w.table = max(w.table-joined*c.WRUPerJoin, 0)
		}
		res.Joins += joined
		polled := polls(queue, sec, c.AdmitPerSecond)
		res.Polls += polled
		requests, wru := joined+polled, joined*c.WRUPerJoin
		joined = 0
		attemptsBefore, confirmsBefore := res.Attempts, res.Confirmed+res.ConfirmThrottled
		throttled, confirmThrottled := res.Throttled, res.ConfirmThrottled
		confirms = w.confirm(confirms, sec, c.WRUPerConfirmation, &res)

		admit := len(queue)
		switch {
		case c.Admitter && c.AdmitPerSecond > 0:
			numbered := 0
			for numbered < len(queue) && queue[numbered].placed <= sec {
				numbered++
			}
			admit = adm.step(sec, numbered, len(active), remaining, throttledBefore, &res)
		case c.AdmitPerSecond > 0:
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

		sold := 0
		next := active[:0]
		for _, b := range active {
			if !anyFits(shards, b.qty) {
				continue // sold out for this buyer (no one item has b.qty seats): 409, leaves
			}
			shard, done, retry := w.attempt(rng, shards, b.qty, &res)
			switch {
			case done:
				answers = append(answers, sec-b.started)
				remaining -= b.qty
				res.Sold += b.qty
				sold++
				res.SellOutSecond = sec
				if c.ConfirmDelay > 0 {
					confirms = append(confirms, confirmation{due: sec + c.ConfirmDelay, shard: shard})
				}
			case retry && sec-b.started < c.MaxWait:
				next = append(next, b)
			case retry:
				res.GaveUp++
			}
		}
		active = next
		// Throttled attempts are not billed; every attempt and confirmation is a request.
		confirmsNow := res.Confirmed + res.ConfirmThrottled - confirmsBefore
		requests += res.Attempts - attemptsBefore + confirmsNow
		wru += (res.Attempts-attemptsBefore-(res.Throttled-throttled))*c.WRUPerReservation +
			(confirmsNow-(res.ConfirmThrottled-confirmThrottled))*c.WRUPerConfirmation
		res.PeakWRU, res.TotalWRU = max(res.PeakWRU, wru), res.TotalWRU+wru
		res.PeakConfirms = max(res.PeakConfirms, confirmsNow)
		res.PeakRequests, res.TotalRequests = max(res.PeakRequests, requests), res.TotalRequests+requests
		throttledBefore = res.Throttled > throttled || res.ConfirmThrottled > confirmThrottled
		reservations += sold
		res.PeakPerSecond = max(res.PeakPerSecond, sold)
		if ((arrived == c.Buyers && len(queue) == 0 && len(active) == 0) || remaining == 0) && len(confirms) == 0 {
			break
		}
		if remaining == 0 {
			queue, active = nil, nil // sold out: the rest are told so and leave
		}
	}
	res.Leftover = remaining
	if res.SellOutSecond >= 0 {
		res.MeanPerSecond = float64(reservations) / float64(res.SellOutSecond+1)
	}
	sort.Ints(answers)
	if len(answers) > 0 {
		res.AnswerP99 = answers[min(len(answers)-1, len(answers)*99/100)]
	}
	sort.Ints(waits)
	if len(waits) > 0 {
		res.QueueWaitP50 = waits[len(waits)/2]
		res.QueueWaitP99 = waits[min(len(waits)-1, len(waits)*99/100)]
	}
	return res
}

// polls is how many of the waiting buyers poll queue/me in second sec: each comes back
// after waitroom.RetryAfter of its ETA at the admission rate (unknown rate: every 30 s).
// Buyers not yet placed in line poll every 2 s.
func polls(queue []buyer, sec, rate int) int {
	n := 0.0
	for i, b := range queue {
		switch {
		case b.placed > sec:
			n += 0.5
		case rate > 0:
			n += 1 / float64(waitroom.RetryAfter(int64(i/rate+1)))
		default:
			n += 1.0 / waitroom.MaxRetryAfter
		}
	}
	return int(n)
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
// the shard and done when seats were taken, retry when capacity (not seats) stopped it.
func (w *window) attempt(rng *rand.Rand, shards []int, qty int, res *Result) (shard int, done, retry bool) {
	start := rng.IntN(len(shards))
	for k := range shards {
		i := (start + k) % len(shards)
		if k > 0 && shards[i] < qty {
			continue // the cached counts show it cannot fit: not tried
		}
		res.Attempts++
		if w.item[i] == 0 || (!w.unlimited && w.table < w.wru) {
			res.Throttled++
			return i, false, true
		}
		w.item[i]--
		w.table -= w.wru
		if shards[i] >= qty {
			shards[i] -= qty
			return i, true, false
		}
		res.Fallbacks++
	}
	return 0, false, false
}

// confirm runs the confirmations due by sec, before this window's reservations (they
// were started earlier); one refused for capacity is retried next second. It returns
// those still pending.
func (w *window) confirm(pending []confirmation, sec, wru int, res *Result) []confirmation {
	next := pending[:0]
	for _, cf := range pending {
		switch {
		case cf.due > sec:
			next = append(next, cf)
		case w.item[cf.shard] == 0 || (!w.unlimited && w.table < wru):
			res.ConfirmThrottled++
			next = append(next, cf)
		default:
			w.item[cf.shard]--
			w.table -= wru
			res.Confirmed++
			res.ConfirmDoneAt = sec
		}
	}
	return next
}

// admitter is waitroom.Step driven one window at a time.
type admitter struct {
	rate     int
	perBuyer float64
	serving  int64
	carry    float64
}

// step returns how many of the numbered buyers at the head of the queue to admit.
func (a *admitter) step(sec, numbered, active, remaining int, throttled bool, res *Result) int {
	now := time.Unix(int64(sec), 0)
	r := waitroom.Step(waitroom.StepInput{
		Now: now, Last: now.Add(-time.Second), Serving: a.serving, Numbered: a.serving + int64(numbered),
		Rate: a.rate, Carry: a.carry, Active: int64(active), Remaining: int64(remaining), PerBuyer: a.perBuyer,
		Throttled: throttled,
	})
	if r.Reason == waitroom.Throttled {
		res.Paused++
	}
	a.serving, a.carry = r.Serving, r.Carry
	return int(r.Admitted)
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

// Stadium is issue 12's on-sale as docs/waiting-room.md designs it: 50,000 seats, one a
// buyer, so 5,000 reservations a second sell out in 10 s; 100,000 buyers in the
// pre-queue, placed at the start, and 100,000 more joining over the first 20 s (2 WRU a
// join, placed 3 s after joining); reservations cost 8 WRU after the merge; each buyer
// confirms 5 s after reserving (5 WRU, on the same shard, its revenue with the seats); the admitter as built
// (waitroom.Step); the table's write quota raised to tableWRU.
func Stadium(shards, admitPerSecond, tableWRU int) Config {
	c := OnSale(shards, admitPerSecond)
	c.MaxQuantity, c.PreQueue, c.Buyers = 1, 100_000, 100_000
	c.TableWRUPerSecond = tableWRU
	c.WRUPerReservation, c.WRUPerJoin, c.WRUPerConfirmation = 8, 2, 5
	c.ConfirmDelay, c.SealDelay, c.Admitter = 5, 3, true
	return c
}
