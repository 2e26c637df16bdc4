package waitroom

import (
	"context"
	"log/slog"
	"time"
)

// Stragglers' recount (docs/waiting-room.md §2): a join whose put lands after its slot
// was sealed is on no page, so its owner would never get a position. Once a minute the
// admitter counts the slots sealed at least RecountAfter ago (a Select COUNT per bucket
// over their whole range: one query per bucket a minute, whatever the number of slots)
// and compares the count with what their seals numbered. Only a difference reads the
// entries, finds those on no page and moves them to the open slot, where the next seal
// numbers them behind everyone already in line.
const (
	RecountAfter = time.Minute // a join's put and gsi2 have long landed by then
	RecountEvery = time.Minute
)

// Metrics the admitter emits through Admitter.Record.
const (
	MetricStepAge    = "AdmitterStepAge" // seconds since the room's last successful step
	MetricStragglers = "QueueStragglers" // entries a recount found on no page and moved
)

// Straggler is an entry found in a sealed slot but on none of its pages.
type Straggler struct {
	Entry
	Version int64
}

// RecountStore is what the recount needs of the table (internal/dynamo implements it).
type RecountStore interface {
	// Stragglers counts the entries of slots from..through and, only when there are more
	// than numbered, reads them and returns those on no page of their slot.
	Stragglers(ctx context.Context, eventID string, from, through, numbered int64) ([]Straggler, error)
	// Move puts a straggler in slot to (its version unchanged since it was read).
	Move(ctx context.Context, eventID string, s Straggler, to int64) error
}

// sealMark is a committed seal: every slot up to through is numbered, positions 1 to
// numbered. Two marks give what the slots between them numbered.
type sealMark struct{ through, numbered int64 }

type recountResult struct {
	from, through, numbered int64
	moved                   int
	err                     error
}

// recount notes the state's last seal, takes up a finished recount into st (saved with
// the step) and starts the next one when a minute's slots are due. It runs beside the
// steps, as sealing does: its queries never hold admission up.
func (a *Admitter) recount(ctx context.Context, r *roomRun, st *Serving, now time.Time) {
	if st.SealedThrough >= PreQueue && (len(r.marks) == 0 || r.marks[len(r.marks)-1].through != st.SealedThrough) {
		r.marks = append(r.marks, sealMark{through: st.SealedThrough, numbered: st.Numbered})
	}
	if r.recounting != nil {
		select {
		case res := <-r.recounting:
			r.recounting = nil
			if res.err != nil {
				slog.WarnContext(ctx, "admitter recount", "event_id", r.room.EventID, "error", res.err)
				return // the same range is counted again at the next minute
			}
			a.record(ctx, MetricStragglers, r.room.EventID, float64(res.moved))
			if res.moved > 0 {
				slog.InfoContext(ctx, "admitter moved stragglers", "event_id", r.room.EventID, "moved", res.moved,
					"from_slot", res.from, "through_slot", res.through)
			}
			if res.from == st.RecountFrom {
				st.RecountFrom, st.RecountNumbered = res.through+1, res.numbered
			}
		default:
		}
		return
	}
	if now.Sub(r.recounted) < RecountEvery {
		return
	}
	due := recountDue(r.marks, st.RecountFrom, now)
	if due < 0 {
		return
	}
	m := r.marks[due]
	r.marks = r.marks[due:]
	r.recounted = now
	ch := make(chan recountResult, 1)
	r.recounting = ch
	res := recountResult{from: st.RecountFrom, through: m.through, numbered: m.numbered}
	want := m.numbered - st.RecountNumbered
	eventID := r.room.EventID
	go func() {
		var strays []Straggler
		strays, res.err = a.Store.Stragglers(ctx, eventID, res.from, res.through, want)
		for _, s := range strays {
			if res.err != nil {
				break
			}
			// The slot open now: a seal running or started from here on covers only
			// slots that closed before it.
			res.err = a.Store.Move(ctx, eventID, s, a.Now().Unix())
			if res.err == nil {
				res.moved++
			}
		}
		ch <- res
	}()
}

// recountDue is the latest of marks whose slots closed at least RecountAfter before now
// and that reaches slots not counted yet (from on): the recount counts up to it in one
// range. -1 when there is none.
func recountDue(marks []sealMark, from int64, now time.Time) int {
	due := -1
	for i, m := range marks {
		if m.through >= from && m.through <= now.Add(-RecountAfter).Unix() {
			due = i
		}
	}
	return due
}

// stepAge emits how long ago the room's last successful step was, once it has been
// stepped since its room opened: an admitter that died shows as a growing age at the
// next invocation's first step.
func (a *Admitter) stepAge(ctx context.Context, r *roomRun, now time.Time) {
	last := r.st.LastStep
	if last.IsZero() || last.Before(r.room.Config.OpensAt) {
		return
	}
	a.record(ctx, MetricStepAge, r.room.EventID, now.Sub(last).Seconds())
}

func (a *Admitter) record(ctx context.Context, name, eventID string, v float64) {
	if a.Record != nil {
		a.Record(ctx, name, eventID, v)
	}
}
