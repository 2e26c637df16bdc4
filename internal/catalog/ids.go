package catalog

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
)

var idPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidID reports whether s has the shape of the ids this package makes. Handlers check
// path ids with it, so a malformed id is a 404 and never reaches the table.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// NewID returns a random UUIDv4.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// idNamespace makes the derived ids of this product disjoint from other UUIDv5 users.
var idNamespace = []byte("bookmyevent:catalog:")

// DerivedID returns a UUIDv5-style id that is a function of (kind, caller, idempotency key):
// a retried create computes the same id, so the conditional put finds the first attempt's
// item instead of making a second one.
func DerivedID(kind, caller, key string) string {
	h := sha1.New()
	h.Write(idNamespace)
	// Length prefixes keep ("a","bc") and ("ab","c") apart.
	fmt.Fprintf(h, "%d:%s|%d:%s|%d:%s", len(kind), kind, len(caller), caller, len(key), key)
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// RequestHash fingerprints a create request's body, so a repeated Idempotency-Key with a
// different body can be told apart from an honest retry.
func RequestHash(kind string, input any) string {
	b, err := json.Marshal(input)
	if err != nil {
		// Inputs are plain structs decoded from JSON; they always marshal.
		panic(fmt.Sprintf("catalog: request hash: %v", err))
	}
	sum := sha256.Sum256(append([]byte(kind+"\x00"), b...))
	return hex.EncodeToString(sum[:])
}
