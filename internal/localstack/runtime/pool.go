package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// InitTimeout bounds a cold start (process start to its first /next), as Lambda's 10 s
// init phase limit does.
const InitTimeout = 10 * time.Second

// Report describes one invocation, with the numbers of Lambda's REPORT log line.
type Report struct {
	Function     string
	RequestID    string
	Duration     time.Duration
	Billed       time.Duration
	MemoryMB     int
	MaxUsedMB    int
	ColdStart    bool
	InitDuration time.Duration
	// Status is "" on success, else "error" (the function returned an error), "timeout"
	// or "crash" (the process exited or failed its init).
	Status string
}

// String formats the report as Lambda's REPORT line.
func (r Report) String() string {
	s := fmt.Sprintf("REPORT RequestId: %s Duration: %.2f ms Billed Duration: %d ms Memory Size: %d MB Max Memory Used: %d MB",
		r.RequestID, ms(r.Duration), r.Billed.Milliseconds(), r.MemoryMB, r.MaxUsedMB)
	if r.ColdStart {
		s += fmt.Sprintf(" Init Duration: %.2f ms", ms(r.InitDuration))
	}
	if r.Status == "timeout" || r.Status == "crash" {
		s += " Status: " + r.Status
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Result is the outcome of one invocation. When FunctionError is set ("Unhandled", as
// Lambda's X-Amz-Function-Error header says), Payload is the error document
// {"errorMessage", "errorType"}.
type Result struct {
	Payload       []byte
	FunctionError string
	Report        Report
}

// Options configure a Pool.
type Options struct {
	// BuildDir holds the binaries Build made.
	BuildDir string
	// Env is added to every instance's environment (endpoints, credentials).
	Env []string
	// MaxInstances caps concurrent instances per function (default 8); a function's
	// ReservedConcurrentExecutions lowers it.
	MaxInstances int
	// Output receives the functions' stdout/stderr (prefixed) and REPORT lines.
	Output io.Writer
	// OnReport, when set, sees every invocation's report (benchmarks read it).
	OnReport func(Report)
}

// Pool runs instances of one function.
type Pool struct {
	fn     template.Function
	binary string
	opts   Options
	out    *prefixWriter

	mu      sync.Mutex
	idle    []*instance
	running int
	closed  bool
	freed   chan struct{} // signalled when an instance goes idle or away
}

// NewPool prepares a pool; instances start on demand.
func NewPool(fn template.Function, opts Options) *Pool {
	if opts.MaxInstances <= 0 {
		opts.MaxInstances = 8
	}
	if fn.ReservedConcurrency > 0 && fn.ReservedConcurrency < opts.MaxInstances {
		opts.MaxInstances = fn.ReservedConcurrency
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	return &Pool{fn: fn, binary: BinaryPath(opts.BuildDir, fn), opts: opts,
		out: newPrefixWriter(opts.Output, fn.LogicalID), freed: make(chan struct{}, 1)}
}

// Invoke runs one event through an instance: a warm idle one when there is one, a new
// one while under MaxInstances, otherwise it waits for one to free up. err is only for
// failures of the local machinery or ctx; function failures are in the Result.
func (p *Pool) Invoke(ctx context.Context, payload []byte) (Result, error) {
	inst, cold, err := p.acquire(ctx)
	if err != nil {
		return Result{}, err
	}
	inv := &invocation{id: newRequestID(), payload: payload, delivered: make(chan time.Time, 1), done: make(chan outcome, 1)}
	res := p.run(ctx, inst, inv, cold)
	p.out.line(res.Report.String())
	if p.opts.OnReport != nil {
		p.opts.OnReport(res.Report)
	}
	p.release(inst)
	return res, ctx.Err()
}

func (p *Pool) run(ctx context.Context, inst *instance, inv *invocation, cold bool) Result {
	rep := Report{Function: p.fn.LogicalID, RequestID: inv.id, MemoryMB: p.fn.MemoryMB, ColdStart: cold}
	fail := func(status, errType, msg string) Result {
		rep.Status = status
		rep.MaxUsedMB = inst.maxMemoryMB()
		doc, _ := json.Marshal(map[string]string{"errorType": errType, "errorMessage": "RequestId: " + inv.id + " Error: " + msg})
		return Result{Payload: doc, FunctionError: "Unhandled", Report: rep}
	}
	inv.deadline = time.Now().Add(p.fn.Timeout)
	select {
	case inst.work <- inv:
	case <-inst.dead:
	}
	// Wait for the instance to take the event (its /next), bounding a cold start by the
	// init limit; a warm instance is already waiting in /next.
	var started time.Time
	initLimit := time.NewTimer(InitTimeout)
	defer initLimit.Stop()
	select {
	case started = <-inv.delivered:
	case <-inst.dead:
		return fail("crash", "Runtime.ExitError", inst.deathReason())
	case <-initLimit.C:
		inst.kill()
		return fail("crash", "Runtime.InitTimeout", fmt.Sprintf("init did not finish within %s", InitTimeout))
	case <-ctx.Done():
		inst.kill()
		return fail("crash", "Runtime.Cancelled", ctx.Err().Error())
	}
	if cold {
		rep.InitDuration = inst.initDuration()
	}
	// The timeout counts from the moment the runtime took the event; the deadline
	// header told the function the same.
	inv.deadline = started.Add(p.fn.Timeout)
	limit := time.NewTimer(time.Until(inv.deadline))
	defer limit.Stop()
	var o outcome
	select {
	case o = <-inv.done:
	case <-inst.dead:
		rep.Duration = time.Since(started)
		rep.Billed = billed(rep)
		return fail("crash", "Runtime.ExitError", inst.deathReason())
	case <-limit.C:
		inst.kill()
		rep.Duration = p.fn.Timeout
		rep.Billed = billed(rep)
		return fail("timeout", "Sandbox.Timedout", fmt.Sprintf("Task timed out after %.2f seconds", p.fn.Timeout.Seconds()))
	case <-ctx.Done():
		inst.kill()
		return fail("crash", "Runtime.Cancelled", ctx.Err().Error())
	}
	rep.Duration = o.at.Sub(started)
	rep.Billed = billed(rep)
	rep.MaxUsedMB = inst.maxMemoryMB()
	res := Result{Payload: o.body, Report: rep}
	if o.isError {
		res.FunctionError = "Unhandled"
		res.Report.Status = "error"
	}
	return res
}

// billed rounds up to the millisecond; custom runtimes are billed for init too.
func billed(r Report) time.Duration {
	d := r.Duration
	if r.ColdStart {
		d += r.InitDuration
	}
	return time.Duration(math.Ceil(float64(d)/float64(time.Millisecond))) * time.Millisecond
}

func (p *Pool) acquire(ctx context.Context) (*instance, bool, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, false, errors.New("runtime: pool closed")
		}
		for len(p.idle) > 0 {
			inst := p.idle[len(p.idle)-1]
			p.idle = p.idle[:len(p.idle)-1]
			if inst.alive() {
				p.mu.Unlock()
				return inst, false, nil
			}
			p.running--
		}
		if p.running < p.opts.MaxInstances {
			p.running++
			p.mu.Unlock()
			inst, err := startInstance(p.fn, p.binary, p.opts.Env, p.opts.Output)
			if err != nil {
				p.mu.Lock()
				p.running--
				p.mu.Unlock()
				p.signal()
				return nil, false, err
			}
			return inst, true, nil
		}
		p.mu.Unlock()
		select {
		case <-p.freed:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
}

func (p *Pool) release(inst *instance) {
	p.mu.Lock()
	if inst.alive() && !p.closed {
		p.idle = append(p.idle, inst)
	} else {
		p.running--
		inst.kill()
	}
	p.mu.Unlock()
	p.signal()
}

func (p *Pool) signal() {
	select {
	case p.freed <- struct{}{}:
	default:
	}
}

// Close stops every instance.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, inst := range idle {
		inst.kill()
	}
}

// Pools runs every function of a stack, keyed by logical id.
type Pools map[string]*Pool

// NewPools makes a pool per function.
func NewPools(fns []template.Function, opts Options) Pools {
	ps := Pools{}
	for _, fn := range fns {
		ps[fn.LogicalID] = NewPool(fn, opts)
	}
	return ps
}

// Close stops every pool.
func (ps Pools) Close() {
	for _, p := range ps {
		p.Close()
	}
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func traceID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return "Root=1-" + strconv.FormatInt(time.Now().Unix(), 16) + "-" + h[:24] + ";Parent=" + h[24:40] + ";Sampled=0"
}

// taskRoot is LAMBDA_TASK_ROOT: the folder holding the bootstrap, as /var/task does.
func taskRoot(binary string) string { return filepath.Dir(binary) }
