package stampede_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/payments"
)

// BenchmarkReserve reports DynamoDB round trips and capacity units per reservation, warm
// (event cached, as on a busy Lambda instance) and cold (a GetItem first). The emulator's
// latency says little about AWS; these counts do.
func BenchmarkReserve(b *testing.B) {
	for _, warm := range []bool{true, false} {
		name := map[bool]string{true: "warm", false: "cold"}[warm]
		b.Run(name, func(b *testing.B) {
			h := newHarness(b, booking.Config{RateLimit: 1 << 30})
			ev := h.seedEvent(eventSpec{capacity: b.N + 1, price: 1000, max: 1})
			ctx := context.Background()
			ttl := time.Duration(0)
			if warm {
				ttl = time.Hour
			}
			svc := booking.NewService(booking.Deps{Store: h.store, Payments: h.pay, Signer: h.signer, Events: booking.NewEventCache(h.store, ttl)}, booking.Config{RateLimit: 1 << 30})
			if _, err := svc.Reserve(ctx, "warmup", ev, 1, "w", time.Now()); err != nil {
				b.Fatal(err)
			}
			h.meter.Reset()
			b.ResetTimer()
			for i := range b.N {
				if _, err := svc.Reserve(ctx, fmt.Sprintf("u%d", i), ev, 1, "k", time.Now()); err != nil {
					b.Fatal(err)
				}
			}
			r := h.meter.Read()
			b.ReportMetric(float64(r.Calls)/float64(b.N), "ddb-calls/op")
			b.ReportMetric(r.Estimated/float64(b.N), "capacity-units/op")
			b.ReportMetric(r.Reported/float64(b.N), "moto-reported-units/op")
		})
	}
}

// BenchmarkConfirm reports DynamoDB round trips and capacity units per confirmation (the
// payment call is the provider's, not counted).
func BenchmarkConfirm(b *testing.B) {
	h := newHarness(b, booking.Config{RateLimit: 1 << 30})
	ev := h.seedEvent(eventSpec{capacity: b.N, price: 1000, max: 1})
	ctx := context.Background()
	ids := make([]string, b.N)
	for i := range b.N {
		a, err := h.svc.Reserve(ctx, fmt.Sprintf("u%d", i), ev, 1, "k", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = viewOf(b, a).BookingID
	}
	h.meter.Reset()
	b.ResetTimer()
	for i := range b.N {
		if _, err := h.svc.Confirm(ctx, fmt.Sprintf("u%d", i), ids[i], payments.MethodSucceeds, "c", time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	r := h.meter.Read()
	b.ReportMetric(float64(r.Calls)/float64(b.N), "ddb-calls/op")
	b.ReportMetric(r.Estimated/float64(b.N), "capacity-units/op")
	b.ReportMetric(r.Reported/float64(b.N), "moto-reported-units/op")
}
