package waitroom

import (
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	sale := time.Unix(1_800_000_000, 0).UTC()
	base := Observation{OnSaleAt: sale, Rate: 100, TTL: 10 * time.Minute}
	with := func(f func(*Observation)) Observation { o := base; f(&o); return o }
	tests := []struct {
		name string
		o    Observation
		want View
	}{
		{"pre-queue, an hour early", with(func(o *Observation) { o.Now = sale.Add(-time.Hour) }),
			View{State: StatePreQueue, ETASeconds: 3600, RetryAfter: MaxPreQueueRetryAfter}},
		// 100,000 in the pre-queue at 100/s: a draw three quarters up lands ~75,000th, 750 s in.
		{"pre-queue, sent back near its turn", with(func(o *Observation) {
			o.Now, o.PreQueueSize, o.Entry.Draw = sale.Add(-10*time.Second), 100_000, 3<<62
		}), View{State: StatePreQueue, ETASeconds: 760, RetryAfter: MaxPreQueueRetryAfter}},
		{"pre-queue, front of the line", with(func(o *Observation) {
			// 1/128 of the way up: ~781st, 7 s in; back 2 s before that.
			o.Now, o.PreQueueSize, o.Entry.Draw = sale.Add(-10*time.Second), 100_000, 1<<57
		}), View{State: StatePreQueue, ETASeconds: 17, RetryAfter: 15}},
		{"joined in the last seconds: back at the start", with(func(o *Observation) {
			o.Now, o.PreQueueSize, o.Entry = sale.Add(-2*time.Second), 100_000, Entry{Slot: sale.Unix() - 2, Draw: 1 << 63}
		}), View{State: StatePreQueue, ETASeconds: 2, RetryAfter: 2}},
		{"pre-queue, 2.5 s early", with(func(o *Observation) { o.Now = sale.Add(-2500 * time.Millisecond) }),
			View{State: StatePreQueue, ETASeconds: 3, RetryAfter: 3}},
		{"being numbered", with(func(o *Observation) { o.Now = sale.Add(time.Second) }),
			View{State: StateWaiting, RetryAfter: 2}},
		{"next in line", with(func(o *Observation) { o.Now, o.Position, o.Serving = sale, 1, 0 }),
			View{State: StateWaiting, Position: 1, Ahead: 0, ETASeconds: 1, RetryAfter: 1}},
		{"far back", with(func(o *Observation) { o.Now, o.Position, o.Serving = sale, 50_001, 1_000 }),
			View{State: StateWaiting, Position: 50_001, Ahead: 49_000, ETASeconds: 491, RetryAfter: MaxRetryAfter}},
		{"a minute back", with(func(o *Observation) { o.Now, o.Position, o.Serving = sale, 7_000, 1_000 }),
			View{State: StateWaiting, Position: 7_000, Ahead: 5_999, ETASeconds: 60, RetryAfter: 20}},
		{"waiting, sold out", with(func(o *Observation) { o.Now, o.Position, o.Serving, o.SoldOut = sale, 7_000, 1_000, true }),
			View{State: StateWaiting, Position: 7_000, Ahead: 5_999, ETASeconds: 60, RetryAfter: MaxRetryAfter, SoldOut: true}},
		{"admitted", with(func(o *Observation) {
			o.Now, o.Position, o.Serving, o.AdmittedAt = sale.Add(time.Minute), 10, 100, sale
		}),
			View{State: StateAdmitted, Position: 10, ExpiresAt: sale.Add(10 * time.Minute), RetryAfter: MaxRetryAfter}},
		{"expired at the TTL", with(func(o *Observation) {
			o.Now, o.Position, o.Serving, o.AdmittedAt = sale.Add(10*time.Minute), 10, 100, sale
		}),
			View{State: StateExpired, Position: 10, RetryAfter: MaxRetryAfter}},
		{"used", with(func(o *Observation) {
			o.Now, o.Position, o.Serving, o.AdmittedAt, o.Reserved = sale.Add(time.Minute), 10, 100, sale, true
		}),
			View{State: StateUsed, Position: 10, RetryAfter: MaxRetryAfter}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Describe(tt.o); got != tt.want {
				t.Fatalf("Describe = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRetryAfterGrowsWithDistance(t *testing.T) {
	prev := 0
	for eta := int64(0); eta < 1000; eta++ {
		r := RetryAfter(eta)
		if r < prev || r < MinRetryAfter || r > MaxRetryAfter || int64(r) > max(eta, 1) {
			t.Fatalf("RetryAfter(%d) = %d after %d", eta, r, prev)
		}
		prev = r
	}
}
