package config

import (
	"testing"
	"time"
)

func TestLoadBooking(t *testing.T) {
	key := "0123456789abcdef"
	cases := []struct {
		name    string
		env     map[string]string
		hold    time.Duration
		rate    int
		wantErr bool
	}{
		{"defaults", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY": key}, 15 * time.Minute, 10, false},
		{"set", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY": key, "HOLD_DURATION": "5m", "RATE_LIMIT_PER_MINUTE": "3"}, 5 * time.Minute, 3, false},
		{"no key needed", map[string]string{"TABLE_NAME": "t"}, 15 * time.Minute, 10, false},
		{"hold too short", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY": key, "HOLD_DURATION": "10s"}, 0, 0, true},
		{"bad rate", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY": key, "RATE_LIMIT_PER_MINUTE": "0"}, 0, 0, true},
		{"bad cache", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY": key, "EVENT_CACHE_TTL": "5m"}, 0, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := LoadBooking(env(c.env))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (got.HoldFor != c.hold || got.RateLimit != c.rate) {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestLoadTickets(t *testing.T) {
	key := "0123456789abcdef"
	cases := []struct {
		name    string
		env     map[string]string
		wantErr bool
	}{
		{"key", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY": key}, false},
		{"no key", map[string]string{"TABLE_NAME": "t"}, true},
		{"short key", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY": "short"}, true},
		{"bad booking settings", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY": key, "HOLD_DURATION": "10s"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := LoadTickets(env(c.env))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (got.TicketKey != key || got.HoldFor != 15*time.Minute) {
				t.Fatalf("got %+v", got)
			}
		})
	}
}
