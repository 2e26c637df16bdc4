package payments

import (
	"context"
	"sync"
)

// MemoryLedger keeps the simulated provider's records in one process: for unit tests and
// tools, never for Lambdas (each is its own process).
type MemoryLedger struct {
	mu      sync.Mutex
	charges map[string]Charge
	refunds map[string]Refund
	// Attempts counts PutCharge calls, successful or repeated.
	Attempts int
}

// NewMemoryLedger returns an empty ledger.
func NewMemoryLedger() *MemoryLedger {
	return &MemoryLedger{charges: map[string]Charge{}, refunds: map[string]Refund{}}
}

// PutCharge stores c unless a charge exists under its key.
func (m *MemoryLedger) PutCharge(_ context.Context, c Charge) (Charge, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Attempts++
	if old, ok := m.charges[c.Key]; ok {
		return old, nil
	}
	m.charges[c.Key] = c
	return c, nil
}

// PutRefund stores r unless a refund exists under its key.
func (m *MemoryLedger) PutRefund(_ context.Context, r Refund) (Refund, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.refunds[r.Key]; ok {
		return old, nil
	}
	m.refunds[r.Key] = r
	return r, nil
}

// Charges returns how many distinct charges were taken.
func (m *MemoryLedger) Charges() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.charges)
}
