package idempotency

import (
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

func TestDecide(t *testing.T) {
	now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	h := Hash("reserve", "ev1", "2")
	cases := []struct {
		name string
		rec  *Record
		hash string
		want Action
		code fault.Code
	}{
		{"nothing stored", nil, h, Proceed, ""},
		{"done, same body", &Record{Hash: h, Done: true, Status: 201, ExpiresAt: now.Add(time.Hour)}, h, Replay, ""},
		{"done, other body", &Record{Hash: h, Done: true, Status: 201, ExpiresAt: now.Add(time.Hour)}, Hash("x"), Proceed, fault.IdempotencyMismatch},
		{"running", &Record{Hash: h, LockedUntil: now.Add(5 * time.Second), ExpiresAt: now.Add(time.Hour)}, h, Proceed, fault.RequestInProgress},
		{"running, other body", &Record{Hash: h, LockedUntil: now.Add(5 * time.Second)}, Hash("x"), Proceed, fault.IdempotencyMismatch},
		{"crashed: lock lapsed", &Record{Hash: h, LockedUntil: now.Add(-time.Second), ExpiresAt: now.Add(time.Hour)}, h, Proceed, ""},
		{"expired record", &Record{Hash: "old", Done: true, ExpiresAt: now}, h, Proceed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decide(c.rec, c.hash, now)
			if got != c.want {
				t.Fatalf("action = %v, want %v", got, c.want)
			}
			if c.code == "" && err != nil || c.code != "" && !fault.Is(err, c.code) {
				t.Fatalf("err = %v, want %q", err, c.code)
			}
		})
	}
}

func TestInProgressRetryAfter(t *testing.T) {
	now := time.Now()
	_, err := Decide(&Record{Hash: "h", LockedUntil: now.Add(2500 * time.Millisecond)}, "h", now)
	fe, _ := fault.As(err)
	if fe == nil || fe.RetryAfter != 3 {
		t.Fatalf("err = %+v", fe)
	}
}

func TestStorable(t *testing.T) {
	for status, want := range map[int]bool{200: true, 201: true, 400: true, 402: true, 404: true, 422: true, 409: false, 429: false, 500: false, 503: false} {
		if Storable(status) != want {
			t.Errorf("Storable(%d) = %v", status, !want)
		}
	}
}

func TestCheckKey(t *testing.T) {
	cases := map[string]bool{"": false, "abc-123": true, "has space": false, strings.Repeat("k", 255): true, strings.Repeat("k", 256): false, "naïve": false}
	for key, ok := range cases {
		if err := CheckKey(key); (err == nil) != ok {
			t.Errorf("CheckKey(%q) = %v", key, err)
		}
	}
}
