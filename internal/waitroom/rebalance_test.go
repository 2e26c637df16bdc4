package waitroom

import (
	"context"
	"testing"
	"time"
)

// stepStore is the part of AdmitStore a step uses, in memory; it counts rebalancing calls.
type stepStore struct {
	AdmitStore // the rest: a step never calls it
	inv        Inventory
	rebalances int
}

func (s *stepStore) Lease(context.Context, string, string, time.Time) (Serving, bool, error) {
	return Serving{SealedThrough: 1 << 40}, true, nil
}
func (s *stepStore) Seal(context.Context, string, int64, int64, int64) (int64, error) { return 0, nil }
func (s *stepStore) CountPreQueue(context.Context, string) (int64, error)             { return 0, nil }
func (s *stepStore) Inventory(context.Context, string) (Inventory, error)             { return s.inv, nil }
func (s *stepStore) Save(_ context.Context, st Serving, _ string, _ time.Time) (int64, error) {
	return st.Version + 1, nil
}
func (s *stepStore) Rebalance(context.Context, string) (bool, error) {
	s.rebalances++
	return true, nil
}

// The admitter rebalances a room's shards once every RebalanceEvery while the sale is on
// and seats are left; never before the sale or once nothing is left.
func TestStepRebalances(t *testing.T) {
	onSale := time.Unix(1_800_000_000, 0)
	for _, tt := range []struct {
		name      string
		from      time.Time
		remaining int64
		want      int
	}{
		{"on sale: every 5 s of 12 steps", onSale, 50, 3},
		{"before the sale", onSale.Add(-time.Minute), 50, 0},
		{"sold out", onSale, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := &stepStore{inv: Inventory{Remaining: tt.remaining}}
			a := &Admitter{Store: store, Owner: "a"}
			r := &roomRun{room: Room{EventID: "e", Config: Config{AdmissionPerSecond: 10, AdmissionTTLSeconds: 600}, OnSaleAt: onSale}}
			for i := range 12 {
				if err := a.step(context.Background(), r, tt.from.Add(time.Duration(i)*time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			if store.rebalances != tt.want {
				t.Fatalf("%d rebalances, want %d", store.rebalances, tt.want)
			}
		})
	}
}
