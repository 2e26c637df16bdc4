package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
)

func TestReservationOutcome(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "held"},
		{fault.New(fault.SoldOut, "gone"), "sold_out"},
		{fault.New(fault.SoldOut, "gone").With("waitlist", "x"), "waitlisted"},
		{fault.New(fault.RateLimited, "slow"), "rate_limited"},
		{fault.New(fault.LimitExceeded, "max"), "limit_exceeded"},
		{fault.New(fault.NotOnSale, "draft"), "not_on_sale"},
		{fault.New(fault.AdmissionRequired, "no token"), "admission_required"},
		{fault.New(fault.Unavailable, "contention"), "conflict"},
		{fault.New(fault.Validation, "bad"), "invalid"},
		{fault.New(fault.NotFound, "no"), "invalid"},
		{fault.New(fault.Internal, "boom"), "error"},
		{errors.New("raw"), "error"},
	}
	for _, tt := range tests {
		if got := ReservationOutcome(tt.err); got != tt.want {
			t.Errorf("ReservationOutcome(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// A reservation with a bad body is counted once as invalid, and its log line carries the
// event, the outcome and the hashed user, never the bearer token.
func TestCreateBookingEmitsOutcomeMetricAndLogLine(t *testing.T) {
	var emf, logs bytes.Buffer
	saved, savedLog := recorder, slog.Default()
	recorder = metrics.New(&emf, "create-booking")
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, nil)))
	t.Cleanup(func() { recorder = saved; slog.SetDefault(savedLog) })

	ev := events.APIGatewayV2HTTPRequest{
		RouteKey:       "POST /events/{eventId}/bookings",
		PathParameters: map[string]string{"eventId": "ev1"},
		Headers:        map[string]string{"authorization": "Bearer secret-token"},
		Body:           `{"quantity": "two"}`,
	}
	ev.RequestContext.RequestID = "req-1"
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "alice"}}}
	out, _ := Wrap(User, CreateBooking(nil))(context.Background(), ev)
	if out.StatusCode != 400 {
		t.Fatalf("status = %d, body %s", out.StatusCode, out.Body)
	}

	recs := metrics.Parse(bytes.TrimSpace(emf.Bytes()))
	if len(recs) != 1 || recs[0].Name != "Reservations" || recs[0].Value != 1 || recs[0].Dims["Outcome"] != "invalid" {
		t.Fatalf("metrics = %+v from %q", recs, emf.String())
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	for k, want := range map[string]any{"request_id": "req-1", "event_id": "ev1", "outcome": "invalid", "status": 400.0, "user": HashUser("alice")} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v", k, line[k], want)
		}
	}
	if strings.Contains(logs.String(), "secret-token") || strings.Contains(logs.String(), `"alice"`) {
		t.Errorf("log leaks the token or the raw user id: %s", logs.String())
	}
}
