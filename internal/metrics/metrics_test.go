package metrics

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPutWritesEMFThatParsesBack(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "reserve")
	r.now = func() time.Time { return time.UnixMilli(1700000000000) }
	r.Count("Reservations", 1, Dim{"Outcome", "held"})
	r.Duration("TransactionLatency", 2500*time.Microsecond)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d: %q", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	aws := rec["_aws"].(map[string]any)
	if aws["Timestamp"].(float64) != 1700000000000 {
		t.Errorf("timestamp = %v", aws["Timestamp"])
	}
	cwm := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if cwm["Namespace"] != Namespace {
		t.Errorf("namespace = %v", cwm["Namespace"])
	}

	tests := []struct {
		line string
		want Record
	}{
		{lines[0], Record{Name: "Reservations", Value: 1, Unit: Count, Dims: map[string]string{"Service": "reserve", "Outcome": "held"}}},
		{lines[1], Record{Name: "TransactionLatency", Value: 2.5, Unit: Milliseconds, Dims: map[string]string{"Service": "reserve"}}},
	}
	for _, tt := range tests {
		got := Parse([]byte(tt.line))
		if len(got) != 1 {
			t.Fatalf("Parse(%s) = %v", tt.line, got)
		}
		g := got[0]
		if g.Name != tt.want.Name || g.Value != tt.want.Value || g.Unit != tt.want.Unit || len(g.Dims) != len(tt.want.Dims) {
			t.Errorf("got %+v, want %+v", g, tt.want)
		}
		for k, v := range tt.want.Dims {
			if g.Dims[k] != v {
				t.Errorf("dim %s = %q, want %q", k, g.Dims[k], v)
			}
		}
	}
}

func TestParseIgnoresOrdinaryLogLines(t *testing.T) {
	for _, line := range []string{`{"level":"INFO","msg":"request"}`, `not json`, ``} {
		if got := Parse([]byte(line)); got != nil {
			t.Errorf("Parse(%q) = %v, want nothing", line, got)
		}
	}
}
