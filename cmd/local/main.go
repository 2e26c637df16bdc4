// Command local runs BookMyEvent on this machine from template.yaml: moto for DynamoDB,
// SQS, Cognito and EventBridge, the real function binaries behind a Lambda Runtime API,
// an HTTP API gateway with the JWT authorizer, SQS pollers and schedules.
//
//	local run    [--addr 127.0.0.1:3000] [--param Name=Value ...]   the whole stack, until Ctrl-C
//	local exec   -- command args...                                    backing services only, around one command (make test)
//	local invoke [--param Name=Value ...] <LogicalId> <event.json>   one invocation, like sam local invoke
//
// run writes .local/state.json (endpoints, physical ids) for bme and other tools, and
// removes it on exit; every child process dies with it.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	args := os.Args[2:]
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(args)
	case "exec":
		err = execCmd(args)
	case "invoke":
		err = invokeCmd(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  local run    [--addr 127.0.0.1:3000] [--moto-addr 127.0.0.1:4566] [--moto-sqs-addr 127.0.0.1:4567] [--moto-dynamodb-addr 127.0.0.1:4568]
               [--instances 8] [--param Name=Value ...]
  local exec   -- command [args...]
  local invoke [--param Name=Value ...] <LogicalId> <event.json>`)
	os.Exit(2)
}

// params collects repeated --param Name=Value flags (sam's --parameter-overrides).
type params map[string]string

func (p params) String() string { return fmt.Sprint(map[string]string(p)) }

func (p params) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want Name=Value, got %q", v)
	}
	p[k] = val
	return nil
}

func newFlags(name string) (*flag.FlagSet, params) {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	p := params{}
	fs.Var(p, "param", "template parameter override Name=Value (repeatable)")
	return fs, p
}
