package sources

import (
	"crypto/rand"
	"encoding/hex"
)

// runtimeID returns a random UUID-shaped id, as EventBridge event ids are.
func runtimeID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
