package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/bookmyevent/bookmyevent/internal/localstack/endpoints"
	"github.com/bookmyevent/bookmyevent/internal/localstack/system"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// invokeCmd runs one function once with an event file, like `sam local invoke`: the
// services of a running `make run` (or of local exec, or new ones), provisioning, the
// function's real bootstrap behind the Runtime API; prints the response and the REPORT
// line.
func invokeCmd(args []string) error {
	fs, p := newFlags("invoke")
	_ = fs.Parse(args)
	if fs.NArg() != 2 {
		return errors.New("usage: local invoke [--param Name=Value] <LogicalId> <event.json>")
	}
	id, file := fs.Arg(0), fs.Arg(1)
	event, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if !json.Valid(event) {
		return fmt.Errorf("%s is not valid JSON", file)
	}
	ctx := context.Background()
	opts := system.Options{Params: p, Functions: []string{id}, Output: os.Stderr}
	if ep, ok, err := endpoints.FromEnv(); err != nil {
		return err
	} else if ok {
		opts.Endpoints = &ep
	} else if st, running := runningStack(); running {
		opts = st.Attach(opts)
		fmt.Fprintf(os.Stderr, "local: invoking against the running stack %s (pid %d)\n", st.StackName, st.PID)
	}
	sys, err := system.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer sys.Close()
	if sys.BuildErr != nil {
		return sys.BuildErr
	}
	res, err := sys.Pools[id].Invoke(ctx, event)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, res.Payload, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(res.Payload)
	}
	fmt.Println(pretty.String())
	if res.FunctionError != "" {
		return fmt.Errorf("%s failed (%s)", id, res.Report.Status)
	}
	return nil
}

// runningStack reads the state file of a `local run` that is still running.
func runningStack() (system.State, bool) {
	path, err := workspace.Local("state.json")
	if err != nil {
		return system.State{}, false
	}
	st, err := system.ReadState(path)
	return st, err == nil && st.Alive()
}
