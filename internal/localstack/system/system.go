// Package system assembles the local stack from template.yaml: moto, the provisioned
// resources, the functions built and run behind the Lambda Runtime API, the HTTP API
// gateway and the event sources. cmd/local and localtest.Stack both start it here.
package system

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/localstack/endpoints"
	"github.com/bookmyevent/bookmyevent/internal/localstack/gateway"
	"github.com/bookmyevent/bookmyevent/internal/localstack/identity"
	"github.com/bookmyevent/bookmyevent/internal/localstack/moto"
	"github.com/bookmyevent/bookmyevent/internal/localstack/provision"
	"github.com/bookmyevent/bookmyevent/internal/localstack/runtime"
	"github.com/bookmyevent/bookmyevent/internal/localstack/sources"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// DefaultStackName names the local stack's resources (bookmyevent-local-Table, ...).
const DefaultStackName = "bookmyevent-local"

// Options configure Start.
type Options struct {
	// StackName prefixes generated resource names; default DefaultStackName.
	StackName string
	// Params override template parameters (sam --parameter-overrides).
	Params map[string]string
	// Endpoints of already running services; nil starts moto on the Moto*Addr.
	Endpoints *endpoints.Endpoints
	// MotoAddr, MotoSQSAddr and MotoDynamoDBAddr are 127.0.0.1:<port>; empty picks free
	// ports.
	MotoAddr, MotoSQSAddr, MotoDynamoDBAddr string
	// APIAddr is where the gateway listens (127.0.0.1:3000, 127.0.0.1:0); empty means
	// no gateway.
	APIAddr string
	// Functions limits the functions built and run to these logical ids; nil runs all.
	Functions []string
	// Sources starts the SQS pollers and schedules.
	Sources bool
	// BuildDir receives the bootstraps; default .local/build.
	BuildDir string
	// MaxInstances caps warm instances per function (default 8).
	MaxInstances int
	// Output receives logs, function output and REPORT lines; nil discards them.
	Output io.Writer
	// OnReport sees every invocation's report.
	OnReport func(runtime.Report)
}

// System is a running local stack.
type System struct {
	Endpoints endpoints.Endpoints
	Stack     *template.Stack
	Functions []template.Function
	Pools     runtime.Pools
	// BaseURL is the gateway's URL (http://127.0.0.1:3000), empty without a gateway.
	BaseURL  string
	Identity identity.Pool
	// BuildErr reports functions that did not build; their routes answer 500.
	BuildErr error

	stops []func()
	once  sync.Once
}

