package dynamo_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/dynamo/dynamotest"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// TestStragglerIsMovedAndAdmitted: an entry written straight into the sealed pre-queue
// (a join whose put landed after the seal) is on no page; the admitter's recount, a
// minute after the seal, moves it to the open slot, the next seal numbers it behind the
// whole line, and it is admitted. QueueStragglers counts it, AdmitterStepAge is emitted
// every step, and a recount of the same slots, with no straggler left, writes nothing.
func TestStragglerIsMovedAndAdmitted(t *testing.T) {
	f := newFixture(t)
	q, e, start, onSale := f.lineUp(25)
	// Draw 0 would put it first in the pre-queue had it been sealed with it.
	late := waitroom.Entry{UserID: "late", Slot: waitroom.PreQueue, Draw: 0}
	clock := &fakeClock{now: start}
	var (
		mu      sync.Mutex
		metrics = map[string][]float64{}
		joined  bool
	)
	a := &waitroom.Admitter{Store: q, Owner: "a", Now: clock.Now,
		Record: func(_ context.Context, name, eventID string, v float64) {
			mu.Lock()
			defer mu.Unlock()
			if eventID == e.ID {
				metrics[name] = append(metrics[name], v)
			}
		},
		Sleep: func(ctx context.Context, d time.Duration) error {
			if !joined {
				s, _, err := q.Serving(ctx, e.ID)
				if err != nil {
					t.Error(err)
				}
				if s.SealedThrough >= waitroom.PreQueue {
					if _, _, err := q.Join(ctx, e.ID, late, start, start.Add(time.Hour)); err != nil {
						t.Error(err)
					}
					joined = true
				}
			}
			return clock.Sleep(ctx, d)
		}}
	if err := a.Run(f.ctx, onSale.Add(waitroom.RecountAfter+waitroom.StopBefore+30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if !joined {
		t.Fatal("the pre-queue was never sealed")
	}
	moved, err := q.Entry(f.ctx, e.ID, "late")
	if err != nil || moved == nil || moved.Slot <= onSale.Unix() || moved.Draw != 0 {
		t.Fatalf("the straggler's entry = %+v, %v; want it moved to a slot after the start, its draw kept", moved, err)
	}
	pre, err := q.Slot(f.ctx, e.ID, waitroom.PreQueue)
	if err != nil || pre == nil || pre.Count != 25 {
		t.Fatalf("pre-queue slot = %+v, %v; want the 25 sealed on time", pre, err)
	}
	slot, err := q.Slot(f.ctx, e.ID, moved.Slot)
	if err != nil || slot == nil {
		t.Fatalf("the straggler's new slot %d was not sealed: %v", moved.Slot, err)
	}
	page, err := q.Page(f.ctx, e.ID, moved.Slot, waitroom.PageFor(slot.FirstDraws, slot.FirstUsers, *moved))
	if err != nil {
		t.Fatal(err)
	}
	if pos, ok := page.PositionOf(*moved); !ok || pos != 26 {
		t.Fatalf("the straggler's place = %d (found %v), want 26: behind the line", pos, ok)
	}
	s, _, err := q.Serving(f.ctx, e.ID)
	if err != nil || s.Numbered != 26 || s.Serving != 26 {
		t.Fatalf("SERVING = %+v, %v; want 26 numbered and admitted", s, err)
	}
	if _, ok := s.Log.AdmittedAt(26); !ok {
		t.Fatal("the log has no admission of place 26")
	}
	if s.RecountFrom <= waitroom.PreQueue || s.RecountNumbered != 25 {
		t.Fatalf("recount_from = %d, recount_numbered = %d: the pre-queue was not recounted", s.RecountFrom, s.RecountNumbered)
	}
	mu.Lock()
	var stragglers float64
	for _, v := range metrics[waitroom.MetricStragglers] {
		stragglers += v
	}
	ages := metrics[waitroom.MetricStepAge]
	mu.Unlock()
	if stragglers != 1 {
		t.Fatalf("QueueStragglers = %v in all, want 1", stragglers)
	}
	if len(ages) < 60 {
		t.Fatalf("AdmitterStepAge emitted %d times over ~95 steps", len(ages))
	}

	// Counting the recounted slots again, with nothing left to move, writes nothing.
	meter := &dynamotest.Meter{}
	metered := dynamo.NewQueue(dynamo.New(dynamodb.New(f.db.Options(), dynamotest.WithMeter(meter)), f.table), 8)
	strays, err := metered.Stragglers(f.ctx, e.ID, waitroom.PreQueue, s.RecountFrom-1, s.RecountNumbered)
	if err != nil || len(strays) != 0 {
		t.Fatalf("recount again = %v, %v; want no straggler", strays, err)
	}
	if r := meter.Read(); r.Calls != 8 || r.ByOp["Query"] != 8 {
		t.Fatalf("a recount with no straggler made %v; want one COUNT query per bucket and nothing else", r.ByOp)
	}
}
