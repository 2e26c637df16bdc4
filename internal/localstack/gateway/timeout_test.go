package gateway

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/runtime"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// stuck never answers until released, whatever its context says.
type stuck struct{ release chan struct{} }

func (s stuck) Invoke(context.Context, []byte) (runtime.Result, error) {
	<-s.release
	return runtime.Result{Payload: []byte(`{"statusCode":200}`)}, nil
}

func TestIntegrationTimeoutAnswers503(t *testing.T) {
	s := stuck{make(chan struct{})}
	defer close(s.release)
	g := New("local", []*Route{{Method: "GET", Path: "/x", Function: "F", Invoker: s}}, nil, nil)
	if g.timeout != 30*time.Second {
		t.Errorf("default integration timeout %s, want API Gateway's 30 s", g.timeout)
	}
	g.timeout = 100 * time.Millisecond
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 503 || rec.Body.String() != `{"message":"Service Unavailable"}` {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
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

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// probeGateway serves POST /probe with the runtime's probe function (the request body
// says what it does), at most one instance.
func probeGateway(t *testing.T, timeout time.Duration, reports chan<- runtime.Report) (*Gateway, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	fn := template.Function{LogicalID: "ProbeFunction", Name: "stack-ProbeFunction", Dir: "functions/probe", Timeout: timeout, MemoryMB: 128}
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", runtime.BinaryPath(dir, fn), "../runtime/testdata/probe")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build probe: %v\n%s", err, b)
	}
	var log syncBuffer
	p := runtime.NewPool(fn, runtime.Options{BuildDir: dir, MaxInstances: 1, Output: &log, OnReport: func(r runtime.Report) { reports <- r }})
	t.Cleanup(p.Close)
	return New("local", []*Route{{Method: "POST", Path: "/probe", Function: fn.LogicalID, Invoker: p}}, nil, nil), &log
}

func post(g *Gateway, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/probe", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

func TestFunctionTimeoutAnswers500(t *testing.T) {
	reports := make(chan runtime.Report, 4)
	g, _ := probeGateway(t, time.Second, reports)
	// A 500, not the integration timeout's 503: the function's Timeout ended it.
	rec := post(g, `{"say":"slow","sleep_ms":60000}`)
	if rec.Code != 500 || rec.Body.String() != `{"message":"Internal Server Error"}` {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
	if r := <-reports; r.Status != "timeout" || !strings.Contains(r.String(), "Status: timeout") {
		t.Errorf("report %s", r)
	}
	if rec := post(g, `{"say":"after"}`); rec.Code != 200 {
		t.Errorf("after the timeout: %d %s", rec.Code, rec.Body)
	}
}

func TestQueuedPastIntegrationTimeoutAnswers503(t *testing.T) {
	reports := make(chan runtime.Report, 4)
	g, log := probeGateway(t, 10*time.Second, reports)
	if rec := post(g, `{"say":"warm up"}`); rec.Code != 200 {
		t.Fatalf("warm up: %d %s", rec.Code, rec.Body)
	}
	<-reports
	g.timeout = time.Second
	running := make(chan *httptest.ResponseRecorder)
	go func() { running <- post(g, `{"say":"running","sleep_ms":3000}`) }()
	for !strings.Contains(log.String(), "probe says running") {
		time.Sleep(5 * time.Millisecond)
	}
	// The only instance is busy for 3 s: the queued request gets API Gateway's answer.
	rec := post(g, `{"say":"queued"}`)
	if rec.Code != 503 || rec.Body.String() != `{"message":"Service Unavailable"}` {
		t.Errorf("queued: got %d %s", rec.Code, rec.Body)
	}
	if rec := <-running; rec.Code != 503 {
		t.Errorf("running past the integration timeout: got %d %s", rec.Code, rec.Body)
	}
	// The running invocation goes on to finish, as Lambda's does; the queued one never
	// reaches the function.
	if r := <-reports; r.Status != "" {
		t.Errorf("the running invocation: %s", r)
	}
	g.timeout = IntegrationTimeout
	if rec := post(g, `{"say":"next"}`); rec.Code != 200 {
		t.Errorf("next: %d %s", rec.Code, rec.Body)
	}
	<-reports
	if strings.Contains(log.String(), "probe says queued") {
		t.Errorf("the request dropped at the integration timeout ran later:\n%s", log.String())
	}
}
