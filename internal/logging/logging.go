// Package logging sets up the process-wide slog logger every function uses: JSON lines on
// stdout, which Lambda ships to CloudWatch Logs as they are.
package logging

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
)

// Setup makes the default slog logger write JSON at level and above.
func Setup(level slog.Level) {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level})))
}

// Fatal logs why a function cannot start and exits; Lambda reports it as an init error.
func Fatal(msg string, err error) {
	slog.Error(msg, "error", err.Error())
	os.Exit(1)
}

// HashUser gives a stable, non-reversible label for a user id, so logs never hold the id
// while an operator can still group lines by user.
func HashUser(id string) string {
	sum := sha256.Sum256([]byte("bme-log:" + id))
	return hex.EncodeToString(sum[:6])
}
