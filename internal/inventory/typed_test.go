package inventory

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// st is a shard's stock: event-level seats, then VIP (v) and General (g) seats.
func st(a, v, g int64) Stock { return Stock{Available: a, Types: map[string]int64{"v": v, "g": g}} }

func show(takes []TypedTake) string {
	if takes == nil {
		return "none"
	}
	s := ""
	for _, t := range takes {
		s += fmt.Sprintf("[%d: %d v%d g%d]", t.Shard, t.Seats, t.Types["v"], t.Types["g"])
	}
	return s
}

func TestPickTyped(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for _, tt := range []struct {
		name  string
		stock []Stock
		order map[string]int64
		skip  map[int]bool
		want  string
	}{
		{"one shard fits", []Stock{st(3, 3, 0), st(5, 2, 3)}, map[string]int64{"v": 2, "g": 1}, nil, "[1: 3 v2 g1]"},
		{"tried shard skipped", []Stock{st(5, 2, 3), st(5, 2, 3)}, map[string]int64{"v": 2, "g": 1}, map[int]bool{0: true}, "[1: 3 v2 g1]"},
		// 3 VIP and 2 General: shard 3 has 2 VIP, shard 5 has 1 VIP and 2 General.
		{"a line split over two shards", []Stock{st(0, 0, 0), st(1, 1, 0), st(0, 0, 0), st(2, 2, 0), st(0, 0, 0), st(4, 1, 3)},
			map[string]int64{"v": 3, "g": 2}, nil, "[3: 2 v2 g0][5: 3 v1 g2]"},
		{"the smaller shard is filled first", []Stock{st(6, 3, 3), st(2, 2, 0)}, map[string]int64{"v": 4, "g": 3}, nil, "[1: 2 v2 g0][0: 5 v2 g3]"},
		{"event-level seats bind", []Stock{st(1, 3, 0), st(1, 0, 3)}, map[string]int64{"v": 2, "g": 1}, nil, "none"},
		{"event-level seats decide the split", []Stock{st(2, 3, 3), st(1, 3, 3)}, map[string]int64{"v": 2, "g": 1}, nil, "[1: 1 v0 g1][0: 2 v2 g0]"},
		{"a type short in the sum", []Stock{st(5, 1, 4), st(5, 1, 4)}, map[string]int64{"v": 3}, nil, "none"},
		{"fits only over three shards", []Stock{st(1, 1, 0), st(1, 1, 0), st(1, 1, 0)}, map[string]int64{"v": 3}, nil, "none"},
		{"pair skips a tried shard", []Stock{st(2, 2, 0), st(9, 9, 9), st(2, 0, 2)}, map[string]int64{"v": 2, "g": 2}, map[int]bool{1: true}, "[0: 2 v2 g0][2: 2 v0 g2]"},
		{"pair with most seats", []Stock{st(2, 2, 0), st(3, 3, 0), st(1, 1, 0)}, map[string]int64{"v": 4}, nil, "[0: 2 v2 g0][1: 2 v2 g0]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := PickTyped(tt.stock, tt.order, tt.skip, rnd)
			if show(got) != tt.want {
				t.Errorf("PickTyped = %s, want %s", show(got), tt.want)
			}
			if got != nil {
				checkTakes(t, tt.stock, tt.order, got)
			}
		})
	}
}

// checkTakes: the takes add up to the order, and each fits its shard.
func checkTakes(t *testing.T, stock []Stock, order map[string]int64, takes []TypedTake) {
	t.Helper()
	sum := map[string]int64{}
	for _, k := range takes {
		var q int64
		for id, n := range k.Types {
			if n <= 0 || n > stock[k.Shard].Types[id] {
				t.Errorf("take %v of type %s: shard has %d", k, id, stock[k.Shard].Types[id])
			}
			sum[id], q = sum[id]+n, q+n
		}
		if q != k.Seats || q > stock[k.Shard].Available {
			t.Errorf("take %v: %d seats, shard has %d", k, q, stock[k.Shard].Available)
		}
	}
	for id, n := range order {
		if sum[id] != n {
			t.Errorf("type %s: takes give %d of %d", id, sum[id], n)
		}
	}
}

