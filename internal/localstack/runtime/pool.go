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
	// waiters queue for an instance in arrival order. A freed instance (or the slot of
	// one that died) is handed to the first of them, never left for whoever asks next:
	// otherwise, in a storm, newcomers keep overtaking a waiter until its client has
	// given up.
	waiters []chan grant
}

// grant is what a waiter is handed: a warm instance, a slot to start one (inst nil), or
// the pool closing (err).
type grant struct {
	inst *instance
	err  error
}

// ErrQueueTimeout is Invoke's error when the invocation's queue deadline (StartBy)
// passed while every instance was busy: the function never saw the event.
var ErrQueueTimeout = errors.New("runtime: no instance became free before the queue deadline")

type startByKey struct{}

// StartBy bounds how long an invocation made with the returned context may wait for a
// free instance. Lambda would have started it at once; here instances are capped by the
// machine, so the caller whose own deadline passes (API Gateway's integration timeout)
// must not leave the event queued to run later for nobody. Once the function has the
// event, it runs to its Timeout whatever the deadline, as Lambda does after API Gateway
// gave up.
func StartBy(ctx context.Context, deadline time.Time) context.Context {
	return context.WithValue(ctx, startByKey{}, deadline)
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
		out: newPrefixWriter(opts.Output, fn.LogicalID)}
}

// Invoke runs one event through an instance: a warm idle one when there is one, a new
// one while under MaxInstances, otherwise it queues (first come, first served) for one
// to free up, until ctx ends or the StartBy deadline passes (ErrQueueTimeout). err is
// only for failures of the local machinery or ctx; function failures, including a
// function overrunning its Timeout, are in the Result.
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
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, errors.New("runtime: pool closed")
	}
	var g grant
	ok := false
	if len(p.waiters) == 0 {
		g, ok = p.takeLocked()
	}
	if !ok {
		w := make(chan grant, 1)
		p.waiters = append(p.waiters, w)
		p.mu.Unlock()
		var expired <-chan time.Time
		if deadline, set := ctx.Value(startByKey{}).(time.Time); set {
			t := time.NewTimer(time.Until(deadline))
			defer t.Stop()
			expired = t.C
		}
		var err error
		select {
		case g = <-w:
		case <-expired:
			err = ErrQueueTimeout
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			if p.leave(w) {
				return nil, false, err
			}
			// Handed something while giving up: pass it on.
			p.giveBack(<-w)
			return nil, false, err
		}
	} else {
		p.mu.Unlock()
	}
	if g.err != nil {
		return nil, false, g.err
	}
	if g.inst != nil {
		return g.inst, false, nil
	}
	inst, err := startInstance(p.fn, p.binary, p.opts.Env, p.opts.Output)
	if err != nil {
		p.mu.Lock()
		p.running--
		p.mu.Unlock()
		p.handOnSlot()
		return nil, false, err
	}
	return inst, true, nil
}

// takeLocked takes an idle live instance, or else a slot for a new one while under
// MaxInstances.
func (p *Pool) takeLocked() (grant, bool) {
	for len(p.idle) > 0 {
		inst := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if inst.alive() {
			return grant{inst: inst}, true
		}
		p.running--
	}
	if p.running < p.opts.MaxInstances {
		p.running++
		return grant{}, true
	}
	return grant{}, false
}

// leave takes w out of the queue; false when it was already handed a grant.
func (p *Pool) leave(w chan grant) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

func (p *Pool) giveBack(g grant) {
	switch {
	case g.err != nil:
	case g.inst != nil:
		p.release(g.inst)
	default:
		p.mu.Lock()
		p.running--
		p.mu.Unlock()
		p.handOnSlot()
	}
}

// release makes inst available again: to the first waiter if any, else idle. A dead
// instance's slot goes to the first waiter instead.
func (p *Pool) release(inst *instance) {
	p.mu.Lock()
	if inst.alive() && !p.closed {
		if len(p.waiters) > 0 {
			w := p.waiters[0]
			p.waiters = p.waiters[1:]
			w <- grant{inst: inst}
		} else {
			p.idle = append(p.idle, inst)
		}
		p.mu.Unlock()
		return
	}
	p.running--
	p.mu.Unlock()
	inst.kill()
	p.handOnSlot()
}

// handOnSlot gives the first waiter whatever is free now (after a slot was given up).
func (p *Pool) handOnSlot() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.waiters) == 0 {
		return
	}
	if g, ok := p.takeLocked(); ok {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		w <- g
	}
}

// Close stops every instance.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	for _, w := range p.waiters {
		w <- grant{err: errors.New("runtime: pool closed")}
	}
	p.waiters = nil
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
