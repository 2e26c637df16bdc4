package capacity

import "testing"

func TestSimulate(t *testing.T) {
	tests := []struct {
		name             string
		cfg              Config
		maxPeak, minPeak int
		soldOut          bool
	}{
		// One hot item: never more than 500 reservations a second, whatever the demand.
		{"unsharded", OnSale(1, 0), 500, 500, false},
		// Eight shards lift the item ceiling to 4,000/s; the table (40,000 / 12) caps it at 3,333.
		{"8 shards", OnSale(8, 0), 3333, 3000, true},
		// A queue admitting 3,000 a second keeps every attempt under both limits.
		{"8 shards and a queue", OnSale(8, 3000), 3000, 2500, true},
		{"tiny", Config{Seats: 10, Shards: 2, Buyers: 100, ArrivalSeconds: 1, MaxQuantity: 1, ItemTxPerSecond: 500, MaxWait: 1, Seed: 3}, 10, 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Simulate(tt.cfg)
			if r.Sold+r.Leftover != tt.cfg.Seats {
				t.Errorf("sold %d + leftover %d != seats %d", r.Sold, r.Leftover, tt.cfg.Seats)
			}
			if r.PeakPerSecond > tt.maxPeak || r.PeakPerSecond < tt.minPeak {
				t.Errorf("peak %d/s, want %d..%d", r.PeakPerSecond, tt.minPeak, tt.maxPeak)
			}
			// Sold out means no buyer could be served: leftovers are smaller than a request.
			if tt.soldOut && r.Leftover >= tt.cfg.Shards*tt.cfg.MaxQuantity {
				t.Errorf("leftover %d seats after the on-sale: %+v", r.Leftover, r)
			}
		})
	}
}

func TestQueueRemovesThrottling(t *testing.T) {
	r := Simulate(OnSale(8, 3000))
	if r.Throttled != 0 || r.GaveUp != 0 {
		t.Errorf("admission at 3,000/s under a 3,333/s table limit still throttled: %+v", r)
	}
	if r.QueueWaitP99 == 0 {
		t.Errorf("200,000 buyers in 20 s through a 3,000/s queue should wait: %+v", r)
	}
}
