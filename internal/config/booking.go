package config

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/secrets"
)

// Booking defaults.
const (
	DefaultHoldDuration       = 15 * time.Minute
	DefaultRateLimitPerMinute = 10
	DefaultEventCacheTTL      = time.Second
)

// Booking is what the booking functions need.
type Booking struct {
	Catalog
	HoldFor       time.Duration // HOLD_DURATION, 1m..24h
	RateLimit     int           // RATE_LIMIT_PER_MINUTE, reservation attempts per user, 1..1000
	EventCacheTTL time.Duration // EVENT_CACHE_TTL: staleness bound of the cached event, 0s..1m
}

// LoadBooking reads the catalogue settings and the booking ones.
func LoadBooking(getenv Getenv) (Booking, error) {
	c, err := LoadCatalog(getenv)
	if err != nil {
		return Booking{}, err
	}
	b := Booking{Catalog: c, HoldFor: DefaultHoldDuration, RateLimit: DefaultRateLimitPerMinute,
		EventCacheTTL: DefaultEventCacheTTL}
	if v := getenv("HOLD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			return Booking{}, fmt.Errorf("HOLD_DURATION %q: want a duration from 1m to 24h", v)
		}
		b.HoldFor = d
	}
	if v := getenv("RATE_LIMIT_PER_MINUTE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return Booking{}, fmt.Errorf("RATE_LIMIT_PER_MINUTE %q: want 1..1000", v)
		}
		b.RateLimit = n
	}
	if v := getenv("EVENT_CACHE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > MaxAvailabilityCacheTTL {
			return Booking{}, fmt.Errorf("EVENT_CACHE_TTL %q: want a duration from 0s to %s", v, MaxAvailabilityCacheTTL)
		}
		b.EventCacheTTL = d
	}
	return b, nil
}

// Tickets is the booking settings plus the key that signs ticket codes: what the
// functions that issue or check tickets need, and only they are given the key.
type Tickets struct {
	Booking
	// TicketKey signs ticket codes; required, as unsigned tickets could be forged. Deployed
	// functions get TICKET_SIGNING_KEY_PARAM, the name of an SSM SecureString read once here
	// at start, so the key is not in their configuration; TICKET_SIGNING_KEY (the key
	// itself) serves tests and tools that run without SSM, and wins when both are set.
	TicketKey string
}

// LoadTickets reads the booking settings and the ticket signing key.
func LoadTickets(getenv Getenv) (Tickets, error) {
	b, err := LoadBooking(getenv)
	if err != nil {
		return Tickets{}, err
	}
	t := Tickets{Booking: b, TicketKey: getenv("TICKET_SIGNING_KEY")}
	if t.TicketKey == "" {
		if name := getenv("TICKET_SIGNING_KEY_PARAM"); name != "" {
			if t.TicketKey, err = secrets.Parameter(context.Background(), name); err != nil {
				return Tickets{}, fmt.Errorf("TICKET_SIGNING_KEY_PARAM: %w", err)
			}
		}
	}
	if len(t.TicketKey) < 16 {
		return Tickets{}, fmt.Errorf("TICKET_SIGNING_KEY: want at least 16 characters")
	}
	return t, nil
}
