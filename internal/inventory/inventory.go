// Package inventory holds the rules of write-sharded inventory (docs/waiting-room.md §5):
// how an event's seats are split over N shard items, which shard(s) a reservation takes
// from, how stranded remainders are gathered, and how a capacity change is spread. The
// store applies them with guard conditions; these functions only plan.
package inventory

import "math/rand/v2"

// MaxShards keeps a transaction that touches every shard and the event under
// DynamoDB's 100 actions.
const MaxShards = 64

// Split divides total into n near-equal parts, the remainder going one each to the
// first parts.
func Split(total int64, n int) []int64 {
	n = max(n, 1)
	out := make([]int64, n)
	for k := range out {
		out[k] = total / int64(n)
		if int64(k) < total%int64(n) {
			out[k]++
		}
	}
	return out
}

// Take is how many seats a reservation takes from which shard.
type Take struct {
	Shard int
	Seats int64
}

// Pick chooses where q seats come from, given each shard's available seats as last
// seen: a random shard with q (spreading writes over the shards), else the two with most
// whose sum is q or more (a spanning order), else nil. skip names shards already tried
// in this request.
func Pick(available []int64, q int64, skip map[int]bool, rnd *rand.Rand) []Take {
	var fit []int
	for k, a := range available {
		if a >= q && !skip[k] {
			fit = append(fit, k)
		}
	}
	if len(fit) > 0 {
		return []Take{{Shard: fit[rnd.IntN(len(fit))], Seats: q}}
	}
	first, second := -1, -1
	for k, a := range available {
		if skip[k] || a <= 0 {
			continue
		}
		switch {
		case first < 0 || a > available[first]:
			first, second = k, first
		case second < 0 || a > available[second]:
			second = k
		}
	}
	if first < 0 || second < 0 || available[first]+available[second] < q {
		return nil
	}
	return []Take{{Shard: first, Seats: available[first]}, {Shard: second, Seats: q - available[first]}}
}

// Sum adds up the shards' counts.
func Sum(counts []int64) int64 {
	var s int64
	for _, c := range counts {
		s += c
	}
	return s
}

// Gather plans the move of every shard's remainder into the shard with most seats, so
// that an order of q that the sum covers fits one shard. Each move takes capacity with
// the seats (capacity = available + held + sold + offering holds per shard). nil when
// no move helps: the sum is short, or one shard already has q.
func Gather(available []int64, q int64) (target int, from []Take) {
	target = -1
	for k, a := range available {
		if target < 0 || a > available[target] {
			target = k
		}
	}
	if target < 0 || available[target] >= q || Sum(available) < q {
		return -1, nil
	}
	for k, a := range available {
		if k != target && a > 0 {
			from = append(from, Take{Shard: k, Seats: a})
		}
	}
	return target, from
}

// Resize spreads a capacity change of delta over the shards: growth evenly (the
// remainder to the first shards), shrinkage from the shards with most available seats,
// so no shard goes below what it has taken. ok is false when the shards' available
// seats cannot absorb the cut.
func Resize(available []int64, delta int64) (per []int64, ok bool) {
	if delta >= 0 {
		return Split(delta, len(available)), true
	}
	cut := -delta
	if Sum(available) < cut {
		return nil, false
	}
	per = make([]int64, len(available))
	// Even cuts first, capped by what each shard has; what is left comes from the
	// shards that still have seats, in order.
	even := Split(cut, len(available))
	for k, a := range available {
		c := min(even[k], a)
		per[k], cut = -c, cut-c
	}
	for k, a := range available {
		if cut == 0 {
			break
		}
		c := min(a+per[k], cut)
		per[k], cut = per[k]-c, cut-c
	}
	return per, true
}
