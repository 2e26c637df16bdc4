// Package scheduled runs the hold expiry sweep as the scheduled Lambda: the EventBridge
// adapter of expiry, kept apart so the expiry rules import no Lambda or HTTP types.
package scheduled

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/expiry"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
)

// stopMargin is kept free before the function's timeout to answer.
const stopMargin = 2 * time.Second

// Handler is the scheduled sweeper: each EventBridge invocation (rate(1 minute)) sweeps
// at every offset of sch after the schedule's own time, so with expiry.EveryHalfMinute holds are
// swept every 30 seconds although schedules fire at most once a minute. Sweeps at once are
// safe (see expiry.Sweeper.Sweep), so an invocation overlapping the next one costs only reads.
func Handler(s *expiry.Sweeper, sch expiry.Schedule, clock func() time.Time) func(context.Context, events.EventBridgeEvent) ([]expiry.Result, error) {
	return func(ctx context.Context, ev events.EventBridgeEvent) ([]expiry.Result, error) {
		start := ev.Time
		if start.IsZero() || clock().Sub(start) > time.Minute {
			start = clock() // a late or hand-made invocation sweeps from now
		}
		// Stop a little before the function's timeout: a backlog too big for one
		// invocation is a partial sweep the next one continues, not a failure to retry.
		run := ctx
		if d, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			run, cancel = context.WithDeadline(ctx, d.Add(-stopMargin))
			defer cancel()
		}
		rs, err := s.Run(run, sch, start, clock)
		for i, r := range rs {
			metrics.Default().Count("HoldsExpired", float64(r.Expired))
			slog.InfoContext(ctx, "sweep", "n", i+1, "expired", r.Expired, "seats", r.Seats, "skipped", r.Skipped, "nudged", r.Nudged)
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			slog.WarnContext(ctx, "sweep cut short by the function's timeout; the next invocation goes on")
			return rs, nil
		}
		return rs, err
	}
}