// Start brings the stack up. On error everything started so far is stopped.
func Start(ctx context.Context, opts Options) (sys *System, err error) {
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	if opts.StackName == "" {
		opts.StackName = DefaultStackName
	}
	sys = &System{}
	defer func() {
		if err != nil {
			sys.Close()
			sys = nil
		}
	}()
	root, err := workspace.Root()
	if err != nil {
		return nil, err
	}
	tmpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	if _, ok := tmpl.Parameters[searchParam]; ok {
		if err := sys.startSearch(ctx, &opts, out); err != nil {
			return nil, err
		}
	}
	if _, ok := tmpl.Parameters[stripeParam]; ok {
		if err := sys.startStripe(ctx, &opts, out); err != nil {
			return nil, err
		}
	}
	if sys.Stack, err = tmpl.NewStack(opts.StackName, opts.Params); err != nil {
		return nil, err
	}
	if opts.Endpoints != nil {
		sys.Endpoints = *opts.Endpoints
	} else {
		ep, stop, err := moto.StartEndpoints(ctx, endpoints.Endpoints{Main: opts.MotoAddr, SQS: opts.MotoSQSAddr, DynamoDB: opts.MotoDynamoDBAddr}, out)
		if err != nil {
			return nil, err
		}
		sys.Endpoints = ep
		sys.stops = append(sys.stops, stop)
	}
	cfg, err := sys.Endpoints.Config(ctx)
	if err != nil {
		return nil, err
	}
	if err := provision.Stack(ctx, provision.NewClients(cfg), sys.Stack, out); err != nil {
		return nil, err
	}
	if pool, ok := sys.Stack.Physical("UserPool"); ok {
		client, _ := sys.Stack.Physical("UserPoolClient")
		sys.Identity = identity.Pool{Cognito: cip.NewFromConfig(cfg), PoolID: pool.Ref, ClientID: client.Ref}
	}

	all, err := sys.Stack.Functions()
	if err != nil {
		return nil, err
	}
	if sys.Functions, err = pick(all, opts.Functions); err != nil {
		return nil, err
	}
	buildDir := opts.BuildDir
	if buildDir == "" {
		if buildDir, err = workspace.Local("build"); err != nil {
			return nil, err
		}
	}
	built, err := buildLocked(ctx, root, buildDir, sys.Functions, out)
	if err != nil {
		sys.BuildErr = err
		fmt.Fprintf(out, "local: %v\n", err)
	}
	sys.Pools = runtime.NewPools(sys.Functions, runtime.Options{BuildDir: buildDir, Env: sys.Endpoints.Env(),
		MaxInstances: opts.MaxInstances, Output: out, OnReport: opts.OnReport})
	sys.stops = append(sys.stops, sys.Pools.Close)
	invokers := map[string]gateway.Invoker{}
	for _, fn := range sys.Functions {
		invokers[fn.LogicalID] = sys.Pools[fn.LogicalID]
	}
	for _, fn := range sys.Functions {
		if !contains(built, fn.LogicalID) {
			invokers[fn.LogicalID] = unbuilt{fn.LogicalID}
		}
	}

	if opts.APIAddr != "" {
		gw, err := gateway.FromTemplate(sys.Stack, sys.Functions, invokers, sys.Endpoints.Main, out)
		if err != nil {
			return nil, err
		}
		ln, err := net.Listen("tcp", opts.APIAddr)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		srv := &http.Server{Handler: sys.withSite(root, gw), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		sys.BaseURL = "http://" + ln.Addr().String()
		sys.stops = append(sys.stops, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		})
	}
	if opts.Sources {
		if err := sys.startSources(cfg, invokers, out); err != nil {
			return nil, err
		}
	}
	return sys, nil
}

func pick(all []template.Function, ids []string) ([]template.Function, error) {
	if ids == nil {
		return all, nil
	}
	var out []template.Function
	for _, id := range ids {
		found := false
		for _, fn := range all {
			if fn.LogicalID == id {
				out = append(out, fn)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("template has no function %s", id)
		}
	}
	return out, nil
}

func contains(fns []template.Function, id string) bool {
	for _, fn := range fns {
		if fn.LogicalID == id {
			return true
		}
	}
	return false
}

// buildLocked builds under a file lock, so test binaries starting stacks at once take
// turns; after the first, go build finds the binaries up to date and leaves them be
// (never rewriting a binary another process is running).
func buildLocked(ctx context.Context, root, dir string, fns []template.Function, out io.Writer) ([]template.Function, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close() // closing releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	return runtime.Build(ctx, root, dir, fns, out)
}

// unbuilt stands in for a function that did not compile: its invocations fail, so its
// routes answer 500 while the rest of the stack works.
type unbuilt struct{ id string }

func (u unbuilt) Invoke(context.Context, []byte) (runtime.Result, error) {
	return runtime.Result{}, errors.New(u.id + " did not build; see the build output")
}

func (sys *System) startSources(cfg aws.Config, invokers map[string]gateway.Invoker, out io.Writer) error {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	sys.stops = append(sys.stops, func() { cancel(); wg.Wait() })
	sqsClient := sqs.NewFromConfig(cfg)
	for _, fn := range sys.Functions {
		for _, ev := range fn.Events {
			switch {
			case ev.SQS != nil && ev.SQS.Enabled:
				q, ok := sys.Stack.Physical(ev.SQS.QueueID)
				if !ok {
					return fmt.Errorf("%s: queue %s is not in the template", fn.LogicalID, ev.SQS.QueueID)
				}
				p := &sources.SQSPoller{Client: sqsClient, QueueURL: q.Ref, Function: fn.LogicalID, Mapping: *ev.SQS,
					Invoker: invokers[fn.LogicalID], Log: out}
				pollers := 2
				if c := ev.SQS.MaximumConcurrency; c > 0 && c < pollers {
					pollers = c
				}
				wg.Add(1)
				go func() { defer wg.Done(); p.Run(ctx, pollers) }()
				fmt.Fprintf(out, "local: %s polls %s\n", fn.LogicalID, ev.SQS.QueueID)
			case ev.Stream != nil && ev.Stream.Enabled:
				src, err := sys.streamSource(fn.LogicalID, *ev.Stream, invokers[fn.LogicalID], cfg, out)
				if err != nil {
					return err
				}
				wg.Add(1)
				go func() { defer wg.Done(); src.Run(ctx) }()
				fmt.Fprintf(out, "local: %s reads the stream of %s\n", fn.LogicalID, ev.Stream.TableID)
			case ev.Schedule != nil && ev.Schedule.Enabled:
				s := &sources.Schedule{Function: fn.LogicalID, Rule: *ev.Schedule, Invoker: invokers[fn.LogicalID], Log: out}
				if _, err := sources.ParseExpression(ev.Schedule.Expression); err != nil {
					return fmt.Errorf("%s.%s: %w", fn.LogicalID, ev.Name, err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := s.Run(ctx); err != nil {
						fmt.Fprintf(out, "local: schedule %s: %v\n", s.Rule.RuleName, err)
					}
				}()
				fmt.Fprintf(out, "local: %s runs on %s\n", fn.LogicalID, ev.Schedule.Expression)
			}
		}
	}
	for _, id := range sys.Stack.Template.IDs(template.TypePipe) {
		pipe, err := sys.pipe(id, cfg, sqsClient, out)
		if err != nil {
			return err
		}
		if pipe == nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); pipe.Run(ctx) }()
		fmt.Fprintf(out, "local: pipe %s runs\n", id)
	}
	buses, err := sys.buses(ctx, cfg, sqsClient)
	if err != nil {
		return err
	}
	for _, b := range buses {
		b.Log = out
		wg.Add(1)
		go func() { defer wg.Done(); b.Run(ctx) }()
		for _, r := range b.Rules {
			fmt.Fprintf(out, "local: rule %s on %s runs\n", r.Name, b.Name)
		}
	}
	return nil
}

