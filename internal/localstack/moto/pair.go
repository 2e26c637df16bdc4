package moto

import (
	"context"
	"io"

	"github.com/bookmyevent/bookmyevent/internal/localstack/endpoints"
)

// StartEndpoints installs moto if needed and starts the two servers the local stack uses
// (one for SQS, one for every other service) in parallel. Empty addresses pick free
// ports. stop ends both.
func StartEndpoints(ctx context.Context, mainAddr, sqsAddr string, log io.Writer) (ep endpoints.Endpoints, stop func(), err error) {
	if log == nil {
		log = io.Discard
	}
	// Install before starting two servers, so they do not both wait on the install lock.
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
	mc, qc := start(mainAddr), start(sqsAddr)
	m, q := <-mc, <-qc
	stop = func() {
		for _, r := range []result{m, q} {
			if r.s != nil {
				r.s.Stop()
			}
		}
	}
	switch {
	case m.err != nil:
		stop()
		return endpoints.Endpoints{}, nil, m.err
	case q.err != nil:
		stop()
		return endpoints.Endpoints{}, nil, q.err
	}
	return endpoints.Endpoints{Main: m.s.URL, SQS: q.s.URL}, stop, nil
}
