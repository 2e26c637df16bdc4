package waitroom

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// preQueue is n users who joined before the sale, in join order, with crypto-random draws.
func preQueue(n int) []Entry {
	es := make([]Entry, n)
	for i := range es {
		es[i] = Entry{UserID: fmt.Sprintf("user-%03d", i), Slot: PreQueue, Draw: NewDraw()}
	}
	return es
}

// TestShuffleIsUniform seals a 200-user pre-queue 2,000 times and checks that the place
// a user gets does not depend on when they joined: a chi-square test of the 10 x 10 table
// of join decile against position decile (81 degrees of freedom; 160 is past p = 1e-6,
// so a fair shuffle fails this about once in a million runs), and the mean position of
// the first 20 joiners (expected 100.5, standard error about 0.3 over 2,000 runs).
func TestShuffleIsUniform(t *testing.T) {
	const n, runs, bins = 200, 2000, 10
	var table [bins][bins]float64
	var earlySum float64
	for range runs {
		for _, p := range Number(1, preQueue(n)) {
			var joined int
			fmt.Sscanf(p.UserID, "user-%d", &joined)
			table[joined*bins/n][(p.Position-1)*bins/n]++
			if joined < 20 {
				earlySum += float64(p.Position)
			}
		}
	}
	expected := float64(runs*n) / (bins * bins)
	var chi2 float64
	for _, row := range table {
		for _, o := range row {
			chi2 += (o - expected) * (o - expected) / expected
		}
	}
	if chi2 > 160 {
		t.Errorf("chi-square %.1f over 81 degrees of freedom: positions depend on join order", chi2)
	}
	if mean := earlySum / (20 * runs); mean < 98.5 || mean > 102.5 {
		t.Errorf("the first 20 joiners' mean position is %.2f, want 100.5 +- 2", mean)
	}
	t.Logf("chi-square %.1f (df 81), first-20 mean position %.2f", chi2, earlySum/(20*runs))
}

// TestShuffleTestDetectsBias runs the same statistic on a "shuffle" that lets early
// joiners win ties: the test above must be able to fail.
func TestShuffleTestDetectsBias(t *testing.T) {
	const n, runs, bins = 200, 200, 10
	var table [bins][bins]float64
	for range runs {
		es := preQueue(n)
		for i := range es {
			es[i].Draw = es[i].Draw>>4 + uint64(i)<<58 // join order leaks into the top bits
		}
		for _, p := range Number(1, es) {
			var joined int
			fmt.Sscanf(p.UserID, "user-%d", &joined)
			table[joined*bins/n][(p.Position-1)*bins/n]++
		}
	}
	expected := float64(runs*n) / (bins * bins)
	var chi2 float64
	for _, row := range table {
		for _, o := range row {
			chi2 += (o - expected) * (o - expected) / expected
		}
	}
	if chi2 < 160 {
		t.Fatalf("a biased order scored chi-square %.1f: the uniformity test cannot see bias", chi2)
	}
}

func TestNumberIsIdempotent(t *testing.T) {
	es := preQueue(500)
	first := Number(1, es)
	shuffled := append([]Entry(nil), es...)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	again := Number(1, shuffled)
	for i := range first {
		if first[i] != again[i] {
			t.Fatalf("sealing twice (entries read in another order) moved position %d: %+v vs %+v", i+1, first[i], again[i])
		}
	}
}