// buses builds, for every bus with enabled event-pattern rules, its tap and the rules'
// targets. Only SQS targets of the template are emulated, without input transformation.
func (sys *System) buses(ctx context.Context, cfg aws.Config, sqsClient *sqs.Client) ([]*sources.Bus, error) {
	byName := map[string]*sources.Bus{}
	var out []*sources.Bus
	for _, id := range sys.Stack.Template.IDs(template.TypeRule) {
		def, err := sys.Stack.Rule(id)
		if err != nil {
			return nil, err
		}
		if def.State == "DISABLED" {
			continue
		}
		if len(def.EventPattern) == 0 || def.ScheduleExpression != "" {
			return nil, fmt.Errorf("rule %s: only event-pattern rules are emulated (schedules are function events)", id)
		}
		pat, err := sources.ParsePattern(string(def.EventPattern))
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", id, err)
		}
		rule := sources.BusRule{Name: def.Name, Arn: template.ARN("events", "rule/"+def.EventBusName+"/"+def.Name), Pattern: pat}
		for _, t := range def.Targets {
			q, ok := sys.Stack.Physical(t.TargetID)
			if !ok || q.Attrs["Arn"] != t.Arn || sys.Stack.Template.Resources[t.TargetID].Type != template.TypeQueue {
				return nil, fmt.Errorf("rule %s target %s: only queues of the template are emulated as targets", id, t.ID)
			}
			if t.Input != "" || t.InputPath != "" || len(t.InputTransformer) > 0 {
				return nil, fmt.Errorf("rule %s target %s: Input, InputPath and InputTransformer are not emulated", id, t.ID)
			}
			qt := sources.QueueTarget{ID: t.ID, Arn: t.Arn, SQS: sqsClient, URL: q.Ref, Attempts: 186, MaxAge: 24 * time.Hour}
			if t.SqsParameters != nil {
				qt.MessageGroupID = t.SqsParameters.MessageGroupID
			}
			if rp := t.RetryPolicy; rp != nil {
				if rp.MaximumRetryAttempts != nil {
					qt.Attempts = int(*rp.MaximumRetryAttempts) + 1
				}
				if rp.MaximumEventAgeInSeconds != nil {
					qt.MaxAge = time.Duration(*rp.MaximumEventAgeInSeconds) * time.Second
				}
			}
			if t.DeadLetterConfig != nil {
				dlq, ok := sys.Stack.Physical(t.DeadLetterID)
				if !ok || dlq.Attrs["Arn"] != t.DeadLetterConfig.Arn {
					return nil, fmt.Errorf("rule %s target %s: the dead-letter queue must be a queue of the template", id, t.ID)
				}
				qt.DeadLetterURL = dlq.Ref
			}
			rule.Targets = append(rule.Targets, qt)
		}
		b := byName[def.EventBusName]
		if b == nil {
			tapSQS := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(sys.Endpoints.Main) })
			url, err := sources.Tap(ctx, eventbridge.NewFromConfig(cfg), tapSQS, def.EventBusName)
			if err != nil {
				return nil, err
			}
			b = &sources.Bus{Name: def.EventBusName, TapSQS: tapSQS, TapURL: url}
			byName[def.EventBusName] = b
			out = append(out, b)
		}
		b.Rules = append(b.Rules, rule)
	}
	return out, nil
}

