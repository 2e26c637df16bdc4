package localtest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/bookmyevent/bookmyevent/internal/localstack/runtime"
	"github.com/bookmyevent/bookmyevent/internal/localstack/system"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// StackOptions configure the in-process stack. Only the first Stack call in a test
// binary starts it, so every call in one binary should pass the same options.
type StackOptions struct {
	// Addr is the gateway's address; default a free port on 127.0.0.1.
	Addr string
	// Params override template parameters.
	Params map[string]string
	// NoSources leaves SQS pollers and schedules off (they are on by default).
	NoSources bool
}

// LocalStack is the whole local system running for a test binary: the template's
// resources provisioned under a stack name unique to the binary, every function's real
// bootstrap behind the Runtime API, the gateway with the JWT authorizer.
type LocalStack struct {
	*system.System
	// BaseURL is the gateway's URL, e.g. http://127.0.0.1:41234.
	BaseURL string
	// LogPath is where stack and function output goes (set BME_STACK_LOG=stderr to
	// see it in the test output instead).
	LogPath string

	mu      sync.Mutex
	reports []runtime.Report
}

var (
	stackOnce sync.Once
	stack     *LocalStack
	stackErr  error
)

// Stack starts the whole stack once per test binary and returns it; end-to-end tests
// send real HTTP requests to BaseURL with tokens from Token. The stack lives until the
// binary exits. It runs on moto servers of its own, not the shared ones of AWS: moto
// serves one request at a time, and a stack's pollers and a stampede test elsewhere in
// `make test` would otherwise queue behind each other until functions time out (reach
// its resources with AWSConfig). Functions that do not compile fail the call.
func Stack(t testing.TB, opts StackOptions) *LocalStack {
	t.Helper()
	stackOnce.Do(func() {
		stack, stackErr = startStack(opts)
	})
	if stackErr != nil {
		t.Fatalf("localtest: local stack: %v", stackErr)
	}
	return stack
}

func startStack(opts StackOptions) (*LocalStack, error) {
	s := &LocalStack{}
	out, err := stackLog(s)
	if err != nil {
		return nil, err
	}
	buildDir, err := workspace.Local("build-test")
	if err != nil {
		return nil, err
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	// Tests share a loaded machine with OpenSearch: a search may take longer than the
	// deployed 2 s bound without being wrong (internal/api tests the bound itself).
	if _, set := opts.Params["SearchTimeout"]; !set {
		opts.Params = maps.Clone(opts.Params)
		if opts.Params == nil {
			opts.Params = map[string]string{}
		}
		opts.Params["SearchTimeout"] = "15s"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sys, err := system.Start(ctx, system.Options{
		StackName: "t" + randomSuffix(), Params: opts.Params, APIAddr: opts.Addr,
		Sources: !opts.NoSources, BuildDir: buildDir, Output: out,
		OnReport: func(r runtime.Report) {
			s.mu.Lock()
			s.reports = append(s.reports, r)
			s.mu.Unlock()
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w (log: %s)", err, s.LogPath)
	}
	if sys.BuildErr != nil {
		sys.Close()
		return nil, fmt.Errorf("%w (log: %s)", sys.BuildErr, s.LogPath)
	}
	s.System, s.BaseURL = sys, sys.BaseURL
	return s, nil
}

func stackLog(s *LocalStack) (io.Writer, error) {
	if os.Getenv("BME_STACK_LOG") == "stderr" {
		s.LogPath = "stderr"
		return os.Stderr, nil
	}
	dir, err := workspace.Local("logs", "x")
	if err != nil {
		return nil, err
	}
	s.LogPath = filepath.Join(filepath.Dir(dir), fmt.Sprintf("test-stack-%d.log", os.Getpid()))
	return os.Create(s.LogPath)
}

// Token returns a bearer token for user (created on first use; in the admins group
// exactly when admin is true), to send as "Authorization: Bearer <token>".
func (s *LocalStack) Token(t testing.TB, user string, admin bool) string {
	t.Helper()
	tok, err := s.System.Token(context.Background(), user, admin)
	if err != nil {
		t.Fatalf("localtest: token for %s: %v", user, err)
	}
	return tok
}

// AWSConfig returns SDK configuration for the stack's own services, to inspect its table
// or queues (their names are in Stack.Physical).
func (s *LocalStack) AWSConfig(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := s.Endpoints.Config(context.Background())
	if err != nil {
		t.Fatalf("localtest: AWS config: %v", err)
	}
	return cfg
}

// Reports returns the REPORT numbers of every invocation so far (cold starts, durations,
// memory), for benchmarks and assertions about the runtime.
func (s *LocalStack) Reports() []runtime.Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]runtime.Report(nil), s.reports...)
}
