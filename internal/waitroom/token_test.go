package waitroom

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestToken(t *testing.T) {
	keys, err := ParseKeys("k2:new-secret-0123456789, k1:old-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	oldKeys, _ := ParseKeys("k1:old-secret-0123456789")
	otherKeys, _ := ParseKeys("k2:someone-elses-secret")
	now := time.Unix(1_800_000_000, 0).UTC()
	claims := Claims{EventID: "ev-1", UserID: "user.with.dots", ExpiresAt: now.Add(10 * time.Minute)}
	good := keys.Sign(claims)
	parts := strings.Split(good, ".")
	swapUser := strings.Join(append(append([]string{}, parts[:3]...), enc("user-2"), parts[4], parts[5]), ".")
	later := strings.Join(append(append([]string{}, parts[:4]...), "1900000000", parts[5]), ".")
	tests := []struct {
		name        string
		keys        *Keys
		token       string
		event, user string
		now         time.Time
		err         error
	}{
		{"genuine", keys, good, "ev-1", "user.with.dots", now, nil},
		{"signed with the old key, still in the ring", keys, oldKeys.Sign(claims), "ev-1", "user.with.dots", now, nil},
		{"signed with a dropped key", oldKeys, good, "ev-1", "user.with.dots", now, ErrUnknownKey},
		{"same key id, other secret", otherKeys, good, "ev-1", "user.with.dots", now, ErrBadToken},
		{"someone else's token", keys, good, "ev-1", "user-2", now, ErrForeignToken},
		{"another event's token", keys, good, "ev-2", "user.with.dots", now, ErrForeignToken},
		{"user swapped in", keys, swapUser, "ev-1", "user-2", now, ErrBadToken},
		{"expiry pushed back", keys, later, "ev-1", "user.with.dots", now, ErrBadToken},
		{"expired at its expiry", keys, good, "ev-1", "user.with.dots", now.Add(10 * time.Minute), ErrTokenExpired},
		{"truncated", keys, good[:len(good)-3], "ev-1", "user.with.dots", now, ErrBadToken},
		{"wrong prefix", keys, "BMEA0" + good[5:], "ev-1", "user.with.dots", now, ErrBadToken},
		{"garbage", keys, "a.b.c", "ev-1", "user.with.dots", now, ErrBadToken},
		{"absent", keys, "", "ev-1", "user.with.dots", now, ErrNoToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.keys.Verify(tt.token, tt.event, tt.user, tt.now)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Verify err = %v, want %v", err, tt.err)
			}
			if err == nil && (c.EventID != "ev-1" || c.UserID != "user.with.dots" || !c.ExpiresAt.Equal(claims.ExpiresAt)) {
				t.Fatalf("claims %+v", c)
			}
		})
	}
}

func TestParseKeys(t *testing.T) {
	tests := []struct {
		in      string
		current string
		ok      bool
	}{
		{"k1:0123456789abcdef", "k1", true},
		{"k2:0123456789abcdef,k1:fedcba9876543210", "k2", true},
		{"k1:has:colons:0123456789", "k1", true},
		{"", "", false},
		{"k1:short", "", false},
		{"no-secret", "", false},
		{"bad id!:0123456789abcdef", "", false},
		{"k1:0123456789abcdef,k1:fedcba9876543210", "", false},
	}
	for _, tt := range tests {
		k, err := ParseKeys(tt.in)
		if (err == nil) != tt.ok || (tt.ok && k.current != tt.current) {
			t.Errorf("ParseKeys(%q) = %+v, %v", tt.in, k, err)
		}
	}
}

func TestPass(t *testing.T) {
	keys, _ := ParseKeys("k1:0123456789abcdef")
	other, _ := ParseKeys("k1:fedcba9876543210")
	p := Pass{EventID: "ev-1", UserID: "u-1", Entry: Entry{UserID: "u-1", Slot: 1_800_000_000, Draw: 0xfeedface12345678}, Position: 4242}
	good := keys.SignPass(p)
	token := keys.Sign(Claims{EventID: "ev-1", UserID: "u-1", ExpiresAt: time.Unix(1_900_000_000, 0)})
	tests := []struct {
		name        string
		keys        *Keys
		pass        string
		event, user string
		err         error
	}{
		{"genuine", keys, good, "ev-1", "u-1", nil},
		{"other key", other, good, "ev-1", "u-1", ErrBadToken},
		{"someone else's", keys, good, "ev-1", "u-2", ErrForeignToken},
		{"position edited", keys, strings.Replace(good, ".4242.", ".1.", 1), "ev-1", "u-1", ErrBadToken},
		{"an admission token is no pass", keys, token, "ev-1", "u-1", ErrBadToken},
		{"absent", keys, "", "ev-1", "u-1", ErrNoToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keys.VerifyPass(tt.pass, tt.event, tt.user)
			if !errors.Is(err, tt.err) || (err == nil && got != p) {
				t.Fatalf("VerifyPass = %+v, %v; want %+v, %v", got, err, p, tt.err)
			}
		})
	}
	if _, err := keys.Verify(good, "ev-1", "u-1", time.Unix(0, 0)); !errors.Is(err, ErrBadToken) {
		t.Fatalf("a pass accepted as an admission token: %v", err)
	}
}
