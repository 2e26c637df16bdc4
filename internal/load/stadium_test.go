package load

import (
	"fmt"
	"testing"
	"time"
)

func TestAdmissionCurve(t *testing.T) {
	start := time.Unix(1_000_000, 0)
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	tests := []struct {
		name   string
		seen   map[int64]time.Time
		curve  string
		misord int
	}{
		{"in order", map[int64]time.Time{1: at(0.1), 2: at(0.5), 3: at(1.2), 4: at(2.9)}, "[2 1 1]", 0},
		{"seen late within a poll", map[int64]time.Time{1: at(6), 2: at(1)}, "[0 1 0 0 0 0 1]", 0},
		{"served out of order", map[int64]time.Time{1: at(20), 2: at(1)}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			curve, out := admissionCurve(tt.seen, start, 5*time.Second)
			if tt.curve != "" && fmt.Sprint(curve) != tt.curve {
				t.Errorf("curve = %v, want %s", curve, tt.curve)
			}
			if out != tt.misord {
				t.Errorf("out of order = %d, want %d", out, tt.misord)
			}
		})
	}
}
