package sources

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

func TestExpressionNext(t *testing.T) {
	start := time.Date(2026, 11, 26, 3, 30, 15, 0, time.UTC)
	for _, tc := range []struct {
		expr string
		now  time.Time
		want time.Time
	}{
		{"rate(1 minute)", start, start.Add(time.Minute)},
		{"rate(5 minutes)", start.Add(7 * time.Minute), start.Add(10 * time.Minute)},
		{"rate(2 hours)", start, start.Add(2 * time.Hour)},
		{"cron(0/15 * * * ? *)", start, time.Date(2026, 11, 26, 3, 45, 0, 0, time.UTC)},
		{"cron(0 12 * * ? *)", start, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)},
		{"cron(0 8 ? * MON-FRI *)", start, time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)}, // a Thursday
		{"cron(0 8 ? * SAT *)", start, time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)},
		{"cron(30 1 1 JAN ? *)", start, time.Date(2027, 1, 1, 1, 30, 0, 0, time.UTC)},
		{"cron(0 0 29 FEB ? 2028)", start, time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
	} {
		e, err := ParseExpression(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := e.Next(start, tc.now); !got.Equal(tc.want) {
			t.Errorf("%s after %s = %s, want %s", tc.expr, tc.now, got, tc.want)
		}
	}
}

func TestExpressionRejects(t *testing.T) {
	for _, s := range []string{"rate(0 minutes)", "rate(1 minutes)", "rate(2 minute)", "rate(5 weeks)", "cron(* * * * *)",
		"cron(0 12 * * MON *)", "cron(0 12 L * ? *)", "cron(61 * * * ? *)", "every 5 minutes"} {
		if _, err := ParseExpression(s); err == nil {
			t.Errorf("%s: no error", s)
		}
	}
}

func TestScheduledEventShape(t *testing.T) {
	s := &Schedule{Rule: template.ScheduleEvent{RuleName: "bme-Sweep", Expression: "rate(1 minute)"}}
	at := time.Date(2026, 11, 26, 3, 31, 0, 0, time.UTC)
	b, err := s.Payload(at)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || !ev.Time.Equal(at) || ev.Region != template.Region ||
		len(ev.Resources) != 1 || ev.Resources[0] != template.ARN("events", "rule/bme-Sweep") || string(ev.Detail) != "{}" || ev.ID == "" {
		t.Errorf("event = %+v", ev)
	}
	s.Rule.Input = `{"mode":"full"}`
	if b, _ := s.Payload(at); string(b) != `{"mode":"full"}` {
		t.Errorf("with Input: %s", b)
	}
}
