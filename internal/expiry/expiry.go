// Package expiry releases holds whose time is up: the sweep the scheduled Lambda runs
// (every due hold, oldest first per shard of the expiry index, in bounded batches, one
// transaction per hold) and the on-the-spot release of one event's lapsed holds when a
// buyer finds it sold out. It never touches AWS: the index and the holds are interfaces.
package expiry

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
	"github.com/bookmyevent/bookmyevent/internal/notify"
)

// Index finds holds by expiry (the sparse gsi3).
type Index interface {
	ExpiryShards() int
	// DueHolds returns up to limit ids of shard's holds due at now, oldest first, after
	// cursor, and the next cursor ("" at the end).
	DueHolds(ctx context.Context, shard int, now time.Time, cursor string, limit int) ([]string, string, error)
	// LapsedHolds returns ids of an event's holds due at now, reading a bounded amount.
	LapsedHolds(ctx context.Context, eventID string, now time.Time, perShard int) ([]string, error)
	// StrandedOfferings returns events whose seats have waited in offering since before.
	StrandedOfferings(ctx context.Context, before time.Time, limit int) ([]string, error)
}

// Holds reads and releases bookings (the part of booking.Store expiry uses).
type Holds interface {
	GetBooking(ctx context.Context, id string) (*booking.Booking, error)
	Release(ctx context.Context, b *booking.Booking, to booking.Status, refund *booking.Refund, now time.Time) (booking.Released, error)
}

// Nudger wakes the waitlist worker for an event.
type Nudger interface {
	Nudge(ctx context.Context, eventID string) error
}

// Config bounds a sweep.
type Config struct {
	Batch   int // holds read per query (default 100)
	Workers int // holds expired at once per shard (default 4)
	// StrandedAfter is how long seats may sit in offering before a sweep nudges the
	// worker again (default 1m: longer than the worker normally takes).
	StrandedAfter time.Duration
}

func (c Config) defaults() Config {
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.StrandedAfter <= 0 {
		c.StrandedAfter = time.Minute
	}
	return c
}

// Sweeper expires holds.
type Sweeper struct {
	index  Index
	holds  Holds
	nudger Nudger // may be nil
	events notify.Publisher
	cfg    Config
}

// New returns a Sweeper. nudger and events may be nil.
func New(index Index, holds Holds, nudger Nudger, events notify.Publisher, cfg Config) *Sweeper {
	return &Sweeper{index: index, holds: holds, nudger: nudger, events: events, cfg: cfg.defaults()}
}

// Result counts one sweep's work.
type Result struct {
	Expired int `json:"expired"` // holds this sweep expired
	Seats   int `json:"seats"`   // seats they returned
	Skipped int `json:"skipped"` // due entries not expired: a confirm running, already gone, or expired by another sweeper
	Nudged  int `json:"nudged"`  // events whose stranded offering seats were nudged again
}

func (r *Result) add(o Result) {
	r.Expired += o.Expired
	r.Seats += o.Seats
	r.Skipped += o.Skipped
	r.Nudged += o.Nudged
}

// Due reports whether a hold may be expired at now: held, past its expiry, and not
// being confirmed (a running confirm either wins or settles; a later sweep decides).
func Due(b *booking.Booking, now time.Time) bool {
	return b.Status == booking.Held && !now.Before(b.ExpiresAt) &&
		(b.ConfirmClaim == "" || !now.Before(b.ConfirmClaimUntil))
}

// Sweep expires every hold due at now, the shards in parallel, each oldest first in
// batches, until the index has no more due holds or ctx ends. Two sweeps at once are
// safe: each expiry is conditioned on the hold's version, so one of them skips it.
func (s *Sweeper) Sweep(ctx context.Context, now time.Time) (Result, error) {
	var (
		mu       sync.Mutex
		total    Result
		firstErr error
		wg       sync.WaitGroup
	)
	for shard := range s.index.ExpiryShards() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.sweepShard(ctx, shard, now)
			mu.Lock()
			defer mu.Unlock()
			total.add(r)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	total.Nudged = s.nudgeStranded(ctx, now)
	return total, firstErr
}

func (s *Sweeper) sweepShard(ctx context.Context, shard int, now time.Time) (Result, error) {
	var total Result
	cursor := ""
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		ids, next, err := s.index.DueHolds(ctx, shard, now, cursor, s.cfg.Batch)
		if err != nil {
			return total, err
		}
		r, err := s.expireAll(ctx, ids, now)
		total.add(r)
		if err != nil {
			return total, err
		}
		if next == "" {
			return total, nil
		}
		cursor = next
	}
}

