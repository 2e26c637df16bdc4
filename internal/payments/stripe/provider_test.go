package stripe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/stripemock"
	"github.com/bookmyevent/bookmyevent/internal/payments"
)

func newProvider(t *testing.T) (*Provider, string) {
	t.Helper()
	base := stripemock.ForTest(t)
	p, err := New(Config{SecretKey: stripemock.SecretKey, APIBase: base, Retries: 3})
	if err != nil {
		t.Fatal(err)
	}
	return p, base
}

// counts are what the front saw created for one booking key.
func counts(t *testing.T, base, bookingKey string) stripemock.Counts {
	t.Helper()
	c, err := stripemock.ReadCounts(context.Background(), base, bookingKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func key(t *testing.T) string { return "bk_" + t.Name() + "_" + time.Now().Format("150405.000000000") }

func TestChargeOutcomes(t *testing.T) {
	p, _ := newProvider(t)
	cases := []struct {
		method, status, decline string
		secret                  bool
	}{
		{payments.MethodSucceeds, payments.Succeeded, "", false},
		{payments.MethodChargeDeclined, payments.Declined, "generic_decline", false},
		{payments.MethodDeclines, payments.Declined, "generic_decline", false},
		{payments.MethodNeedsAction, payments.RequiresAction, "", true},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			got, err := p.Charge(context.Background(), payments.ChargeRequest{Key: key(t), Amount: 2500, Currency: "EUR", Method: c.method})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != c.status || got.DeclineCode != c.decline || (got.ClientSecret != "") != c.secret || got.ID == "" {
				t.Fatalf("Charge = %+v", got)
			}
			if got.Amount != 2500 || got.Currency != "EUR" {
				t.Fatalf("amount %d %s", got.Amount, got.Currency)
			}
		})
	}
}

func TestRetriedAndRacingConfirmsChargeOnce(t *testing.T) {
	p, base := newProvider(t)
	req := payments.ChargeRequest{Key: key(t), Amount: 1800, Currency: "USD", Method: payments.MethodSucceeds}
	var wg sync.WaitGroup
	ids := make([]string, 6)
	errs := make([]error, 6)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := p.Charge(context.Background(), req)
			ids[i], errs[i] = c.ID, err
		}()
	}
	wg.Wait()
	c, err := p.Charge(context.Background(), req) // a retry after all have answered
	ids[5], errs[5] = c.ID, err
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("confirm %d: id %q err %v (first %q)", i, ids[i], errs[i], ids[0])
		}
	}
	if got := counts(t, base, req.Key).PaymentIntents; got != 1 {
		t.Fatalf("%d PaymentIntents created, want 1", got)
	}
}

func TestRefundsFullAndPartialOncePerRefundID(t *testing.T) {
	p, base := newProvider(t)
	k := key(t)
	ch, err := p.Charge(context.Background(), payments.ChargeRequest{Key: k, Amount: 4000, Currency: "USD", Method: payments.MethodSucceeds})
	if err != nil {
		t.Fatal(err)
	}
	first := payments.RefundRequest{Key: k, ChargeID: ch.ID, Amount: 1000, Currency: "USD", RefundID: "r1"}
	a, err := p.Refund(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.Refund(context.Background(), first)
	if err != nil || again.ID != a.ID || a.Amount != 1000 {
		t.Fatalf("retried refund %+v %v, first %+v", again, err, a)
	}
	second, err := p.Refund(context.Background(), payments.RefundRequest{Key: k, ChargeID: ch.ID, Amount: 3000, Currency: "USD", RefundID: "r2"})
	if err != nil || second.ID == a.ID {
		t.Fatalf("second partial refund %+v %v", second, err)
	}
	if got := counts(t, base, k).Refunds; got != 2 {
		t.Fatalf("%d refunds created, want 2", got)
	}
	if _, err := p.Refund(context.Background(), payments.RefundRequest{Key: k, Amount: 1}); err == nil {
		t.Fatal("refund without a charge id succeeded")
	}
}

func TestRefundKey(t *testing.T) {
	cases := []struct {
		r    payments.RefundRequest
		want string
	}{
		{payments.RefundRequest{Key: "b1"}, "refund:b1"},
		{payments.RefundRequest{Key: "b1", RefundID: "r2"}, "refund:b1:r2"},
	}
	for _, c := range cases {
		if got := RefundKey(c.r); got != c.want {
			t.Errorf("RefundKey(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
}

func TestSlowOrFailingStripeIsATimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Idempotency-Key"), "b-5xx/") {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":{"type":"api_error","message":"down"}}`))
			return
		}
		<-release
	}))
	defer slow.Close()
	defer close(release)
	p, err := New(Config{SecretKey: "sk_test_x", APIBase: slow.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := p.Charge(ctx, payments.ChargeRequest{Key: "b-slow", Amount: 100, Currency: "USD", Method: payments.MethodSucceeds}); !errors.Is(err, payments.ErrTimeout) {
		t.Fatalf("slow charge err = %v, want ErrTimeout", err)
	}
	if _, err := p.Charge(context.Background(), payments.ChargeRequest{Key: "b-5xx", Amount: 100, Currency: "USD", Method: payments.MethodSucceeds}); !errors.Is(err, payments.ErrTimeout) {
		t.Fatalf("5xx charge err = %v, want ErrTimeout", err)
	}
}

// BenchmarkCharge confirms one booking per iteration against the local stripe-mock and
// reports the latency percentiles: go test -run X -bench Charge -benchtime 100x.
func BenchmarkCharge(b *testing.B) {
	base := stripemock.ForTest(b)
	p, err := New(Config{SecretKey: stripemock.SecretKey, APIBase: base})
	if err != nil {
		b.Fatal(err)
	}
	run := time.Now().Format("150405.000000")
	lat := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		c, err := p.Charge(context.Background(), payments.ChargeRequest{Key: "bench-" + run + "-" + strconv.Itoa(i),
			Amount: 5000, Currency: "USD", Method: payments.MethodSucceeds})
		if err != nil || c.Status != payments.Succeeded {
			b.Fatalf("charge %d: %+v %v", i, c, err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}
