package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond; the pool's queue has no event to wait on from outside.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (p *Pool) queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waiters)
}

func (p *Pool) busy() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running == p.opts.MaxInstances && len(p.idle) == 0
}

func TestTimeoutEndsTheInvocation(t *testing.T) {
	p, log := probePool(t, probeFunction(time.Second), Options{MaxInstances: 1})
	ctx := context.Background()
	if _, err := p.Invoke(ctx, []byte(`{"say":"warm up"}`)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := p.Invoke(ctx, []byte(`{"sleep_ms":60000}`))
	if err != nil {
		t.Fatal(err)
	}
	// Not a speed target: without the kill the probe would sleep a minute.
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("an invocation past its 1 s Timeout took %s", took)
	}
	var doc struct{ ErrorType, ErrorMessage string }
	_ = json.Unmarshal(res.Payload, &doc)
	if res.FunctionError != "Unhandled" || res.Report.Status != "timeout" || doc.ErrorType != "Sandbox.Timedout" ||
		!strings.Contains(doc.ErrorMessage, "Task timed out after 1.00 seconds") || res.Report.Duration != time.Second {
		t.Fatalf("got %q %+v %s", res.FunctionError, res.Report, res.Payload)
	}
	if want := "RequestId: " + res.Report.RequestID + " Duration: 1000.00 ms"; !strings.Contains(log.String(), want) ||
		!strings.Contains(log.String(), "Status: timeout") {
		t.Errorf("no REPORT line with %q and Status: timeout:\n%s", want, log.String())
	}
	// The overrunning instance is gone: the next invocation starts a new one.
	res, err = p.Invoke(ctx, []byte(`{"say":"after"}`))
	if err != nil || res.FunctionError != "" || !res.Report.ColdStart {
		t.Fatalf("after the timeout: %v %+v %s", err, res.Report, res.Payload)
	}
}

func TestQueueIsFirstComeFirstServed(t *testing.T) {
	p, _ := probePool(t, probeFunction(10*time.Second), Options{MaxInstances: 1})
	ctx := context.Background()
	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	invoke := func(say string, sleep int) {
		defer wg.Done()
		res, err := p.Invoke(ctx, []byte(`{"say":"`+say+`","sleep_ms":`+strconv.Itoa(sleep)+`}`))
		if err != nil || res.FunctionError != "" {
			t.Errorf("%s: %v %s", say, err, res.Payload)
		}
		mu.Lock()
		order = append(order, say)
		mu.Unlock()
	}
	wg.Add(1)
	go invoke("first", 300)
	waitFor(t, "the first invocation to take the instance", p.busy)
	for i, say := range []string{"b", "c", "d"} {
		wg.Add(1)
		go invoke(say, 0)
		waitFor(t, say+" to queue", func() bool { return p.queued() == i+1 })
	}
	wg.Wait()
	if got := strings.Join(order, " "); got != "first b c d" {
		t.Errorf("served in order %q, want first b c d", got)
	}
}

func TestStartByDropsAnInvocationStillQueued(t *testing.T) {
	var mu sync.Mutex
	var says []string
	p, log := probePool(t, probeFunction(10*time.Second), Options{MaxInstances: 1, OnReport: func(Report) {
		mu.Lock()
		says = append(says, "report")
		mu.Unlock()
	}})
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, err := p.Invoke(ctx, []byte(`{"say":"running","sleep_ms":1500}`))
		done <- err
	}()
	waitFor(t, "the first invocation to take the instance", p.busy)
	_, err := p.Invoke(StartBy(ctx, time.Now().Add(100*time.Millisecond)), []byte(`{"say":"queued"}`))
	if !errors.Is(err, ErrQueueTimeout) {
		t.Fatalf("queued past its deadline: err = %v, want ErrQueueTimeout", err)
	}
	if p.queued() != 0 {
		t.Errorf("the dropped invocation is still queued")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The dropped event never reaches the function, and the pool serves the next one.
	res, err := p.Invoke(ctx, []byte(`{"say":"next"}`))
	if err != nil || res.FunctionError != "" {
		t.Fatalf("next: %v %s", err, res.Payload)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(log.String(), "probe says queued") || len(says) != 2 {
		t.Errorf("the dropped invocation ran (%d reports):\n%s", len(says), log.String())
	}
}

func TestCloseReleasesWaiters(t *testing.T) {
	p, _ := probePool(t, probeFunction(10*time.Second), Options{MaxInstances: 1})
	ctx := context.Background()
	go func() { _, _ = p.Invoke(ctx, []byte(`{"sleep_ms":1000}`)) }()
	waitFor(t, "the first invocation to take the instance", p.busy)
	done := make(chan error, 1)
	go func() {
		_, err := p.Invoke(ctx, []byte(`{}`))
		done <- err
	}()
	waitFor(t, "the second to queue", func() bool { return p.queued() == 1 })
	p.Close()
	if err := <-done; err == nil {
		t.Error("a waiter of a closed pool got an instance")
	}
}
