package runtime

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

const apiPrefix = "/2018-06-01/runtime"

type invocation struct {
	id        string
	payload   []byte
	deadline  time.Time
	delivered chan time.Time
	done      chan outcome
}

type outcome struct {
	body    []byte
	isError bool
	at      time.Time
}

// instance is one function process with its own Runtime API listener, as one Lambda
// execution environment.
type instance struct {
	fn      template.Function
	cmd     *exec.Cmd
	srv     *http.Server
	started time.Time
	work    chan *invocation
	dead    chan struct{}

	mu        sync.Mutex
	firstNext time.Time
	current   *invocation
	reason    string
	killOnce  sync.Once
	killed    atomic.Bool // set before the process is gone, so it is never reused
}

func startInstance(fn template.Function, binary string, extraEnv []string, output io.Writer) (*instance, error) {
	if _, err := os.Stat(binary); err != nil {
		return nil, fmt.Errorf("runtime: %s has no binary (did it build?): %w", fn.LogicalID, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	inst := &instance{fn: fn, work: make(chan *invocation, 1), dead: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", inst.next)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", inst.respond(false))
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", inst.respond(true))
	mux.HandleFunc("POST "+apiPrefix+"/init/error", inst.initError)
	inst.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = inst.srv.Serve(ln) }()

	cmd := exec.Command(binary)
	cmd.Dir = taskRoot(binary)
	cmd.Env = lambdaEnv(fn, binary, ln.Addr().String(), extraEnv)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out := newPrefixWriter(output, fn.LogicalID) // per instance: partial lines never mix
	cmd.Stdout, cmd.Stderr = out, out
	inst.cmd = cmd
	inst.started = time.Now()
	if err := cmd.Start(); err != nil {
		inst.srv.Close()
		return nil, fmt.Errorf("runtime: start %s: %w", fn.LogicalID, err)
	}
	go func() {
		err := cmd.Wait()
		inst.mu.Lock()
		if inst.reason == "" {
			inst.reason = "Runtime exited with error: " + exitText(err)
		}
		inst.mu.Unlock()
		close(inst.dead)
		inst.srv.Close()
	}()
	return inst, nil
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// lambdaEnv is the environment Lambda gives a provided.al2023 function: the template's
// variables, then the reserved ones (which the template cannot override), then the
// local endpoints. Nothing is inherited from this process, as nothing is in Lambda.
func lambdaEnv(fn template.Function, binary, api string, extra []string) []string {
	var env []string
	for k, v := range fn.Environment {
		env = append(env, k+"="+v)
	}
	env = append(env,
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"_HANDLER="+orDefault(fn.Handler, "bootstrap"),
		"LAMBDA_TASK_ROOT="+taskRoot(binary),
		"LAMBDA_RUNTIME_DIR="+taskRoot(binary),
		"AWS_LAMBDA_RUNTIME_API="+api,
		"AWS_LAMBDA_FUNCTION_NAME="+fn.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+fn.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME="+time.Now().UTC().Format("2006/01/02")+"/[$LATEST]"+strings.ReplaceAll(newRequestID(), "-", ""),
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION="+template.Region,
		"AWS_DEFAULT_REGION="+template.Region,
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_SESSION_TOKEN=test",
	)
	return append(env, extra...)
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// next hands the instance its next event, blocking while it is idle.
func (i *instance) next(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	if i.firstNext.IsZero() {
		i.firstNext = time.Now()
	}
	i.mu.Unlock()
	select {
	case inv := <-i.work:
		i.mu.Lock()
		i.current = inv
		i.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(i.fn.Timeout).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", template.ARN("lambda", "function:"+i.fn.Name))
		h.Set("Lambda-Runtime-Trace-Id", traceID())
		inv.delivered <- time.Now()
		_, _ = w.Write(inv.payload)
	case <-i.dead:
		http.Error(w, "instance stopping", http.StatusGone)
	case <-r.Context().Done():
	}
}

func (i *instance) respond(isError bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20+1))
		at := time.Now()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		i.mu.Lock()
		inv := i.current
		if inv != nil && inv.id == r.PathValue("id") {
			i.current = nil
		} else {
			inv = nil
		}
		i.mu.Unlock()
		if inv == nil {
			http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
			return
		}
		if !isError && len(body) > 6<<20 {
			body, isError = []byte(`{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}`), true
		}
		inv.done <- outcome{body: body, isError: isError, at: at}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"status":"OK"}`))
	}
}

func (i *instance) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	i.mu.Lock()
	i.reason = "init failed: " + strings.TrimSpace(string(body))
	i.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"OK"}`))
	go i.kill()
}

func (i *instance) initDuration() time.Duration {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.firstNext.Sub(i.started)
}

func (i *instance) alive() bool {
	if i.killed.Load() {
		return false
	}
	select {
	case <-i.dead:
		return false
	default:
		return true
	}
}

func (i *instance) deathReason() string {
	<-i.dead
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.reason
}

// kill ends the process group (the function may have started children).
func (i *instance) kill() {
	i.killed.Store(true)
	i.killOnce.Do(func() {
		_ = syscall.Kill(-i.cmd.Process.Pid, syscall.SIGKILL)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = i.srv.Shutdown(ctx)
	})
}

// maxMemoryMB reads the process's peak resident set (VmHWM), as Max Memory Used reports.
func (i *instance) maxMemoryMB() int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(i.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return (kb + 1023) / 1024
		}
	}
	return 0
}

// prefixWriter relays a function's output line by line, prefixed with its name, so
// interleaved functions stay readable.
type prefixWriter struct {
	mu     *sync.Mutex
	out    io.Writer
	prefix string
	buf    []byte
}

var outputMu sync.Mutex

func newPrefixWriter(out io.Writer, name string) *prefixWriter {
	return &prefixWriter{mu: &outputMu, out: out, prefix: "[" + name + "] "}
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		_, _ = fmt.Fprintf(p.out, "%s%s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}

func (p *prefixWriter) line(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = fmt.Fprintf(p.out, "%s%s\n", p.prefix, s)
}
