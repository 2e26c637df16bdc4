package tickets

import (
	"strings"
	"testing"
)

func TestIssueAndVerify(t *testing.T) {
	s, err := NewSigner("k1")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner("k2")
	ts := s.Issue("ev1", "bk1", 3)
	if len(ts) != 3 || ts[2].Seat != 3 || ts[2].TicketID != "bk1-3" {
		t.Fatalf("issued %+v", ts)
	}
	good := ts[1].Code
	tampered := strings.Replace(good, ".bk1.", ".bk2.", 1)
	cases := []struct {
		name   string
		signer *Signer
		code   string
		ok     bool
	}{
		{"genuine", s, good, true},
		{"other key", other, good, false},
		{"tampered booking", s, tampered, false},
		{"truncated", s, good[:len(good)-2], false},
		{"garbage", s, "hello", false},
		{"empty", s, "", false},
		{"wrong prefix", s, "BME0" + good[4:], false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.signer.Verify(c.code)
			if ok != c.ok {
				t.Fatalf("Verify ok=%v, want %v", ok, c.ok)
			}
			if ok && (got.EventID != "ev1" || got.BookingID != "bk1" || got.Seat != 2 || got.TicketID != "bk1-2") {
				t.Fatalf("Verify = %+v", got)
			}
		})
	}
}

func TestNoKey(t *testing.T) {
	if _, err := NewSigner(""); err != ErrNoKey {
		t.Fatalf("err = %v", err)
	}
}
