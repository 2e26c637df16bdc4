package onsale

import (
	"testing"
	"time"
)

func TestLapsedGate(t *testing.T) {
	t0 := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	var g lapsedGate
	steps := []struct {
		event string
		at    time.Time
		want  bool
	}{
		{"e1", t0, true},
		{"e1", t0.Add(500 * time.Millisecond), false},
		{"e2", t0.Add(500 * time.Millisecond), true},
		{"e1", t0.Add(lapsedEvery), true},
		{"e1", t0, true}, // a clock that went back is not trusted to hold the gate shut
	}
	for i, s := range steps {
		if got := g.due(s.event, s.at); got != s.want {
			t.Errorf("step %d: due(%s, +%s) = %v, want %v", i, s.event, s.at.Sub(t0), got, s.want)
		}
	}
}
