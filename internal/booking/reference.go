package booking

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"strings"
)

// alphabet has no characters a person confuses when reading a reference aloud or off a
// screen (no 0/O, 1/I/L, U/V).
const alphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

// idLength gives 26 symbols of log2(29) ≈ 4.86 bits: about 126 random bits, so two ids
// colliding is astronomically unlikely (the store's attribute_not_exists makes it impossible).
const idLength = 26

// referenceLength is the human-facing part; its uniqueness is enforced by the store (a
// reference item put with attribute_not_exists), not by luck.
const referenceLength = 6

// NewID draws a booking id and its reference from one crypto/rand draw: the reference is
// the id's first symbols, so a support agent can match one to the other by eye.
func NewID() (id, reference string) {
	s := randomSymbols(idLength)
	return strings.ToLower(s), "BME-" + s[:referenceLength]
}

// DerivedID is the id of the booking a user's reservation under an Idempotency-Key
// creates: the same user and key always name the same booking, so the booking item is
// its own idempotency record (its put's attribute_not_exists is the replay check, and no
// separate record is written). The reference is still drawn at random (NewID), so it
// says nothing about the key.
func DerivedID(userID, key string) string {
	const limit = 256 - 256%len(alphabet)
	out := make([]byte, 0, idLength)
	for block := uint32(0); len(out) < idLength; block++ {
		h := sha256.New()
		h.Write([]byte("booking-id\x00" + userID + "\x00" + key + "\x00"))
		_ = binary.Write(h, binary.BigEndian, block)
		for _, c := range h.Sum(nil) {
			if int(c) < limit && len(out) < idLength {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return strings.ToLower(string(out))
}

func randomSymbols(n int) string {
	// Rejection sampling keeps every symbol equally likely: bytes >= 232 (8 * 29) would
	// bias the first symbols if folded with %.
	const limit = 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// ValidID reports whether s could be a booking id; anything else is a 404 without a read.
func ValidID(s string) bool {
	if len(s) != idLength {
		return false
	}
	for _, c := range strings.ToUpper(s) {
		if !strings.ContainsRune(alphabet, c) {
			return false
		}
	}
	return true
}
