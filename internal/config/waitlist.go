package config

import (
	"fmt"
	"strings"
	"time"
)

// Waitlist is the booking settings plus the waitlist's and hold expiry's.
type Waitlist struct {
	Booking
	// OfferFor is how long a waitlist offer holds its seats unless the event sets its own
	// window (OFFER_DURATION, default 30m).
	OfferFor time.Duration
	// QueueURL is the waitlist worker's queue (WAITLIST_QUEUE_URL); "" means no worker is
	// woken from this function (the sweeper's stranded-offering nudge still is).
	QueueURL string
	// EventBus receives domain events (EVENT_BUS_NAME); "" logs them instead.
	EventBus string
}

// DefaultOfferDuration is the offer window when OFFER_DURATION is unset.
const DefaultOfferDuration = 30 * time.Minute

// LoadWaitlist reads the booking settings and the waitlist ones.
func LoadWaitlist(getenv Getenv) (Waitlist, error) {
	b, err := LoadBooking(getenv)
	if err != nil {
		return Waitlist{}, err
	}
	w := Waitlist{Booking: b, OfferFor: DefaultOfferDuration,
		QueueURL: strings.TrimSpace(getenv("WAITLIST_QUEUE_URL")), EventBus: strings.TrimSpace(getenv("EVENT_BUS_NAME"))}
	if v := getenv("OFFER_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			return Waitlist{}, fmt.Errorf("OFFER_DURATION %q: want a duration from 1m to 24h", v)
		}
		w.OfferFor = d
	}
	return w, nil
}
