// Package metrics writes CloudWatch Embedded Metric Format (EMF) records to stdout.
// Lambda ships stdout to CloudWatch Logs, which turns each record into metrics: no
// PutMetricData call, no extra latency, no extra IAM. The local stack reads the same
// lines back for `bme stats`.
package metrics

import (
	"encoding/json"
	"io"
	"os"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace every product metric lives in; the dashboard and
// alarms in template.yaml refer to it.
const Namespace = "BookMyEvent"

// Unit is a CloudWatch unit.
type Unit string

const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Seconds      Unit = "Seconds"
	Megabytes    Unit = "Megabytes"
	None         Unit = "None"
)

// Dim is one dimension of a metric, e.g. Outcome=sold_out.
type Dim struct{ Name, Value string }

// Recorder emits EMF records. The zero value is not usable; use New or Default.
type Recorder struct {
	mu      sync.Mutex
	w       io.Writer
	service string
	now     func() time.Time
}

// New returns a Recorder writing to w, tagging every record with the service name.
func New(w io.Writer, service string) *Recorder {
	return &Recorder{w: w, service: service, now: time.Now}
}

var (
	defaultOnce sync.Once
	defaultRec  *Recorder
)

// Default writes to stdout with the Lambda function's name as the service.
func Default() *Recorder {
	defaultOnce.Do(func() {
		name := os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
		if name == "" {
			name = "local"
		}
		defaultRec = New(os.Stdout, name)
	})
	return defaultRec
}

// Count records n occurrences of name.
func (r *Recorder) Count(name string, n float64, dims ...Dim) { r.Put(name, n, Count, dims...) }

// Duration records a latency in milliseconds.
func (r *Recorder) Duration(name string, d time.Duration, dims ...Dim) {
	r.Put(name, float64(d.Microseconds())/1000, Milliseconds, dims...)
}

// Put writes one metric value as one EMF record. Dimensions are published both alone
// (per Service) and with the given dimensions, so the dashboard can show totals and splits.
func (r *Recorder) Put(name string, value float64, unit Unit, dims ...Dim) {
	if r == nil {
		return
	}
	rec := map[string]any{"Service": r.service, name: value}
	set := []string{"Service"}
	for _, d := range dims {
		rec[d.Name] = d.Value
		set = append(set, d.Name)
	}
	dimSets := [][]string{{"Service"}}
	if len(set) > 1 {
		dimSets = append(dimSets, set)
	}
	rec["_aws"] = map[string]any{
		"Timestamp": r.now().UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  Namespace,
			"Dimensions": dimSets,
			"Metrics":    []any{metricDef(name, unit)},
		}},
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.w.Write(append(b, '\n'))
}

// HighResolution are the metrics stored at one-second resolution: the waiting room's
// admitter reads the last seconds of them as its throttle signal.
var HighResolution = map[string]bool{"TransactionRetries": true, "Reservations": true}

func metricDef(name string, unit Unit) map[string]any {
	m := map[string]any{"Name": name, "Unit": unit}
	if HighResolution[name] {
		m["StorageResolution"] = 1
	}
	return m
}

// Record is one metric value read back from an EMF line.
type Record struct {
	Name  string
	Value float64
	Unit  Unit
	Dims  map[string]string
}

// Parse reads the metric values in one log line; lines that are not EMF give none.
func Parse(line []byte) []Record {
	var raw map[string]json.RawMessage
	if json.Unmarshal(line, &raw) != nil || raw["_aws"] == nil {
		return nil
	}
	var meta struct {
		CloudWatchMetrics []struct {
			Dimensions [][]string
			Metrics    []struct {
				Name string
				Unit Unit
			}
		}
	}
	if json.Unmarshal(raw["_aws"], &meta) != nil {
		return nil
	}
	var out []Record
	for _, d := range meta.CloudWatchMetrics {
		dims := map[string]string{}
		for _, set := range d.Dimensions {
			for _, name := range set {
				var v string
				if json.Unmarshal(raw[name], &v) == nil {
					dims[name] = v
				}
			}
		}
		for _, m := range d.Metrics {
			var v float64
			if json.Unmarshal(raw[m.Name], &v) != nil {
				continue
			}
			out = append(out, Record{Name: m.Name, Value: v, Unit: m.Unit, Dims: dims})
		}
	}
	return out
}