// expireAll expires ids with up to Workers transactions at once.
func (s *Sweeper) expireAll(ctx context.Context, ids []string, now time.Time) (Result, error) {
	var (
		mu       sync.Mutex
		total    Result
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan string)
	for range min(s.cfg.Workers, max(len(ids), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				seats, err := s.expire(ctx, id, now)
				mu.Lock()
				switch {
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
				case seats > 0:
					total.Expired++
					total.Seats += seats
				default:
					total.Skipped++
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	return total, firstErr
}

// expire releases one hold when it is due, returning its seats (0 when skipped).
func (s *Sweeper) expire(ctx context.Context, id string, now time.Time) (int, error) {
	b, err := s.holds.GetBooking(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !Due(b, now) {
		return 0, nil
	}
	rel, err := s.holds.Release(ctx, b, booking.Expired, nil, now)
	if err != nil {
		if errors.Is(err, booking.ErrChanged) {
			return 0, nil // confirmed, cancelled or expired by someone else meanwhile
		}
		return 0, err
	}
	if rel.ToWaitlist && s.nudger != nil {
		// Best effort: nudgeStranded wakes the worker again for seats left in offering.
		if err := s.nudger.Nudge(context.WithoutCancel(ctx), b.EventID); err != nil {
			slog.WarnContext(ctx, "waitlist nudge lost", "event_id", b.EventID, "error", err)
		}
	}
	detail := map[string]any{"event_id": b.EventID, "booking_id": b.ID, "user_id": b.UserID, "quantity": b.Quantity,
		"expires_at": b.ExpiresAt.UTC().Format(time.RFC3339)}
	if b.WaitlistEntry != "" {
		detail["source"], detail["entry_id"] = b.Source, b.WaitlistEntry
	}
	notify.Send(ctx, s.events, notify.Event{Type: notify.BookingExpired, At: now, Detail: detail})
	return b.Quantity, nil
}

// lapsedPerShard bounds what a sold-out reservation reads of each expiry shard.
const lapsedPerShard = 25

// ReleaseLapsed expires eventID's holds that are already due, for a reservation that
// found the event sold out (onsale), and returns the seats released.
func (s *Sweeper) ReleaseLapsed(ctx context.Context, eventID string, now time.Time) (int, error) {
	ids, err := s.index.LapsedHolds(ctx, eventID, now, lapsedPerShard)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	r, err := s.expireAll(ctx, ids, now)
	if r.Expired > 0 {
		metrics.Default().Count("HoldsExpired", float64(r.Expired))
	}
	return r.Seats, err
}

// strandedBatch bounds the events one sweep nudges again.
const strandedBatch = 100

// nudgeStranded wakes the worker again for events whose seats sat in offering for
// longer than the worker needs: the message after a release may have been lost.
func (s *Sweeper) nudgeStranded(ctx context.Context, now time.Time) int {
	if s.nudger == nil {
		return 0
	}
	ids, err := s.index.StrandedOfferings(ctx, now.Add(-s.cfg.StrandedAfter), strandedBatch)
	if err != nil {
		slog.WarnContext(ctx, "stranded offerings not read", "error", err)
		return 0
	}
	n := 0
	for _, id := range ids {
		if err := s.nudger.Nudge(ctx, id); err != nil {
			slog.WarnContext(ctx, "stranded offering not nudged", "event_id", id, "error", err)
			continue
		}
		n++
	}
	return n
}

// Schedule runs sweeps at offsets from one invocation's start. EventBridge schedules fire
// at most once a minute; sweeping at 0 s and 30 s of each invocation gives holds a sweep
// every 30 seconds.
type Schedule struct {
	Offsets []time.Duration
}

// EveryHalfMinute is the production schedule for a rate(1 minute) trigger.
var EveryHalfMinute = Schedule{Offsets: []time.Duration{0, 30 * time.Second}}

// Run sweeps at each offset after start, waiting between them, and returns each sweep's
// result. clock gives the time each sweep uses as now.
func (s *Sweeper) Run(ctx context.Context, sch Schedule, start time.Time, clock func() time.Time) ([]Result, error) {
	var out []Result
	for _, off := range sch.Offsets {
		if wait := time.Until(start.Add(off)); wait > 0 {
			select {
			case <-ctx.Done():
				return out, ctx.Err()
			case <-time.After(wait):
			}
		}
		r, err := s.Sweep(ctx, clock())
		out = append(out, r)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