func TestLineOrder(t *testing.T) {
	sale := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name string
		a, b Entry
		less bool
	}{
		{"pre-queue before everyone after the start", Entry{"z", SlotOf(sale.Add(-time.Hour), sale), ^uint64(0)}, Entry{"a", SlotOf(sale, sale), 0}, true},
		{"earlier second first", Entry{"z", SlotOf(sale.Add(time.Second), sale), 9}, Entry{"a", SlotOf(sale.Add(2*time.Second), sale), 1}, true},
		{"same second: the draw decides", Entry{"z", SlotOf(sale.Add(1100*time.Millisecond), sale), 1}, Entry{"a", SlotOf(sale.Add(1900*time.Millisecond), sale), 9}, true},
		{"same draw: the user id decides", Entry{"a", 5, 7}, Entry{"b", 5, 7}, true},
		{"not less than itself", Entry{"a", 5, 7}, Entry{"a", 5, 7}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if Less(tt.a, tt.b) != tt.less || (tt.less && Less(tt.b, tt.a)) {
				t.Fatalf("Less(%+v, %+v) = %v, want %v", tt.a, tt.b, Less(tt.a, tt.b), tt.less)
			}
		})
	}
	closes := sale.Add(-SealDelay)
	if SlotOf(closes.Add(-time.Nanosecond), sale) != PreQueue || SlotOf(closes, sale) != closes.Unix() {
		t.Fatal("the pre-queue closes SealDelay before on_sale_at")
	}
	if !Less(Entry{"a", SlotOf(sale.Add(-time.Second), sale), 9}, Entry{"b", SlotOf(sale, sale), 1}) {
		t.Fatal("a join in the last seconds before the sale lines up ahead of one at the start")
	}
}

func TestBucketSpreads(t *testing.T) {
	const buckets, users = 256, 100_000
	counts := make([]int, buckets)
	of := map[string]int{}
	for i := range users {
		u := fmt.Sprintf("3f9c%04x-user-%d", i, i)
		of[u] = Bucket(u, buckets)
		counts[of[u]]++
	}
	for u, b := range of {
		if Bucket(u, buckets) != b {
			t.Fatal("a user must always land on the same bucket")
		}
	}
	lo, hi := users, 0
	for _, c := range counts {
		lo, hi = min(lo, c), max(hi, c)
	}
	// 390.6 expected per bucket, standard deviation about 20.
	if lo < 300 || hi > 490 {
		t.Fatalf("100,000 users over 256 buckets: %d..%d per bucket", lo, hi)
	}
}

func TestBucketsFor(t *testing.T) {
	for _, c := range []struct {
		capacity int64
		want     int
	}{
		{0, 16}, {1, 16}, {1500, 16}, {3200, 16}, {3201, 32}, {10_000, 64},
		{50_000, 256}, // 100,000 joins in the first second: 391 a second per bucket
		{1_000_000, 256},
	} {
		if got := BucketsFor(c.capacity); got != c.want {
			t.Errorf("BucketsFor(%d) = %d, want %d", c.capacity, got, c.want)
		}
		if n := BucketsFor(c.capacity); c.capacity <= 50_000 && JoinsPerSeat*c.capacity > int64(n*JoinsPerBucket) {
			t.Errorf("%d seats: %d buckets plan %d joins a second, under %d", c.capacity, n, n*JoinsPerBucket, JoinsPerSeat*c.capacity)
		}
	}
}

func TestPages(t *testing.T) {
	es := preQueue(1000)
	placed := Number(1, es)
	pages := Paginate(placed, 128)
	if len(pages) != 8 || len(pages[7].Draws) != 1000-7*128 || pages[1].First != 129 {
		t.Fatalf("pages: %d, last %d entries, second starts at %d", len(pages), len(pages[7].Draws), pages[1].First)
	}
	var firstDraws []uint64
	var firstUsers []string
	for _, p := range pages {
		firstDraws, firstUsers = append(firstDraws, p.Draws[0]), append(firstUsers, p.Users[0])
	}
	want := map[string]int64{}
	for _, p := range placed {
		want[p.UserID] = p.Position
	}
	for _, e := range es {
		page := pages[PageFor(firstDraws, firstUsers, e)]
		pos, ok := page.PositionOf(e)
		if !ok || pos != want[e.UserID] {
			t.Fatalf("%s: position %d, %v; want %d", e.UserID, pos, ok, want[e.UserID])
		}
	}
	if _, ok := pages[0].PositionOf(Entry{UserID: "stranger", Draw: 42}); ok {
		t.Fatal("a page must not place an entry it does not hold")
	}
}
