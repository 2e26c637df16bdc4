package load

import (
	"testing"
	"time"
)

func TestSummarise(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	cases := []struct {
		name string
		in   []time.Duration
		want Latency
	}{
		{"none", nil, Latency{}},
		{"one", ms(7), Latency{7, 7, 7, 7}},
		{"hundred", ms(hundred...), Latency{50, 95, 99, 100}},
		{"four", ms(4, 1, 3, 2), Latency{2, 4, 4, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Summarise(c.in); got != c.want {
				t.Fatalf("Summarise = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestScenarioDemand(t *testing.T) {
	cases := []struct {
		s    Scenario
		want int
	}{
		{Scenario{Buyers: 300, MaxWant: 1}, 300},
		{Scenario{Buyers: 300, MaxWant: 4}, 750},
		{Scenario{Buyers: 10}, 10},
	}
	for _, c := range cases {
		if got := c.s.Demand(); got != c.want {
			t.Errorf("Demand(%+v) = %d, want %d", c.s, got, c.want)
		}
	}
}

func TestResultOK(t *testing.T) {
	good := Result{Exact: true, OtherErrors: map[string]int{}}
	cases := []struct {
		name string
		r    Result
		want bool
	}{
		{"clean", good, true},
		{"inexact", Result{}, false},
		{"oversold", Result{Exact: true, Oversold: true}, false},
		{"other errors", Result{Exact: true, OtherErrors: map[string]int{"500": 1}}, false},
		{"invariant", Result{Exact: true, Violations: []string{"x"}}, false},
	}
	for _, c := range cases {
		if got := c.r.OK(); got != c.want {
			t.Errorf("%s: OK = %v", c.name, got)
		}
	}
}