// Every order that the two shards can serve together is split so that each fits: the
// split is searched exhaustively for small stocks and compared.
func TestPickTypedFindsEverySplit(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		a := st(rnd.Int64N(6), rnd.Int64N(5), rnd.Int64N(5))
		b := st(rnd.Int64N(6), rnd.Int64N(5), rnd.Int64N(5))
		order := map[string]int64{"v": rnd.Int64N(4), "g": rnd.Int64N(4)}
		if order["v"]+order["g"] == 0 {
			continue
		}
		possible := false
		for x := int64(0); x <= order["v"]; x++ {
			for y := int64(0); y <= order["g"]; y++ {
				if st(a.Available, a.Types["v"], a.Types["g"]).fits(map[string]int64{"v": x, "g": y}) &&
					b.fits(map[string]int64{"v": order["v"] - x, "g": order["g"] - y}) {
					possible = true
				}
			}
		}
		got := PickTyped([]Stock{a, b}, order, nil, rnd)
		if (got != nil) != possible {
			t.Fatalf("stock %v %v, order %v: PickTyped = %s, a split exists: %v", a, b, order, show(got), possible)
		}
		if got != nil {
			checkTakes(t, []Stock{a, b}, order, got)
		}
	}
}

func TestGatherTyped(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stock  []Stock
		order  map[string]int64
		target int
		want   string
	}{
		{"one VIP per shard", []Stock{st(2, 1, 1), st(3, 1, 2), st(1, 1, 0), st(1, 1, 0)}, map[string]int64{"v": 4},
			1, "[0: 1 v1 g0][2: 1 v1 g0][3: 1 v1 g0]"},
		{"only the ordered types move", []Stock{st(2, 1, 1), st(2, 1, 1), st(2, 1, 1)}, map[string]int64{"v": 3},
			0, "[1: 1 v1 g0][2: 1 v1 g0]"},
		{"already fits", []Stock{st(5, 5, 0), st(1, 1, 0)}, map[string]int64{"v": 2}, -1, "none"},
		{"a type short in the sum", []Stock{st(1, 1, 0), st(1, 1, 0)}, map[string]int64{"v": 3}, -1, "none"},
		{"event-level seats short", []Stock{st(1, 1, 0), st(0, 1, 0), st(0, 1, 0)}, map[string]int64{"v": 3}, -1, "none"},
		// A split's remainders leave a type's last seat on a shard without event-level seats.
		{"a type's seat and the event-level seats apart", []Stock{st(0, 1, 1), st(1, 0, 0), st(1, 0, 0)}, map[string]int64{"g": 1},
			1, "[0: 0 v0 g1][2: 1 v0 g0]"},
		{"event-level seats topped up", []Stock{st(2, 0, 0), st(2, 5, 0), st(0, 0, 3)}, map[string]int64{"g": 3},
			0, "[1: 1 v0 g0][2: 0 v0 g3]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target, from := GatherTyped(tt.stock, tt.order)
			if target != tt.target || show(from) != tt.want {
				t.Errorf("GatherTyped = %d %s, want %d %s", target, show(from), tt.target, tt.want)
			}
		})
	}
}

func TestRebalance(t *testing.T) {
	for _, tt := range []struct {
		name      string
		available []int64
		max       int64
		target    int
		from      []Take
	}{
		{"fragments gather in the largest", []int64{1, 9, 3, 0, 2}, 4, 1, []Take{{0, 1}, {2, 3}, {4, 2}}},
		{"one fragment: spanning serves it", []int64{1, 9, 9}, 4, -1, nil},
		{"every shard a fragment", []int64{1, 2, 3}, 4, 2, []Take{{0, 1}, {1, 2}}},
		{"nothing fragmented", []int64{4, 8, 0}, 4, -1, nil},
		{"sold out", []int64{0, 0}, 4, -1, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target, from := Rebalance(tt.available, tt.max)
			if target != tt.target || fmt.Sprint(from) != fmt.Sprint(tt.from) {
				t.Errorf("Rebalance = %d %v, want %d %v", target, from, tt.target, tt.from)
			}
		})
	}
}

func TestRebalanceTyped(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stock  []Stock
		target int
		want   string
	}{
		{"a type fragmented over shards", []Stock{st(9, 5, 4), st(3, 1, 2), st(2, 2, 0)}, 0, "[1: 1 v1 g0][2: 2 v2 g0]"},
		{"both types fragmented", []Stock{st(9, 5, 4), st(3, 1, 2), st(3, 2, 1)}, 0, "[1: 3 v1 g2][2: 3 v2 g1]"},
		{"one fragment per type", []Stock{st(9, 5, 4), st(2, 1, 0), st(1, 0, 1)}, -1, "none"},
		{"event-level seats with no type's", []Stock{st(9, 5, 4), st(1, 0, 0), st(0, 1, 0)}, 0, "[1: 1 v0 g0]"},
		{"nothing fragmented", []Stock{st(9, 5, 4), st(8, 4, 4)}, -1, "none"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target, from := RebalanceTyped(tt.stock, 3)
			if target != tt.target || show(from) != tt.want {
				t.Errorf("RebalanceTyped = %d %s, want %d %s", target, show(from), tt.target, tt.want)
			}
		})
	}
}
