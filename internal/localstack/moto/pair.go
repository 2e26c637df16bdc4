package moto

import (
	"context"
	"io"

	"github.com/bookmyevent/bookmyevent/internal/localstack/endpoints"
)

// StartEndpoints installs moto if needed and starts the three servers the local stack
// uses (SQS, DynamoDB and its streams, every other service) in parallel, on the addresses
// addrs names; an empty one picks a free port. stop ends them all.
func StartEndpoints(ctx context.Context, addrs endpoints.Endpoints, log io.Writer) (ep endpoints.Endpoints, stop func(), err error) {
	if log == nil {
		log = io.Discard
	}
	// Install before starting the servers, so they do not all wait on the install lock.
	if _, err := EnsureVenv(ctx, log); err != nil {
		return endpoints.Endpoints{}, nil, err
	}
	type result struct {
		s   *Server
		err error
	}
	start := func(addr string) chan result {
		ch := make(chan result, 1)
		go func() {
			s, err := Start(ctx, Options{Addr: addr, Log: log})
			ch <- result{s, err}
		}()
		return ch
	}
	mc, qc, dc := start(addrs.Main), start(addrs.SQS), start(addrs.DynamoDB)
	started := []result{<-mc, <-qc, <-dc}
	stop = func() {
		for _, r := range started {
			if r.s != nil {
				r.s.Stop()
			}
		}
	}
	for _, r := range started {
		if r.err != nil {
			stop()
			return endpoints.Endpoints{}, nil, r.err
		}
	}
	return endpoints.Endpoints{Main: started[0].s.URL, SQS: started[1].s.URL, DynamoDB: started[2].s.URL}, stop, nil
}
