package inventory

import (
	"math/rand/v2"
	"slices"
	"sort"
)

// Stock is what one shard of a typed event has left: the event-level seats (every
// order's seats count against them) and each ticket type's.
type Stock struct {
	Available int64
	Types     map[string]int64
}

// TypedTake is a Take with its seats per ticket type: a typed order's share of one shard,
// or a typed move's (Seats is then the event-level quota that moves with the types, not
// always their sum).
type TypedTake struct {
	Take
	Types map[string]int64
}

// Untyped gives takes of an untyped order or move the TypedTake shape.
func Untyped(takes []Take) []TypedTake {
	out := make([]TypedTake, len(takes))
	for i, t := range takes {
		out[i] = TypedTake{Take: t}
	}
	return out
}

// fits reports whether the order (seats per type) fits stock s.
func (s Stock) fits(order map[string]int64) bool {
	var q int64
	for id, n := range order {
		if s.Types[id] < n {
			return false
		}
		q += n
	}
	return s.Available >= q
}

// PickTyped chooses where a typed order (seats per type) comes from, given each shard's
// stock as last seen: a random shard on which every type and the event-level count fit
// (spreading writes), else the pair of shards that together fit it (the pair with most
// event-level seats between them; each line split over the two, the smaller shard
// filled as far as it goes, so the larger keeps what is left in one piece), else nil.
// skip names shards already tried in this request.
func PickTyped(stock []Stock, order map[string]int64, skip map[int]bool, rnd *rand.Rand) []TypedTake {
	var fit []int
	for k, s := range stock {
		if !skip[k] && s.fits(order) {
			fit = append(fit, k)
		}
	}
	if len(fit) > 0 {
		k := fit[rnd.IntN(len(fit))]
		return []TypedTake{{Take: Take{Shard: k, Seats: orderSeats(order)}, Types: copyOrder(order)}}
	}
	best, bestA, bestB := int64(-1), -1, -1
	for a := range stock {
		for b := a + 1; b < len(stock); b++ {
			if skip[a] || skip[b] || stock[a].Available+stock[b].Available <= best || split(stock[a], stock[b], order) == nil {
				continue
			}
			best, bestA, bestB = stock[a].Available+stock[b].Available, a, b
			if stock[a].Available > stock[b].Available {
				bestA, bestB = b, a
			}
		}
	}
	if bestA < 0 {
		return nil
	}
	first := split(stock[bestA], stock[bestB], order)
	second := map[string]int64{}
	for id, n := range order {
		if n-first[id] > 0 {
			second[id] = n - first[id]
		}
	}
	for id, n := range first {
		if n == 0 {
			delete(first, id)
		}
	}
	return []TypedTake{
		{Take: Take{Shard: bestA, Seats: orderSeats(first)}, Types: first},
		{Take: Take{Shard: bestB, Seats: orderSeats(second)}, Types: second},
	}
}

// split is the part of order that a takes when a and b share it, a taking as much as it
// can: nil when they cannot. Each type's share on a lies between what b cannot give and
// what a has; the shares' sum must fit a's event-level seats and leave no more than b's.
func split(a, b Stock, order map[string]int64) map[string]int64 {
	var lo, hi, q int64
	ids := make([]string, 0, len(order))
	for id, n := range order {
		if a.Types[id]+b.Types[id] < n {
			return nil
		}
		lo += max(0, n-b.Types[id])
		hi += min(n, a.Types[id])
		q += n
		ids = append(ids, id)
	}
	lo, hi = max(lo, q-b.Available), min(hi, a.Available)
	if lo > hi {
		return nil
	}
	sort.Strings(ids)
	out := make(map[string]int64, len(order))
	extra := hi
	for _, id := range ids {
		out[id] = max(0, order[id]-b.Types[id])
		extra -= out[id]
	}
	for _, id := range ids {
		more := min(extra, min(order[id], a.Types[id])-out[id])
		out[id], extra = out[id]+more, extra-more
	}
	return out
}

