package config

import (
	"testing"
	"time"
)

func TestLoadWaitlist(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range base {
			m[a] = b
		}
		return m
	}
	for _, c := range []struct {
		name    string
		env     map[string]string
		offer   time.Duration
		wantErr bool
	}{
		{"default", base, 30 * time.Minute, false},
		{"set", with("OFFER_DURATION", "10m"), 10 * time.Minute, false},
		{"too short", with("OFFER_DURATION", "5s"), 0, true},
		{"junk", with("OFFER_DURATION", "soon"), 0, true},
		{"bad booking settings", with("HOLD_DURATION", "10s"), 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := LoadWaitlist(env(c.env))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && got.OfferFor != c.offer {
				t.Errorf("OfferFor = %s, want %s", got.OfferFor, c.offer)
			}
		})
	}
}
