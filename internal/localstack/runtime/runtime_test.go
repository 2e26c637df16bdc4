package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// probePool builds testdata/probe as function fn and returns a pool for it.
func probePool(t testing.TB, fn template.Function, opts Options) (*Pool, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	fn.Dir = "functions/probe"
	out := BinaryPath(dir, fn)
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, "./testdata/probe")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build probe: %v\n%s", err, b)
	}
	var log syncBuffer
	opts.BuildDir = dir
	opts.Output = &log
	p := NewPool(fn, opts)
	t.Cleanup(p.Close)
	return p, &log.buf
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(b)
}

func probeFunction(timeout time.Duration) template.Function {
	return template.Function{LogicalID: "ProbeFunction", Name: "stack-ProbeFunction", Timeout: timeout, MemoryMB: 256,
		Environment: map[string]string{"TABLE_NAME": "tbl", "TZ": "Europe/Paris"}}
}

func TestInvokeColdThenWarm(t *testing.T) {
	var reports []Report
	var mu sync.Mutex
	p, log := probePool(t, probeFunction(5*time.Second), Options{OnReport: func(r Report) {
		mu.Lock()
		reports = append(reports, r)
		mu.Unlock()
	}})
	ctx := context.Background()
	for i, say := range []string{"one", "two"} {
		res, err := p.Invoke(ctx, []byte(`{"say":"`+say+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		if res.FunctionError != "" {
			t.Fatalf("function error: %s", res.Payload)
		}
		var got map[string]any
		if err := json.Unmarshal(res.Payload, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"say": say, "request_id": res.Report.RequestID, "function_arn": template.ARN("lambda", "function:stack-ProbeFunction"),
			"function_name": "stack-ProbeFunction", "table": "tbl", "tz": ":UTC", "has_deadline": true}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("invoke %d: %s = %v, want %v", i, k, got[k], v)
			}
		}
		if cold := i == 0; res.Report.ColdStart != cold || (cold && res.Report.InitDuration <= 0) {
			t.Errorf("invoke %d: cold=%v init=%v", i, res.Report.ColdStart, res.Report.InitDuration)
		}
		if res.Report.MaxUsedMB <= 0 || res.Report.MemoryMB != 256 || res.Report.Billed < res.Report.Duration {
			t.Errorf("invoke %d: report %+v", i, res.Report)
		}
	}
	if len(reports) != 2 {
		t.Errorf("OnReport saw %d reports, want 2", len(reports))
	}
	for _, want := range []string{"[ProbeFunction] probe says one", "[ProbeFunction] REPORT RequestId: ", " Init Duration: ", "Memory Size: 256 MB"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, log.String())
		}
	}
}

func TestInvokeFailures(t *testing.T) {
	for _, tc := range []struct {
		name, event, status, errType string
		timeout                      time.Duration
	}{
		{"function error", `{"fail":"boom"}`, "error", "errorString", 5 * time.Second},
		{"timeout", `{"sleep_ms":3000}`, "timeout", "Sandbox.Timedout", time.Second},
		{"crash", `{"exit":3}`, "crash", "Runtime.ExitError", 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := probePool(t, probeFunction(tc.timeout), Options{})
			res, err := p.Invoke(context.Background(), []byte(tc.event))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct{ ErrorType, ErrorMessage string }
			_ = json.Unmarshal(res.Payload, &doc)
			if res.FunctionError != "Unhandled" || res.Report.Status != tc.status || doc.ErrorType != tc.errType {
				t.Fatalf("got %q status %q payload %s", res.FunctionError, res.Report.Status, res.Payload)
			}
			// The pool recovers: the next invocation works (on a new instance if needed).
			res, err = p.Invoke(context.Background(), []byte(`{"say":"after"}`))
			if err != nil || res.FunctionError != "" {
				t.Fatalf("after %s: %v %s", tc.name, err, res.Payload)
			}
		})
	}
}

func TestInitFailure(t *testing.T) {
	fn := probeFunction(5 * time.Second)
	p, _ := probePool(t, fn, Options{Env: []string{"PROBE_INIT_FAIL=1"}})
	res, err := p.Invoke(context.Background(), []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.FunctionError == "" || res.Report.Status != "crash" {
		t.Fatalf("init failure gave %+v %s", res.Report, res.Payload)
	}
}

func TestConcurrentInvocationsUseSeparateInstances(t *testing.T) {
	p, _ := probePool(t, probeFunction(5*time.Second), Options{MaxInstances: 3})
	var wg sync.WaitGroup
	ids := make(chan string, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := p.Invoke(context.Background(), []byte(`{"sleep_ms":50}`))
			if err != nil || res.FunctionError != "" {
				t.Errorf("invoke: %v %s", err, res.Payload)
			}
			ids <- res.Report.RequestID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != 6 {
		t.Errorf("request ids not unique: %v", seen)
	}
	p.mu.Lock()
	running := p.running
	p.mu.Unlock()
	if running > 3 {
		t.Errorf("%d instances running, max 3", running)
	}
}

func TestBinaryPath(t *testing.T) {
	fn := template.Function{Dir: "functions/create-venue"}
	if got, want := BinaryPath("/b", fn), filepath.Join("/b", "create-venue"); got != want {
		t.Errorf("BinaryPath = %s, want %s", got, want)
	}
}

// BenchmarkInvokeWarm measures the local runtime's own cost per warm invocation (the
// probe does no work): Runtime API round trip, event delivery and REPORT bookkeeping.
func BenchmarkInvokeWarm(b *testing.B) {
	p, _ := probePool(b, probeFunction(5*time.Second), Options{MaxInstances: 1})
	ctx := context.Background()
	if _, err := p.Invoke(ctx, []byte(`{"say":"warm up"}`)); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := p.Invoke(ctx, []byte(`{"say":"hi"}`))
		if err != nil || res.FunctionError != "" {
			b.Fatalf("%v %s", err, res.Payload)
		}
		total += res.Report.Duration
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "fn-us/op")
}
