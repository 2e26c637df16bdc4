package payments

import (
	"context"
	"errors"
	"testing"
)

func TestSimulatedCharge(t *testing.T) {
	cases := []struct {
		method  string
		status  string
		err     error
		charged int
	}{
		{MethodSucceeds, Succeeded, nil, 1},
		{MethodDeclines, Declined, nil, 0},
		{MethodTimesOut, "", ErrTimeout, 0},
		{"pm_unknown", Declined, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			l := NewMemoryLedger()
			p := NewSimulated(l)
			got, err := p.Charge(context.Background(), ChargeRequest{Key: "b1", Amount: 500, Currency: "USD", Method: c.method})
			if !errors.Is(err, c.err) || got.Status != c.status || l.Charges() != c.charged {
				t.Fatalf("Charge = %+v, %v; charges=%d", got, err, l.Charges())
			}
		})
	}
}

func TestChargeIsIdempotentByKey(t *testing.T) {
	l := NewMemoryLedger()
	p := NewSimulated(l)
	p.LoseAnswers(1)
	req := ChargeRequest{Key: "b1", Amount: 500, Currency: "USD", Method: MethodSucceeds}
	if _, err := p.Charge(context.Background(), req); !errors.Is(err, ErrTimeout) {
		t.Fatalf("first charge err = %v, want a lost answer", err)
	}
	a, err := p.Charge(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Charge(context.Background(), req)
	if a.ID != b.ID || l.Charges() != 1 {
		t.Fatalf("charged %d times (%s, %s)", l.Charges(), a.ID, b.ID)
	}
	r1, _ := p.Refund(context.Background(), RefundRequest{Key: "b1", Amount: 500})
	r2, _ := p.Refund(context.Background(), RefundRequest{Key: "b1", Amount: 500})
	if r1.ID != r2.ID {
		t.Fatal("refund not idempotent")
	}
}
