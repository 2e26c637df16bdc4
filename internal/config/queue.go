package config

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bookmyevent/bookmyevent/internal/secrets"
)

// DefaultJoinLimitPerMinute bounds repeat joins of one user a minute: a real client joins
// once and then polls queue/me.
const DefaultJoinLimitPerMinute = 20

// Queue is what the waiting room's functions need.
type Queue struct {
	Catalog
	// AdmissionKeys is the key ring that signs admission tokens and queue passes
	// ("kid:secret[,kid:secret]"; a bare secret is one key named k1). Deployed functions
	// get ADMISSION_SIGNING_KEY_PARAM, an SSM SecureString read once at start;
	// ADMISSION_SIGNING_KEY (the ring itself) serves tests and tools and wins when set.
	AdmissionKeys string
	JoinLimit     int // QUEUE_JOIN_LIMIT_PER_MINUTE, 1..1000
}

// LoadQueue reads the catalogue settings and the waiting room's.
func LoadQueue(getenv Getenv) (Queue, error) {
	c, err := LoadCatalog(getenv)
	if err != nil {
		return Queue{}, err
	}
	q := Queue{Catalog: c, JoinLimit: DefaultJoinLimitPerMinute}
	if v := getenv("QUEUE_JOIN_LIMIT_PER_MINUTE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return Queue{}, fmt.Errorf("QUEUE_JOIN_LIMIT_PER_MINUTE %q: want 1..1000", v)
		}
		q.JoinLimit = n
	}
	if q.AdmissionKeys, err = admissionKeys(getenv); err != nil {
		return Queue{}, err
	}
	return q, nil
}

// OnSale is what the reservation function needs: the booking and waitlist settings, and
// the key ring its waiting-room gate verifies admission tokens with.
type OnSale struct {
	Waitlist
	AdmissionKeys string
}

// LoadOnSale reads the reservation function's settings.
func LoadOnSale(getenv Getenv) (OnSale, error) {
	w, err := LoadWaitlist(getenv)
	if err != nil {
		return OnSale{}, err
	}
	keys, err := admissionKeys(getenv)
	if err != nil {
		return OnSale{}, err
	}
	return OnSale{Waitlist: w, AdmissionKeys: keys}, nil
}

// admissionKeys reads the admission key ring: ADMISSION_SIGNING_KEY, else the SSM
// parameter ADMISSION_SIGNING_KEY_PARAM names.
func admissionKeys(getenv Getenv) (string, error) {
	keys := getenv("ADMISSION_SIGNING_KEY")
	if keys == "" {
		if name := getenv("ADMISSION_SIGNING_KEY_PARAM"); name != "" {
			var err error
			if keys, err = secrets.Parameter(context.Background(), name); err != nil {
				return "", fmt.Errorf("ADMISSION_SIGNING_KEY_PARAM: %w", err)
			}
		}
	}
	if keys == "" {
		return "", fmt.Errorf("ADMISSION_SIGNING_KEY: want a key ring kid:secret[,kid:secret]")
	}
	if !strings.Contains(keys, ":") {
		keys = "k1:" + keys
	}
	return keys, nil
}

// Admit is what the admitter needs: the table, and the reservation function whose
// metrics are its throttle signal (RESERVATION_FUNCTION_NAME; empty: no signal).
type Admit struct {
	Catalog
	ReservationFunction string
}

// LoadAdmit reads the admitter's settings.
func LoadAdmit(getenv Getenv) (Admit, error) {
	c, err := LoadCatalog(getenv)
	if err != nil {
		return Admit{}, err
	}
	return Admit{Catalog: c, ReservationFunction: strings.TrimSpace(getenv("RESERVATION_FUNCTION_NAME"))}, nil
}
