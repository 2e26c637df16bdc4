package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/bookmyevent/bookmyevent/internal/localstack/endpoints"
	"github.com/bookmyevent/bookmyevent/internal/localstack/moto"
	"github.com/bookmyevent/bookmyevent/internal/localstack/opensearch"
	"github.com/bookmyevent/bookmyevent/internal/localstack/stripemock"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// execCmd starts the backing services once, runs one command with their endpoints in its
// environment, stops them and exits with the command's code. `make test` runs go test
// this way so every test binary shares one pair of moto servers.
func execCmd(args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("exec: no command given (local exec -- go test ./...)")
	}
	ctx := context.Background()
	ep, stop, err := moto.StartEndpoints(ctx, endpoints.Endpoints{}, os.Stderr)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(os.Stderr, "local: moto at %s (SQS at %s, DynamoDB at %s)\n", ep.Main, ep.SQS, ep.DynamoDB)
	search, err := opensearch.StartLogged(ctx)
	if err != nil {
		return err
	}
	defer search.Stop()
	fmt.Fprintf(os.Stderr, "local: OpenSearch %s at %s\n", opensearch.Version, search.URL)

	stripe, err := stripemock.Start(ctx, stripemock.Options{})
	if err != nil {
		return err
	}
	defer stripe.Stop()
	fmt.Fprintf(os.Stderr, "local: stripe-mock %s at %s\n", stripemock.Version, stripe.URL)

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), ep.Env()...)
	cmd.Env = append(cmd.Env, "AWS_REGION="+template.Region, "AWS_DEFAULT_REGION="+template.Region,
		"AWS_ACCESS_KEY_ID="+endpoints.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+endpoints.SecretAccessKey,
		"AWS_SESSION_TOKEN="+endpoints.SessionToken)
	cmd.Env = append(cmd.Env, "OPENSEARCH_URL="+search.URL, stripemock.EnvURL+"="+stripe.URL)
	// The command shares our process group, so a terminal's Ctrl-C reaches it directly;
	// we only keep running long enough to stop moto after it.
	signal.Ignore(syscall.SIGINT)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	stop()
	search.Stop()
	stripe.Stop()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		os.Exit(exit.ExitCode())
	}
	return err
}