// GatherTyped plans the move of every other shard's seats of the order's types into the
// shard with most event-level seats, so that the order fits one shard: the typed
// counterpart of Gather. Event-level quota moves with the types (moveInto), and when the
// target is still short of it, more comes from the sources' spare event-level seats:
// a shard's event-level seats and its types' are separate quotas (a split's remainders
// need not fall on the same shards), so a type's last seats and the event-level seats
// they need can sit on different shards. nil when no move makes it fit or one shard
// already fits it.
func GatherTyped(stock []Stock, order map[string]int64) (target int, from []TypedTake) {
	target = mostAvailable(stock)
	if target < 0 || stock[target].fits(order) {
		return -1, nil
	}
	from = moveInto(stock, target, func(id string, n int64) bool { _, ok := order[id]; return ok && n > 0 })
	short := orderSeats(order) - after(stock, target, from).Available
	for k, s := range stock {
		if short <= 0 {
			break
		}
		i := slices.IndexFunc(from, func(t TypedTake) bool { return t.Shard == k })
		if k == target || (i >= 0 && from[i].Seats == s.Available) || s.Available <= 0 {
			continue
		}
		if i < 0 {
			from = append(from, TypedTake{Take: Take{Shard: k}, Types: map[string]int64{}})
			i = len(from) - 1
		}
		more := min(short, s.Available-from[i].Seats)
		from[i].Seats, short = from[i].Seats+more, short-more
	}
	slices.SortFunc(from, func(a, b TypedTake) int { return a.Shard - b.Shard })
	if !after(stock, target, from).fits(order) {
		return -1, nil
	}
	return target, from
}

// RebalanceTyped plans the admitter's periodic move for a typed event: every type's
// fragments (fewer than maxPer seats of a type on a shard, not none) move into the shard
// with most event-level seats, with their event-level quota, once the type is fragmented
// over two shards or more; and event-level seats stranded on a shard with no type's
// seats left move there too. nil while there is nothing of either.
func RebalanceTyped(stock []Stock, maxPer int64) (target int, from []TypedTake) {
	frags := map[string]int{}
	for _, s := range stock {
		for id, n := range s.Types {
			if n > 0 && n < maxPer {
				frags[id]++
			}
		}
	}
	target = mostAvailable(stock)
	if target < 0 {
		return -1, nil
	}
	from = moveInto(stock, target, func(id string, n int64) bool { return frags[id] >= 2 && n > 0 && n < maxPer })
	if len(from) == 0 {
		return -1, nil
	}
	return target, from
}

// Rebalance plans the admitter's periodic move for an untyped event: the fragments
// (shards with fewer than maxPer seats, not none) move into the shard with most, so an
// order of maxPer finds them on one shard. nil while fewer than two shards are fragments.
func Rebalance(available []int64, maxPer int64) (target int, from []Take) {
	target, frags := -1, 0
	for k, a := range available {
		if target < 0 || a > available[target] {
			target = k
		}
		if a > 0 && a < maxPer {
			frags++
		}
	}
	if frags < 2 {
		return -1, nil
	}
	for k, a := range available {
		if k != target && a > 0 && a < maxPer {
			from = append(from, Take{Shard: k, Seats: a})
		}
	}
	if len(from) == 0 {
		return -1, nil
	}
	return target, from
}

// moveInto is what each shard other than target gives it: the types' seats move picks,
// and as much event-level quota as they add up to (as much as the shard has); a shard
// left with no type's seats gives all its event-level seats, which nothing there can use.
func moveInto(stock []Stock, target int, move func(id string, n int64) bool) []TypedTake {
	var from []TypedTake
	for k, s := range stock {
		if k == target {
			continue
		}
		t := TypedTake{Take: Take{Shard: k}, Types: map[string]int64{}}
		var sum, kept int64
		for id, n := range s.Types {
			if move(id, n) {
				t.Types[id], sum = n, sum+n
			} else {
				kept += max(n, 0)
			}
		}
		t.Seats = min(sum, s.Available)
		if kept == 0 {
			t.Seats = max(s.Available, 0)
		}
		if len(t.Types) > 0 || t.Seats > 0 {
			from = append(from, t)
		}
	}
	return from
}

// after is target's stock once from has moved into it.
func after(stock []Stock, target int, from []TypedTake) Stock {
	out := Stock{Available: stock[target].Available, Types: copyOrder(stock[target].Types)}
	for _, f := range from {
		out.Available += f.Seats
		for id, n := range f.Types {
			out.Types[id] += n
		}
	}
	return out
}

func mostAvailable(stock []Stock) int {
	target := -1
	for k, s := range stock {
		if target < 0 || s.Available > stock[target].Available {
			target = k
		}
	}
	return target
}

func orderSeats(order map[string]int64) int64 {
	var q int64
	for _, n := range order {
		q += n
	}
	return q
}

// copyOrder copies the counts that are not zero: a take names only the types it takes.
func copyOrder(order map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(order))
	for id, n := range order {
		if n != 0 {
			out[id] = n
		}
	}
	return out
}
