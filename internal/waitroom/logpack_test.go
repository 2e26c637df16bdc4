package waitroom

import (
	"errors"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

func TestPackLogRoundTrips(t *testing.T) {
	start := time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC)
	var l Log
	for i := range 600 {
		l = l.Append(Mark{At: start.Add(time.Duration(i)*time.Second + time.Duration(i%7)*time.Millisecond), Serving: int64(i * 5000), Reserved: int64(i * 4000)}, 10*time.Minute)
	}
	b := PackLog(l)
	if len(b) > 5000 {
		t.Errorf("600 marks pack into %d bytes, want about 4 KB (SERVING is read at 1 RRU)", len(b))
	}
	got, err := UnpackLog(b)
	if err != nil || len(got) != len(l) {
		t.Fatalf("UnpackLog = %d marks, %v; want %d", len(got), err, len(l))
	}
	for i := range l {
		if !got[i].At.Equal(l[i].At.Truncate(time.Millisecond)) || got[i].Serving != l[i].Serving || got[i].Reserved != l[i].Reserved {
			t.Fatalf("mark %d = %+v, want %+v", i, got[i], l[i])
		}
	}
	if l, err := UnpackLog(nil); err != nil || len(l) != 0 {
		t.Fatalf("empty log = %v, %v", l, err)
	}
	if _, err := UnpackLog([]byte{0x80}); !errors.Is(err, ErrBadLog) {
		t.Fatalf("truncated log: err = %v, want ErrBadLog", err)
	}
}

func TestGateAdmit(t *testing.T) {
	keys, err := ParseKeys("k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	g := &Gate{Keys: keys}
	now := time.Unix(2_000_000_000, 0)
	on := Config{Enabled: true}
	good := keys.Sign(Claims{EventID: "ev", UserID: "u1", ExpiresAt: now.Add(time.Minute)})
	tests := []struct {
		name  string
		room  Config
		token string
		ok    bool
	}{
		{"room off needs nothing", Config{}, "", true},
		{"live token", on, good, true},
		{"no token", on, "", false},
		{"forged", on, good[:len(good)-2] + "AA", false},
		{"someone else's", on, keys.Sign(Claims{EventID: "ev", UserID: "u2", ExpiresAt: now.Add(time.Minute)}), false},
		{"another event's", on, keys.Sign(Claims{EventID: "ev2", UserID: "u1", ExpiresAt: now.Add(time.Minute)}), false},
		{"expired", on, keys.Sign(Claims{EventID: "ev", UserID: "u1", ExpiresAt: now}), false},
		{"a queue pass is no token", on, keys.SignPass(Pass{EventID: "ev", UserID: "u1"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := g.Admit(tt.room, "u1", "ev", tt.token, now)
			if tt.ok != (err == nil) {
				t.Fatalf("Admit = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !fault.Is(err, fault.AdmissionRequired) {
				t.Fatalf("Admit = %v, want admission_required", err)
			}
		})
	}
}
