package waitlist

import (
	"reflect"
	"testing"
	"time"
)

func line(qs ...int) []Entry {
	out := make([]Entry, len(qs))
	for i, q := range qs {
		out[i] = Entry{ID: string(rune('a' + i)), Quantity: q, Status: Waiting}
	}
	return out
}

func ids(es []Entry) string {
	s := ""
	for _, e := range es {
		s += e.ID
	}
	return s
}

func TestPlan(t *testing.T) {
	withPassed := func(l []Entry, passed int) []Entry { l[0].Passed = passed; return l }
	for _, tc := range []struct {
		name  string
		free  int
		line  []Entry
		offer string
		skip  Skip
	}{
		{"nobody waits", 5, nil, "", Skip{}},
		{"no seats", 0, line(1, 1), "", Skip{}},
		{"fifo, all fit", 3, line(1, 1, 1, 1), "abc", Skip{}},
		{"exact fit", 4, line(2, 2), "ab", Skip{}},
		{"no partial offers", 1, line(2), "", Skip{}},
		{"blocked head, later fits", 2, line(3, 1, 1, 4), "bc", Skip{EntryID: "a", Seats: 2}},
		{"served head, then blocked second", 3, line(1, 4, 2), "ac", Skip{EntryID: "b", Seats: 2}},
		{"guard: head passed by its quantity holds seats", 2, withPassed(line(3, 1, 1), 3), "", Skip{}},
		{"head fits, then the next", 5, line(3, 2, 2, 1), "ab", Skip{}},
		{"blocked head", 3, line(4, 1, 1, 1, 1), "bcd", Skip{EntryID: "a", Seats: 3}},
		{"head passed partly may be passed up to its quantity", 5, withPassed(line(6, 1, 1, 1), 4), "bc", Skip{EntryID: "a", Seats: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offers, skip := Plan(tc.free, tc.line)
			if got := ids(offers); got != tc.offer {
				t.Errorf("offers = %q, want %q", got, tc.offer)
			}
			if !reflect.DeepEqual(skip, tc.skip) {
				t.Errorf("skip = %+v, want %+v", skip, tc.skip)
			}
		})
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	at := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	a, b := NewID(at), NewID(at.Add(time.Millisecond))
	if !(a < b) || !ValidID(a) || !ValidID(b) || ValidID("w123") || ValidID(a[:24]+"z") {
		t.Errorf("ids %q %q", a, b)
	}
}
