package mail_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

func b64(t *testing.T, data []byte) []byte {
	t.Helper()
	out, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
