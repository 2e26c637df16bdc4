package waitroom

import (
	"testing"
	"time"
)

func TestRecountDue(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	ago := func(d time.Duration) int64 { return now.Add(-d).Unix() }
	// Seals committed from 90 s to 5 s ago: slots sealed through, positions numbered.
	marks := []sealMark{{ago(90 * time.Second), 25}, {ago(70 * time.Second), 30}, {ago(61 * time.Second), 31},
		{ago(60 * time.Second), 40}, {ago(59 * time.Second), 41}, {ago(5 * time.Second), 50}}
	for _, c := range []struct {
		name  string
		marks []sealMark
		from  int64
		want  int
	}{
		{"every seal closed a minute ago, in one range", marks, 0, 3},
		{"the rest after a recount", marks, ago(70*time.Second) + 1, 3},
		{"nothing new closed a minute ago", marks, ago(60*time.Second) + 1, -1},
		{"no seal yet", nil, 0, -1},
		{"only recent seals", marks[5:], 0, -1},
	} {
		if got := recountDue(c.marks, c.from, now); got != c.want {
			t.Errorf("%s: recountDue = %d, want %d", c.name, got, c.want)
		}
	}
}
