package waitroom

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Lease bounds (docs/waiting-room.md §3): a lease outlives a missed step or two, and the
// admitter stops StopBefore its function's timeout so the next invocation takes over.
const (
	LeaseFor     = 3 * time.Second
	StopBefore   = 5 * time.Second
	LogKeepExtra = time.Minute // the log keeps the longest TTL plus this
	RelistEvery  = 15 * time.Second
	SealEvery    = 5 * time.Second
	// RebalanceEvery spaces a room's rebalancing moves: each is a transaction over the
	// shards that reservations contend with.
	RebalanceEvery = 5 * time.Second
)

// Serving is a room's SERVING item: where admission stands.
type Serving struct {
	EventID       string
	Serving       int64 // highest position admitted
	Numbered      int64 // highest position given out (sealed slots)
	SealedThrough int64 // last slot sealed; -1 before the pre-queue is sealed
	Rate          int
	Carry         float64
	Reason        Reason
	SoldOut       bool
	Log           Log
	LastStep      time.Time
	PreQueueSize  int64
	// RecountFrom is the first slot the stragglers' recount has not counted yet, and
	// RecountNumbered the positions the slots before it hold.
	RecountFrom     int64
	RecountNumbered int64
	Version         int64
}

// Room is a live waiting room as the admitter lists it, with the event's seats.
type Room struct {
	EventID  string
	Config   Config
	OnSaleAt time.Time
}

// Inventory is what a step reads of the seats: what the public can still reserve, what
// holds may give back, and a running count of seats taken (held or sold) that stands in
// for the shards' reservation counter until the shards exist.
type Inventory struct {
	Remaining int64
	Held      int64
	Taken     int64
}

// AdmitStore is what the admitter needs of the table (internal/dynamo implements it).
type AdmitStore interface {
	RecountStore
	LiveRooms(ctx context.Context, now time.Time) ([]Room, error)
	// Lease takes or renews the lease on the room's SERVING item (creating it on the
	// first call); ok is false while another owner holds it.
	Lease(ctx context.Context, eventID, owner string, now time.Time) (s Serving, ok bool, err error)
	// Seal numbers the entries of slots from..through from first on and writes their
	// pages and SLOT items; it returns how many it numbered. It writes nothing SERVING
	// depends on: a crash before Save leaves pages a rerun writes identically.
	Seal(ctx context.Context, eventID string, from, through, first int64) (int64, error)
	CountPreQueue(ctx context.Context, eventID string) (int64, error)
	Inventory(ctx context.Context, eventID string) (Inventory, error)
	// Save writes s at s.Version under the owner's lease, renewing it; it returns the
	// new version. A lost lease or a version moved by another writer is ErrLeaseLost.
	Save(ctx context.Context, s Serving, owner string, now time.Time) (int64, error)
	Release(ctx context.Context, eventID, owner string, now time.Time) error
	// Rebalance gathers the event's shard seats stranded in fragments smaller than one
	// booking into one shard; moved says it did (docs/waiting-room.md §5).
	Rebalance(ctx context.Context, eventID string) (moved bool, err error)
}

// ErrLeaseLost is a SERVING write refused because another admitter holds the room now.
var ErrLeaseLost = errors.New("waitroom: admitter lease lost")

// ClosedThrough is the last slot that can be sealed at now: -1 before the sale start
// (the pre-queue closes SealDelay before it and is sealed at it), then the second that
// closed SealDelay ago.
func ClosedThrough(now, onSaleAt time.Time) int64 {
	if now.Before(onSaleAt) {
		return -1
	}
	return max(now.Unix()-1-int64(SealDelay/time.Second), PreQueue)
}

// Admitter advances every live room by one-second steps for the length of one
// invocation (EventBridge fires at most once a minute; invocations overlap, and the
// lease makes one of them the writer).
type Admitter struct {
	Store AdmitStore
	Owner string // this invocation: its lease owner id
	Now   func() time.Time
	// Sleep waits d (tests advance a fake clock instead).
	Sleep func(ctx context.Context, d time.Duration) error
	// Throttled reports whether the reservation path was throttled lately (nil: never).
	Throttled func(ctx context.Context, eventID string) bool
	// Record emits a room's metric (MetricStepAge, MetricStragglers; nil: none).
	Record func(ctx context.Context, name, eventID string, value float64)
}

