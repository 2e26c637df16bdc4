package load

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
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

func TestStadiumChart(t *testing.T) {
	r := StadiumResult{Stadium: Stadium{Buyers: 100, Capacity: 60}}
	for i := range 20 {
		r.Timeline = append(r.Timeline, StadiumSecond{T: i, Queue: max(100-10*i, 0), Admitted: min(10*i, 100), Sold: min(6*i, 60)})
	}
	var b bytes.Buffer
	if err := WriteStadiumChart(&b, r); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil || img.Bounds().Dx() != 900 {
		t.Fatalf("chart: %v, %v", img, err)
	}
	// The sold line ends at the capacity, on the right.
	if c := color.RGBAModel.Convert(img.At(860, 440-400*60/100)).(color.RGBA); c != soldColour {
		t.Errorf("pixel at the last sold point = %v, want %v", c, soldColour)
	}
}
