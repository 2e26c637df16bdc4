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

func TestStadium(t *testing.T) {
	tests := []struct {
		name              string
		cfg               Config
		maxSellOut        int
		throttled, paused bool
	}{
		// From 5 s on, 5,000 reservations (40,000 WRU) and 5,000 confirmations (35,000) a
		// second on 32 shards (313 tx/s each), joins (10,000) on top: 85,000 WRU/s fits a
		// 100,000 quota, nothing throttles, and 50,000 seats go in 10 s.
		{"32 shards, 100,000 WRU/s", Stadium(32, 5000, 100_000), 10, false, false},
		// 16 shards take 625 tx/s each once confirmations start: over the 500/s per item.
		{"16 shards", Stadium(16, 5000, 150_000), 20, true, true},
		// On a default 40,000 WRU/s table the admitter pauses on throttling and the sale stretches.
		{"32 shards, default table", Stadium(32, 5000, 40_000), 60, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Simulate(tt.cfg)
			if r.Sold != tt.cfg.Seats || r.Confirmed != r.Sold {
				t.Fatalf("sold %d, confirmed %d of %d seats: %+v", r.Sold, r.Confirmed, tt.cfg.Seats, r)
			}
			if r.SellOutSecond+1 > tt.maxSellOut {
				t.Errorf("sold out in %d s, want at most %d: %+v", r.SellOutSecond+1, tt.maxSellOut, r)
			}
			if (r.Throttled+r.ConfirmThrottled > 0) != tt.throttled || (r.Paused > 0) != tt.paused {
				t.Errorf("throttled %d+%d, paused %d s: %+v", r.Throttled, r.ConfirmThrottled, r.Paused, r)
			}
		})
	}
}

// The goal, calibrated with the measured costs: 50,000 seats sell in 10 s on 32
// shards with the table's quota raised, every admitted buyer answered in the second they
// are admitted, for under $5.
func TestStadiumOnAWS(t *testing.T) {
	c := Calibrated(32, 5000, 100000, Measured)
	r := Simulate(c)
	p := OnAWS(c, r, Measured, DefaultAWSTimes)
	if r.Sold != c.Seats || r.SellOutSecond+1 > 11 || r.AnswerP99 != 0 || r.Throttled != 0 {
		t.Fatalf("on-sale: %+v", r)
	}
	if p.Total <= 0 || p.Total >= 5 || p.TableWRU > 100000 || p.LambdaConcurrency < 1000 || p.APIRequests < 5000 {
		t.Fatalf("plan: %+v", p)
	}
	// On the default 40,000 WRU/s the admitter pauses and the sale is slower.
	slow := Simulate(Calibrated(32, 5000, 40000, Measured))
	if slow.Paused == 0 || slow.SellOutSecond <= r.SellOutSecond {
		t.Fatalf("on 40,000 WRU/s: %+v", slow)
	}
}
