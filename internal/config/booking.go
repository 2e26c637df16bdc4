package config

import (
	"fmt"
	"strconv"
	"time"
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
	TicketKey     string        // TICKET_SIGNING_KEY, required: unsigned tickets could be forged
}

// LoadBooking reads the catalogue settings and the booking ones.
func LoadBooking(getenv Getenv) (Booking, error) {
	c, err := LoadCatalog(getenv)
	if err != nil {
		return Booking{}, err
	}
	b := Booking{Catalog: c, HoldFor: DefaultHoldDuration, RateLimit: DefaultRateLimitPerMinute,
		EventCacheTTL: DefaultEventCacheTTL, TicketKey: getenv("TICKET_SIGNING_KEY")}
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
	if len(b.TicketKey) < 16 {
		return Booking{}, fmt.Errorf("TICKET_SIGNING_KEY: want at least 16 characters")
	}
	return b, nil
}
