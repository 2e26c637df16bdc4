package metrics

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Series is every value one metric took under one set of dimensions.
type Series struct {
	Name   string
	Unit   Unit
	Dims   string // "Outcome=held,Service=create-booking", sorted, for grouping and display
	Values []float64
}

// Count is how many values were recorded.
func (s *Series) Count() int { return len(s.Values) }

// Sum adds the values: for a Count metric, the number of occurrences.
func (s *Series) Sum() float64 {
	var t float64
	for _, v := range s.Values {
		t += v
	}
	return t
}

// Percentile is the nearest-rank percentile p (0..100) of the values.
func (s *Series) Percentile(p float64) float64 {
	if len(s.Values) == 0 {
		return 0
	}
	v := append([]float64(nil), s.Values...)
	sort.Float64s(v)
	i := int(math.Ceil(p/100*float64(len(v)))) - 1
	return v[max(0, min(i, len(v)-1))]
}

// Summarize reads log lines (EMF records and REPORT lines, possibly behind the local
// stack's "[Function] " prefix, mixed with other output) and groups the metric values by name and dimensions,
// in name then dimension order.
func Summarize(r io.Reader) ([]*Series, error) {
	by := map[string]*Series{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		recs := parseReport(line)
		if i := bytes.IndexByte(line, '{'); i >= 0 {
			recs = append(recs, Parse(line[i:])...)
		}
		for _, rec := range recs {
			dims := make([]string, 0, len(rec.Dims))
			for k, v := range rec.Dims {
				dims = append(dims, k+"="+v)
			}
			sort.Strings(dims)
			d := strings.Join(dims, ",")
			k := rec.Name + "\x00" + d
			s := by[k]
			if s == nil {
				s = &Series{Name: rec.Name, Unit: rec.Unit, Dims: d}
				by[k] = s
			}
			s.Values = append(s.Values, rec.Value)
		}
	}
	out := make([]*Series, 0, len(by))
	for _, s := range by {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Dims < out[j].Dims
	})
	return out, sc.Err()
}

var reportField = regexp.MustCompile(`(Billed Duration|Init Duration|Duration|Max Memory Used): ([0-9.]+) (ms|MB)`)

// parseReport reads a Lambda REPORT line ("[GetEventFunction] REPORT RequestId: ...
// Duration: 3.10 ms ... Max Memory Used: 21 MB Init Duration: 40.2 ms") as Lambda's own
// metrics, per function, so one summary shows latency, memory and cold starts too.
func parseReport(line []byte) []Record {
	i := bytes.Index(line, []byte("REPORT RequestId: "))
	if i < 0 {
		return nil
	}
	dims := map[string]string{}
	if j := bytes.IndexByte(line, ']'); line[0] == '[' && j > 0 && j < i {
		dims["Function"] = string(line[1:j])
	}
	var out []Record
	for _, m := range reportField.FindAllSubmatch(line[i:], -1) {
		v, err := strconv.ParseFloat(string(m[2]), 64)
		if err != nil || string(m[1]) == "Billed Duration" {
			continue
		}
		unit := Milliseconds
		if string(m[3]) == "MB" {
			unit = Megabytes
		}
		out = append(out, Record{Name: "Lambda" + strings.ReplaceAll(string(m[1]), " ", ""), Value: v, Unit: unit, Dims: dims})
	}
	return out
}

// WriteTable prints one row per series: count and sum, and p50/p99 for latencies and memory.
func WriteTable(w io.Writer, series []*Series) {
	fmt.Fprintf(w, "%-28s %-10s %8s %12s %10s %10s  %s\n", "METRIC", "UNIT", "COUNT", "SUM", "P50", "P99", "DIMENSIONS")
	for _, s := range series {
		p50, p99 := "-", "-"
		if s.Unit == Milliseconds || s.Unit == Seconds || s.Unit == Megabytes {
			p50, p99 = fmt.Sprintf("%.1f", s.Percentile(50)), fmt.Sprintf("%.1f", s.Percentile(99))
		}
		fmt.Fprintf(w, "%-28s %-10s %8d %12.6g %10s %10s  %s\n", s.Name, s.Unit, s.Count(), s.Sum(), p50, p99, s.Dims)
	}
}
