package waitroom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Prefixes version the formats, and keep a queue pass from ever passing for an
// admission token.
const (
	tokenPrefix = "BMEA1"
	passPrefix  = "BMEQ1"
)

// MinKeyLen is the shortest signing key accepted (bytes): 128 bits of secret.
const MinKeyLen = 16

// Why a token is refused. Every one of them is a 403 admission_required to the client;
// they are told apart for logs and metrics only.
var (
	ErrNoToken      = errors.New("waitroom: no admission token")
	ErrBadToken     = errors.New("waitroom: admission token malformed or forged")
	ErrUnknownKey   = errors.New("waitroom: admission token signed with an unknown key")
	ErrForeignToken = errors.New("waitroom: admission token is for another user or event")
	ErrTokenExpired = errors.New("waitroom: admission token expired")
	ErrNoKeys       = errors.New("waitroom: no admission signing key")
)

// Claims is what an admission token says.
type Claims struct {
	EventID   string
	UserID    string
	ExpiresAt time.Time // whole seconds
	KeyID     string
}

// Keys signs with the current key and verifies with any key of the ring, so a key is
// rotated by adding the new one in front (new tokens) and dropping the old one after the
// longest TTL (old tokens still verify until then).
type Keys struct {
	current string
	ring    map[string][]byte
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,16}$`)

// ParseKeys reads a key ring as stored in SSM: "kid:secret[,kid:secret...]", the first
// one signs.
func ParseKeys(s string) (*Keys, error) {
	k := &Keys{ring: map[string][]byte{}}
	for _, part := range strings.Split(s, ",") {
		id, secret, ok := strings.Cut(strings.TrimSpace(part), ":")
		switch {
		case !ok && strings.TrimSpace(part) == "":
			continue
		case !ok || !keyIDPattern.MatchString(id):
			return nil, errors.New("waitroom: key ring entries are kid:secret, kid of 1-16 letters, digits, - or _")
		case len(secret) < MinKeyLen:
			return nil, errors.New("waitroom: key " + id + " is shorter than 16 bytes")
		case k.ring[id] != nil:
			return nil, errors.New("waitroom: key " + id + " appears twice")
		}
		k.ring[id] = []byte(secret)
		if k.current == "" {
			k.current = id
		}
	}
	if k.current == "" {
		return nil, ErrNoKeys
	}
	return k, nil
}

// Sign returns the token for c, signed with the current key. The format is
// BMEA1.<kid>.<b64 event>.<b64 user>.<expiry unix>.<b64 HMAC-SHA256>: ids are encoded
// so no id can shift the fields.
func (k *Keys) Sign(c Claims) string {
	return k.seal(tokenPrefix, enc(c.EventID), enc(c.UserID), strconv.FormatInt(c.ExpiresAt.Unix(), 10))
}

// Verify checks a token for a reservation of userID on eventID at now. Only a token
// whose MAC matches under a key of the ring, naming this user and this event, before its
// expiry, passes.
func (k *Keys) Verify(token, eventID, userID string, now time.Time) (Claims, error) {
	if token == "" {
		return Claims{}, ErrNoToken
	}
	kid, f, err := k.open(tokenPrefix, token, 3)
	if err != nil {
		return Claims{}, err
	}
	ev, err1 := dec(f[0])
	user, err2 := dec(f[1])
	exp, err3 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return Claims{}, ErrBadToken // signed by us, so only a bug gets here
	}
	c := Claims{EventID: ev, UserID: user, ExpiresAt: time.Unix(exp, 0).UTC(), KeyID: kid}
	switch {
	case ev != eventID || user != userID:
		return c, ErrForeignToken
	case !now.Before(c.ExpiresAt):
		return c, ErrTokenExpired
	}
	return c, nil
}

// Pass is what a waiting client carries between polls (X-Queue-Pass): its entry's slot
// and draw, and its position once the slot is sealed. With it, queue/me answers from the
// pass and the cached serving state without reading the entry; a pass grants nothing
// else, so it never expires.
type Pass struct {
	EventID  string
	UserID   string
	Entry    Entry
	Position int64
}

// SignPass returns the pass p, signed with the current key.
func (k *Keys) SignPass(p Pass) string {
	return k.seal(passPrefix, enc(p.EventID), enc(p.UserID), strconv.FormatInt(p.Entry.Slot, 10),
		strconv.FormatUint(p.Entry.Draw, 16), strconv.FormatInt(p.Position, 10))
}

// VerifyPass checks a pass for userID on eventID.
func (k *Keys) VerifyPass(pass, eventID, userID string) (Pass, error) {
	if pass == "" {
		return Pass{}, ErrNoToken
	}
	_, f, err := k.open(passPrefix, pass, 5)
	if err != nil {
		return Pass{}, err
	}
	ev, err1 := dec(f[0])
	user, err2 := dec(f[1])
	slot, err3 := strconv.ParseInt(f[2], 10, 64)
	draw, err4 := strconv.ParseUint(f[3], 16, 64)
	pos, err5 := strconv.ParseInt(f[4], 10, 64)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return Pass{}, ErrBadToken
	}
	if ev != eventID || user != userID {
		return Pass{}, ErrForeignToken
	}
	return Pass{EventID: ev, UserID: user, Entry: Entry{UserID: user, Slot: slot, Draw: draw}, Position: pos}, nil
}

func (k *Keys) seal(prefix string, fields ...string) string {
	body := strings.Join(append([]string{prefix, k.current}, fields...), ".")
	return body + "." + mac(k.ring[k.current], body)
}

// open checks the MAC (in constant time) of a sealed string with n fields and returns
// the key id and the fields.
func (k *Keys) open(prefix, s string, n int) (kid string, fields []string, err error) {
	parts := strings.Split(s, ".")
	if len(parts) != n+3 || parts[0] != prefix {
		return "", nil, ErrBadToken
	}
	key := k.ring[parts[1]]
	if key == nil {
		return "", nil, ErrUnknownKey
	}
	body := strings.Join(parts[:n+2], ".")
	if !hmac.Equal([]byte(parts[n+2]), []byte(mac(key, body))) {
		return "", nil, ErrBadToken
	}
	return parts[1], parts[2 : n+2], nil
}

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func dec(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
}

func mac(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