// pipe builds a stream-to-queue pipe, or nil when the pipe is stopped.
func (sys *System) pipe(id string, cfg aws.Config, sqsClient *sqs.Client, out io.Writer) (*sources.Pipe, error) {
	def, err := sys.Stack.Pipe(id)
	if err != nil {
		return nil, err
	}
	if def.DesiredState == "STOPPED" {
		return nil, nil
	}
	src, _ := sys.Stack.Physical(def.SourceID)
	dst, _ := sys.Stack.Physical(def.TargetID)
	if src.Attrs["StreamArn"] != def.Source || dst.Attrs["Arn"] != def.Target {
		return nil, fmt.Errorf("pipe %s: only a DynamoDB stream of the template to one of its queues is emulated", id)
	}
	p := &sources.Pipe{Name: id, SQS: sqsClient, QueueURL: dst.Ref, Log: out,
		Reader: &sources.StreamReader{Client: dynamodbstreams.NewFromConfig(cfg), StreamArn: def.Source, Log: out}}
	if sp := def.SourceParameters.DynamoDBStreamParameters; sp != nil {
		p.Reader.StartingPosition = sp.StartingPosition
		if sp.BatchSize != nil {
			p.Reader.BatchSize = int(*sp.BatchSize)
		}
	}
	if tp := def.TargetParameters.SqsQueueParameters; tp != nil {
		p.MessageGroupID = tp.MessageGroupID
	}
	if def.TargetParameters.InputTemplate != "" {
		return nil, fmt.Errorf("pipe %s: InputTemplate is not emulated", id)
	}
	for _, f := range def.Filters() {
		pat, err := sources.ParsePattern(f)
		if err != nil {
			return nil, fmt.Errorf("pipe %s: %w", id, err)
		}
		p.Filters = append(p.Filters, pat)
	}
	return p, nil
}

// streamSource builds a DynamoDB stream event source mapping of a function.
func (sys *System) streamSource(fn string, m template.StreamEvent, inv gateway.Invoker, cfg aws.Config, out io.Writer) (*sources.StreamSource, error) {
	table, ok := sys.Stack.Physical(m.TableID)
	if !ok || table.Attrs["StreamArn"] != m.StreamArn {
		return nil, fmt.Errorf("%s: only the stream of a table in the template is emulated", fn)
	}
	src := &sources.StreamSource{Function: fn, Invoker: inv, ReportBatchItemFailures: m.ReportBatchItemFailures,
		Reader: &sources.StreamReader{Client: dynamodbstreams.NewFromConfig(cfg), StreamArn: m.StreamArn,
			StartingPosition: m.StartingPosition, BatchSize: m.BatchSize, Log: out}}
	for _, f := range m.Filters {
		pat, err := sources.ParsePattern(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		src.Filters = append(src.Filters, pat)
	}
	return src, nil
}

// Token returns a bearer (access) token for a local user, creating the user if needed.
func (sys *System) Token(ctx context.Context, user string, admin bool) (string, error) {
	if sys.Identity.PoolID == "" {
		return "", errors.New("the template has no UserPool")
	}
	t, err := sys.Identity.Token(ctx, user, admin)
	return t.Access, err
}

// Close stops everything Start started, newest first.
func (sys *System) Close() {
	sys.once.Do(func() {
		for i := len(sys.stops) - 1; i >= 0; i-- {
			sys.stops[i]()
		}
	})
}
