package waitroom

import (
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

func ptr[T any](v T) *T { return &v }

func TestInputApply(t *testing.T) {
	sale := time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC)
	on := Config{Enabled: true, OpensAt: sale.Add(-15 * time.Minute), AdmissionPerSecond: 1000, AdmissionTTLSeconds: 600}
	tests := []struct {
		name     string
		cur      Config
		in       Input
		onSaleAt time.Time
		want     Config
		bad      string // field named in the error, "" for none
	}{
		{"enable with defaults", Config{}, Input{Enabled: ptr(true), OpensAt: ptr("2027-01-31T09:45:00Z")}, sale,
			Config{Enabled: true, OpensAt: sale.Add(-15 * time.Minute), AdmissionPerSecond: DefaultAdmissionPerSecond, AdmissionTTLSeconds: 600}, ""},
		{"opens_at required", Config{}, Input{Enabled: ptr(true)}, sale, Config{}, "waiting_room.opens_at"},
		{"opens_at not a time", Config{}, Input{Enabled: ptr(true), OpensAt: ptr("tomorrow")}, sale, Config{}, "waiting_room.opens_at"},
		{"opens_at at the sale start", Config{}, Input{Enabled: ptr(true), OpensAt: ptr("2027-01-31T10:00:00Z")}, sale, Config{}, "waiting_room.opens_at"},
		{"opens_at a week early", Config{}, Input{Enabled: ptr(true), OpensAt: ptr("2027-01-24T09:59:59Z")}, sale, Config{}, "waiting_room.opens_at"},
		{"a sale start is required", Config{}, Input{Enabled: ptr(true), OpensAt: ptr("2027-01-31T09:45:00Z")}, time.Time{}, Config{}, "waiting_room.on_sale_at"},
		{"on_sale_at stands in for the types' start", Config{}, Input{Enabled: ptr(true), OpensAt: ptr("2027-01-31T09:45:00Z"), OnSaleAt: ptr("2027-01-31T10:00:00Z")}, time.Time{},
			Config{Enabled: true, OpensAt: sale.Add(-15 * time.Minute), AdmissionPerSecond: DefaultAdmissionPerSecond, AdmissionTTLSeconds: 600, OnSaleAt: sale}, ""},
		{"on_sale_at before opens_at", Config{}, Input{Enabled: ptr(true), OpensAt: ptr("2027-01-31T09:45:00Z"), OnSaleAt: ptr("2027-01-31T09:00:00Z")}, time.Time{}, Config{}, "waiting_room.opens_at"},
		{"on_sale_at not a time", Config{}, Input{OnSaleAt: ptr("soon")}, time.Time{}, Config{}, "waiting_room.on_sale_at"},
		{"rate change keeps the rest", on, Input{AdmissionPerSecond: ptr(5000)}, sale,
			Config{Enabled: true, OpensAt: on.OpensAt, AdmissionPerSecond: 5000, AdmissionTTLSeconds: 600}, ""},
		{"rate 0", on, Input{AdmissionPerSecond: ptr(0)}, sale, Config{}, "waiting_room.admission_per_second"},
		{"rate too high", on, Input{AdmissionPerSecond: ptr(MaxAdmissionPerSecond + 1)}, sale, Config{}, "waiting_room.admission_per_second"},
		{"ttl too short", on, Input{AdmissionTTLSeconds: ptr(59)}, sale, Config{}, "waiting_room.admission_ttl_seconds"},
		{"ttl too long", on, Input{AdmissionTTLSeconds: ptr(3601)}, sale, Config{}, "waiting_room.admission_ttl_seconds"},
		{"sale moved before opens_at", on, Input{}, on.OpensAt, Config{}, "waiting_room.opens_at"},
		{"disabled room keeps a stale opens_at", on, Input{Enabled: ptr(false)}, on.OpensAt,
			Config{OpensAt: on.OpensAt, AdmissionPerSecond: 1000, AdmissionTTLSeconds: 600}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Apply(tt.cur, tt.onSaleAt)
			if tt.bad != "" {
				fe, ok := fault.As(err)
				if !ok || fe.Code != fault.Validation || fe.Fields[tt.bad] == "" {
					t.Fatalf("err = %v, want a validation error naming %s", err, tt.bad)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Apply = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	c := Config{Enabled: true, OpensAt: time.Unix(1000, 0)}
	if c.Open(time.Unix(999, 0)) || !c.Open(time.Unix(1000, 0)) {
		t.Fatal("a room opens at opens_at")
	}
	c.Enabled = false
	if c.Open(time.Unix(2000, 0)) {
		t.Fatal("a disabled room never opens")
	}
}
