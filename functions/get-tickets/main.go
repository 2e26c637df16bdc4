// Command get-tickets is GetTicketsFunction: GET /bookings/{bookingId}/tickets.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/waitapp"
)

func main() {
	cfg, err := config.LoadBooking(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	svc, err := waitapp.OpenBookings(context.Background(), cfg)
	if err != nil {
		logging.Fatal("aws", err)
	}
	lambda.Start(api.Wrap(api.User, api.GetTickets(svc)))
}
