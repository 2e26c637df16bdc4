package inventory

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tt := range []struct {
		total int64
		n     int
		want  []int64
	}{
		{10, 1, []int64{10}},
		{10, 3, []int64{4, 3, 3}},
		{299, 8, []int64{38, 38, 38, 37, 37, 37, 37, 37}},
		{2, 4, []int64{1, 1, 0, 0}},
		{0, 2, []int64{0, 0}},
		{5, 0, []int64{5}},
	} {
		if got := Split(tt.total, tt.n); !slices.Equal(got, tt.want) || Sum(got) != tt.total {
			t.Errorf("Split(%d, %d) = %v, want %v", tt.total, tt.n, got, tt.want)
		}
	}
}

func TestPick(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		name      string
		available []int64
		q         int64
		skip      map[int]bool
		want      []Take // nil: none; one Take with Shard -1: any single shard with q
	}{
		{"one fits", []int64{0, 5, 1}, 2, nil, []Take{{1, 2}}},
		{"tried one skipped", []int64{3, 5}, 2, map[int]bool{1: true}, []Take{{0, 2}}},
		{"spanning: the two largest", []int64{1, 3, 2, 0}, 5, nil, []Take{{1, 3}, {2, 2}}},
		{"spanning skips tried", []int64{1, 3, 2}, 3, map[int]bool{1: true}, []Take{{2, 2}, {0, 1}}},
		{"sum short", []int64{1, 1}, 3, nil, nil},
		{"sum fits but not two", []int64{1, 1, 1}, 3, nil, nil},
		{"all tried", []int64{4}, 1, map[int]bool{0: true}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Pick(tt.available, tt.q, tt.skip, rnd); !slices.Equal(got, tt.want) {
				t.Errorf("Pick = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPickSpreads(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	seen := map[int]int{}
	for range 800 {
		seen[Pick([]int64{9, 9, 9, 9, 9, 9, 9, 9}, 1, nil, rnd)[0].Shard]++
	}
	for k := range 8 {
		if seen[k] < 50 {
			t.Errorf("shard %d picked %d times of 800: %v", k, seen[k], seen)
		}
	}
}

func TestGather(t *testing.T) {
	for _, tt := range []struct {
		name      string
		available []int64
		q         int64
		target    int
		from      []Take
	}{
		{"remainders into the largest", []int64{1, 2, 0, 1}, 4, 1, []Take{{0, 1}, {3, 1}}},
		{"one shard fits already", []int64{1, 4}, 4, -1, nil},
		{"sum short", []int64{1, 1}, 3, -1, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target, from := Gather(tt.available, tt.q)
			if target != tt.target || !slices.Equal(from, tt.from) {
				t.Errorf("Gather = %d %v, want %d %v", target, from, tt.target, tt.from)
			}
		})
	}
}

func TestResize(t *testing.T) {
	for _, tt := range []struct {
		name      string
		available []int64
		delta     int64
		want      []int64
		ok        bool
	}{
		{"growth spread", []int64{0, 0, 0}, 7, []int64{3, 2, 2}, true},
		{"cut evenly", []int64{5, 5}, -4, []int64{-2, -2}, true},
		{"cut from those with room", []int64{0, 1, 9}, -6, []int64{0, -1, -5}, true},
		{"never below taken", []int64{1, 1}, -3, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Resize(tt.available, tt.delta)
			if ok != tt.ok || !slices.Equal(got, tt.want) {
				t.Errorf("Resize = %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
			for k := range got {
				if tt.available[k]+got[k] < 0 {
					t.Errorf("shard %d below zero: %v", k, got)
				}
			}
		})
	}
}
