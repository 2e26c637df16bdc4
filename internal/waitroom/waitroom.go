// Package waitroom holds the rules of an event's waiting room (docs/waiting-room.md): its
// settings, the order of the line (a pre-queue shuffled once at the sale start, then
// arrival order by second), what a waiting user is told, the admitter's one-second step
// and the admission token the reservation path checks. It imports neither the AWS SDK
// nor net/http: the store and the functions build on it.
package waitroom

import (
	"fmt"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Ranges and defaults of the settings.
const (
	DefaultAdmissionPerSecond = 250 // one unsharded inventory item takes 500 tx/s, shared by reservations and confirmations
	MaxAdmissionPerSecond     = 20000
	DefaultAdmissionTTL       = 600 * time.Second // Ticketmaster holds a turn 10 minutes
	MinAdmissionTTL           = 60 * time.Second
	MaxAdmissionTTL           = 3600 * time.Second
	// MaxPreQueue is how long before the sale the room may open: long enough for any
	// announced on-sale, short enough that a mistyped date is caught.
	MaxPreQueue = 7 * 24 * time.Hour
)

// Config is an event's waiting room as stored on the event (`waiting_room`).
type Config struct {
	Enabled             bool      `json:"enabled"`
	OpensAt             time.Time `json:"opens_at,omitzero"`
	AdmissionPerSecond  int       `json:"admission_per_second"`
	AdmissionTTLSeconds int       `json:"admission_ttl_seconds"`
	// OnSaleAt is the sale start while the event has no ticket types of its own (the
	// first type's sale_starts_at takes over once they exist): the pre-queue closes
	// SealDelay before it. Zero when unset.
	OnSaleAt time.Time `json:"on_sale_at,omitzero"`
}

// TTL is how long an admission token is valid.
func (c Config) TTL() time.Duration { return time.Duration(c.AdmissionTTLSeconds) * time.Second }

// Open reports whether joins are accepted at now: enabled and past opens_at.
func (c Config) Open(now time.Time) bool { return c.Enabled && !now.Before(c.OpensAt) }

// Input is the `waiting_room` member of an event create or PATCH body; absent fields keep
// their value (or take the default on a room that had none).
type Input struct {
	Enabled             *bool   `json:"enabled"`
	OpensAt             *string `json:"opens_at"`
	AdmissionPerSecond  *int    `json:"admission_per_second"`
	AdmissionTTLSeconds *int    `json:"admission_ttl_seconds"`
	OnSaleAt            *string `json:"on_sale_at"`
}

// Apply returns cur with the input applied and validated. onSaleAt is when the sale
// starts (zero when the event has no sale start yet: opens_at is then checked later, when
// one is set, by calling Apply with an empty Input). Errors name fields as
// waiting_room.<field>.
func (in Input) Apply(cur Config, onSaleAt time.Time) (Config, error) {
	f := fault.Fields{}
	c := cur
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	if in.OpensAt != nil {
		t, err := time.Parse(time.RFC3339, *in.OpensAt)
		if err != nil {
			f.Add("waiting_room.opens_at", "must be an RFC 3339 time, e.g. 2027-01-31T09:45:00Z")
		}
		c.OpensAt = t.UTC().Truncate(time.Second)
	}
	if in.OnSaleAt != nil {
		t, err := time.Parse(time.RFC3339, *in.OnSaleAt)
		if err != nil {
			f.Add("waiting_room.on_sale_at", "must be an RFC 3339 time, e.g. 2027-01-31T10:00:00Z")
		}
		c.OnSaleAt = t.UTC().Truncate(time.Second)
	}
	if onSaleAt.IsZero() {
		onSaleAt = c.OnSaleAt
	}
	if in.AdmissionPerSecond != nil {
		c.AdmissionPerSecond = *in.AdmissionPerSecond
	}
	if in.AdmissionTTLSeconds != nil {
		c.AdmissionTTLSeconds = *in.AdmissionTTLSeconds
	}
	if c.AdmissionPerSecond == 0 && in.AdmissionPerSecond == nil {
		c.AdmissionPerSecond = DefaultAdmissionPerSecond
	}
	if c.AdmissionTTLSeconds == 0 && in.AdmissionTTLSeconds == nil {
		c.AdmissionTTLSeconds = int(DefaultAdmissionTTL / time.Second)
	}
	f.Check(c.AdmissionPerSecond < 1 || c.AdmissionPerSecond > MaxAdmissionPerSecond, "waiting_room.admission_per_second",
		fmt.Sprintf("must be from 1 to %d buyers a second", MaxAdmissionPerSecond))
	f.Check(c.TTL() < MinAdmissionTTL || c.TTL() > MaxAdmissionTTL, "waiting_room.admission_ttl_seconds",
		fmt.Sprintf("must be from %d to %d seconds", int(MinAdmissionTTL/time.Second), int(MaxAdmissionTTL/time.Second)))
	if c.Enabled && f["waiting_room.opens_at"] == "" {
		switch {
		case c.OpensAt.IsZero():
			f.Add("waiting_room.opens_at", "is required while the waiting room is enabled (RFC 3339, before the sale starts)")
		case onSaleAt.IsZero():
			f.Add("waiting_room.on_sale_at", "is required while the waiting room is enabled and the event has no ticket types with a sale start")
		case !c.OpensAt.Before(onSaleAt):
			f.Add("waiting_room.opens_at", "must be before the sale starts ("+onSaleAt.UTC().Format(time.RFC3339)+")")
		case onSaleAt.Sub(c.OpensAt) > MaxPreQueue:
			f.Add("waiting_room.opens_at", "must be at most 7 days before the sale starts")
		}
	}
	if err := f.Err(); err != nil {
		return Config{}, err
	}
	return c, nil
}