// NewAdmitter is an admitter on the real clock.
func NewAdmitter(store AdmitStore, owner string) *Admitter {
	return &Admitter{Store: store, Owner: owner, Now: time.Now, Sleep: sleep}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type roomRun struct {
	room    Room
	st      Serving
	held    bool
	count   time.Time // last pre-queue count
	sealed  time.Time // last seal
	sealing chan sealResult
	// dry: the last seal found nobody, so joins are not arriving faster than SealEvery
	// finds them.
	dry bool

	marks      []sealMark // seals committed under this lease, not yet recounted
	recounted  time.Time  // last recount started
	recounting chan recountResult
	// rebalanced is the last rebalancing of the room's shards.
	rebalanced time.Time
}

type sealResult struct {
	from, through, first, n int64
	err                     error
}

// seal starts sealing slots after st's through closed; the step that finds it done
// commits it, unless the state moved meanwhile (a lost and retaken lease).
func (r *roomRun) seal(ctx context.Context, store AdmitStore, st Serving, closed int64) {
	ch := make(chan sealResult, 1)
	r.sealing = ch
	res := sealResult{from: st.SealedThrough + 1, through: closed, first: st.Numbered + 1}
	eventID := r.room.EventID
	go func() {
		res.n, res.err = store.Seal(ctx, eventID, res.from, res.through, res.first)
		ch <- res
	}()
}

// sealDue says whether this step seals: the pre-queue at once, then whenever admission
// is within two seconds' worth of the numbered end of the line (admission never waits
// for a seal), and at least every SealEvery so later joiners learn their place. Each
// seal costs a query per bucket however few joined, so an admitter far ahead of the
// line does not pay it every second, nor does one that has served the whole line while
// nobody joins: after a seal that found nobody, the next waits SealEvery.
func (r *roomRun) sealDue(st Serving, cfg Config, now time.Time) bool {
	near := !r.dry && st.Numbered-st.Serving < 2*int64(max(cfg.AdmissionPerSecond, 1))
	due := st.SealedThrough < PreQueue || near || now.Sub(r.sealed) >= SealEvery
	if due {
		r.sealed = now
	}
	return due
}

// Run steps every live room once a second until deadline - StopBefore, then releases
// its leases. Errors of one room are logged and retried at the next step; only the
// context's end stops the loop early.
func (a *Admitter) Run(ctx context.Context, deadline time.Time) error {
	stop := deadline.Add(-StopBefore)
	rooms, err := a.Store.LiveRooms(ctx, a.Now())
	if err != nil || len(rooms) == 0 {
		return err // no room: nothing to step until the next invocation looks again
	}
	runs := addRooms(nil, rooms)
	defer func() {
		for _, r := range runs {
			if r.held {
				// A fresh context: the lease is given back even when ctx has ended.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
				_ = a.Store.Release(rctx, r.room.EventID, a.Owner, a.Now())
				cancel()
			}
		}
	}()
	listed := a.Now()
	for {
		now := a.Now()
		if !now.Before(stop) {
			return nil
		}
		if now.Sub(listed) >= RelistEvery {
			// A room that opened since the invocation began is stepped from now on,
			// not from the next invocation.
			if more, err := a.Store.LiveRooms(ctx, now); err == nil {
				runs = addRooms(runs, more)
			}
			listed = now
		}
		for _, r := range runs {
			if err := a.step(ctx, r, now); err != nil {
				slog.WarnContext(ctx, "admitter step", "event_id", r.room.EventID, "error", err)
			}
		}
		next := now.Truncate(time.Second).Add(time.Second)
		if a.Sleep(ctx, next.Sub(a.Now())) != nil {
			return nil // the context ended: stop, releasing the leases
		}
	}
}

// addRooms adds rooms not run yet and refreshes the settings of the others.
func addRooms(runs []*roomRun, rooms []Room) []*roomRun {
	for _, r := range rooms {
		known := false
		for _, k := range runs {
			if k.room.EventID == r.EventID {
				k.room, known = r, true // an edited rate or sale start applies from here on
			}
		}
		if !known {
			runs = append(runs, &roomRun{room: r})
		}
	}
	return runs
}

func (a *Admitter) step(ctx context.Context, r *roomRun, now time.Time) error {
	if !r.held {
		st, ok, err := a.Store.Lease(ctx, r.room.EventID, a.Owner, now)
		if err != nil || !ok {
			return err
		}
		r.st, r.held, r.marks = st, true, nil
	}
	a.stepAge(ctx, r, now)
	st := r.st
	cfg := r.room.Config
	a.recount(ctx, r, &st, now)
	if closed := ClosedThrough(now, r.room.OnSaleAt); closed > st.SealedThrough && r.sealing == nil && r.sealDue(st, cfg, now) {
		r.seal(ctx, a.Store, st, closed)
	}
	if r.sealing != nil {
		// A seal runs beside the steps (256 queries need not hold up admission), but a
		// step with no numbered position left to admit waits for it.
		var res sealResult
		got := false
		if st.Numbered <= st.Serving {
			res, got = <-r.sealing, true
		} else {
			select {
			case res = <-r.sealing:
				got = true
			default:
			}
		}
		if got {
			r.sealing = nil
			switch {
			case res.err != nil:
				return res.err
			case res.from == st.SealedThrough+1 && res.first == st.Numbered+1:
				r.dry = res.n == 0
				st.Numbered += res.n
				st.SealedThrough = res.through
			}
		}
	}
	if now.Before(r.room.OnSaleAt) && now.Sub(r.count) >= 30*time.Second {
		n, err := a.Store.CountPreQueue(ctx, r.room.EventID)
		if err != nil {
			return err
		}
		st.PreQueueSize, r.count = n, now
	}
	inv, err := a.Store.Inventory(ctx, r.room.EventID)
	if err != nil {
		return err
	}
	a.rebalance(ctx, r, now, inv)
	throttled := a.Throttled != nil && a.Throttled(ctx, r.room.EventID)
	in := StepInput{
		Now: now, Last: st.LastStep, Serving: st.Serving, Numbered: st.Numbered, Rate: cfg.AdmissionPerSecond,
		Carry: st.Carry, Remaining: inv.Remaining, PerBuyer: 1,
		SoldOut: inv.Remaining == 0 && inv.Held == 0, Throttled: throttled,
		Active: st.Log.Active(now, cfg.TTL(), st.Serving, inv.Taken),
	}
	if now.Before(r.room.OnSaleAt) {
		in.Rate = 0
	}
	res := Step(in)
	st.Serving, st.Carry, st.Reason, st.SoldOut, st.Rate = res.Serving, res.Carry, res.Reason, in.SoldOut, cfg.AdmissionPerSecond
	st.LastStep = now
	if !now.Before(r.room.OnSaleAt) {
		st.Log = st.Log.Append(Mark{At: now, Serving: st.Serving, Reserved: inv.Taken}, cfg.TTL()+LogKeepExtra)
	}
	v, err := a.Store.Save(ctx, st, a.Owner, now)
	if errors.Is(err, ErrLeaseLost) {
		r.held = false
		return err
	}
	if err != nil {
		// The next step retries from the state in memory; marks are idempotent.
		return err
	}
	st.Version = v
	r.st = st
	return nil
}

// rebalance gathers the room's stranded shard seats at most every RebalanceEvery while the
// sale is on and seats are left, so the last orders of a sale find them on one shard
// instead of gathering inline. It is an optimisation: a failure waits for the next turn.
func (a *Admitter) rebalance(ctx context.Context, r *roomRun, now time.Time, inv Inventory) {
	if now.Before(r.room.OnSaleAt) || inv.Remaining == 0 || now.Sub(r.rebalanced) < RebalanceEvery {
		return
	}
	r.rebalanced = now
	if _, err := a.Store.Rebalance(ctx, r.room.EventID); err != nil {
		slog.WarnContext(ctx, "rebalancing shards failed", "event", r.room.EventID, "error", err)
	}
}
