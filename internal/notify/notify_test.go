package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/logging"
)

func TestLogHashesTheUserID(t *testing.T) {
	var buf bytes.Buffer
	saved := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(saved) })

	detail := map[string]any{"booking_id": "b1", "user_id": "alice-sub"}
	_ = Log{}.Publish(context.Background(), Event{Type: BookingConfirmed, At: time.Unix(0, 0), Detail: detail})

	line := buf.String()
	if strings.Contains(line, "alice-sub") || !strings.Contains(line, logging.HashUser("alice-sub")) || !strings.Contains(line, `"booking_id":"b1"`) {
		t.Errorf("log line: %s", line)
	}
	if detail["user_id"] != "alice-sub" {
		t.Errorf("the event's own detail changed: %v", detail)
	}
}
