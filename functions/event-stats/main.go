// Command event-stats is EventStatsFunction: GET /admin/events/{eventId}/stats.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
)

func main() {
	cfg, err := config.LoadBooking(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	store, ledger, err := dynamo.OpenBookings(context.Background(), cfg.TableName)
	if err != nil {
		logging.Fatal("dynamodb", err)
	}
	signer, err := tickets.NewSigner(cfg.TicketKey)
	if err != nil {
		logging.Fatal("tickets", err)
	}
	svc := booking.NewService(store, payments.NewSimulated(ledger), signer, booking.NewEventCache(store, cfg.EventCacheTTL),
		booking.Config{HoldFor: cfg.HoldFor, RateLimit: cfg.RateLimit})
	lambda.Start(api.Wrap(api.Admin, api.EventStats(svc)))
}
