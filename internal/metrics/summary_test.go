package metrics

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSummarizeGroupsByNameAndDimensions(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "create-booking")
	r.Count("Reservations", 1, Dim{"Outcome", "held"})
	r.Count("Reservations", 1, Dim{"Outcome", "held"})
	r.Count("Reservations", 1, Dim{"Outcome", "sold_out"})
	for _, ms := range []int{1, 2, 3, 4, 100} {
		r.Duration("TransactionLatency", time.Duration(ms)*time.Millisecond)
	}
	// The local stack prefixes each function's lines and mixes in plain logs.
	var log strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		log.WriteString("[CreateBookingFunction] " + l + "\n")
	}
	log.WriteString("[CreateBookingFunction] {\"level\":\"INFO\",\"msg\":\"request\"}\n")
	log.WriteString("[GetEventFunction] REPORT RequestId: r1 Duration: 3.50 ms Billed Duration: 4 ms Memory Size: 256 MB Max Memory Used: 21 MB Init Duration: 40.20 ms\n")
	log.WriteString("[GetEventFunction] REPORT RequestId: r2 Duration: 1.50 ms Billed Duration: 2 ms Memory Size: 256 MB Max Memory Used: 23 MB\n")

	series, err := Summarize(strings.NewReader(log.String()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dims    string
		count         int
		sum, p50, p99 float64
	}{
		{"LambdaDuration", "Function=GetEventFunction", 2, 5, 1.5, 3.5},
		{"LambdaInitDuration", "Function=GetEventFunction", 1, 40.2, 40.2, 40.2},
		{"LambdaMaxMemoryUsed", "Function=GetEventFunction", 2, 44, 21, 23},
		{"Reservations", "Outcome=held,Service=create-booking", 2, 2, 1, 1},
		{"Reservations", "Outcome=sold_out,Service=create-booking", 1, 1, 1, 1},
		{"TransactionLatency", "Service=create-booking", 5, 110, 3, 100},
	}
	if len(series) != len(tests) {
		t.Fatalf("got %d series, want %d", len(series), len(tests))
	}
	for i, tt := range tests {
		s := series[i]
		if s.Name != tt.name || s.Dims != tt.dims || s.Count() != tt.count || s.Sum() != tt.sum ||
			s.Percentile(50) != tt.p50 || s.Percentile(99) != tt.p99 {
			t.Errorf("series %d = %s %s count %d sum %v p50 %v p99 %v, want %+v",
				i, s.Name, s.Dims, s.Count(), s.Sum(), s.Percentile(50), s.Percentile(99), tt)
		}
	}
	var out bytes.Buffer
	WriteTable(&out, series)
	if !strings.Contains(out.String(), "Outcome=sold_out") {
		t.Errorf("table lacks a dimension:\n%s", out.String())
	}
}
