package expiry

import (
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
)

func TestDue(t *testing.T) {
	now := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		b    booking.Booking
		due  bool
	}{
		{"held, lapsed", booking.Booking{Status: booking.Held, ExpiresAt: now.Add(-time.Second)}, true},
		{"held, lapses exactly now", booking.Booking{Status: booking.Held, ExpiresAt: now}, true},
		{"held, not yet", booking.Booking{Status: booking.Held, ExpiresAt: now.Add(time.Millisecond)}, false},
		{"confirmed", booking.Booking{Status: booking.Confirmed, ExpiresAt: now.Add(-time.Hour)}, false},
		{"already expired", booking.Booking{Status: booking.Expired, ExpiresAt: now.Add(-time.Hour)}, false},
		{"confirm running", booking.Booking{Status: booking.Held, ExpiresAt: now.Add(-time.Second), ConfirmClaim: "k", ConfirmClaimUntil: now.Add(time.Second)}, false},
		{"confirm claim lapsed", booking.Booking{Status: booking.Held, ExpiresAt: now.Add(-time.Second), ConfirmClaim: "k", ConfirmClaimUntil: now.Add(-time.Second)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Due(&tc.b, now); got != tc.due {
				t.Errorf("Due = %v, want %v", got, tc.due)
			}
		})
	}
}

func TestEveryHalfMinute(t *testing.T) {
	if got := EveryHalfMinute.Offsets; len(got) != 2 || got[0] != 0 || got[1] != 30*time.Second {
		t.Errorf("offsets = %v: a rate(1 minute) schedule needs sweeps at 0 s and 30 s", got)
	}
}
