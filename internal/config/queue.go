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
	q := Queue{Catalog: c, AdmissionKeys: getenv("ADMISSION_SIGNING_KEY"), JoinLimit: DefaultJoinLimitPerMinute}
	if v := getenv("QUEUE_JOIN_LIMIT_PER_MINUTE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return Queue{}, fmt.Errorf("QUEUE_JOIN_LIMIT_PER_MINUTE %q: want 1..1000", v)
		}
		q.JoinLimit = n
	}
	if q.AdmissionKeys == "" {
		if name := getenv("ADMISSION_SIGNING_KEY_PARAM"); name != "" {
			if q.AdmissionKeys, err = secrets.Parameter(context.Background(), name); err != nil {
				return Queue{}, fmt.Errorf("ADMISSION_SIGNING_KEY_PARAM: %w", err)
			}
		}
	}
	if q.AdmissionKeys == "" {
		return Queue{}, fmt.Errorf("ADMISSION_SIGNING_KEY: want a key ring kid:secret[,kid:secret]")
	}
	if !strings.Contains(q.AdmissionKeys, ":") {
		q.AdmissionKeys = "k1:" + q.AdmissionKeys
	}
	return q, nil
}
