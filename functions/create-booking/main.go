// Command create-booking is CreateBookingFunction: POST /events/{eventId}/bookings. The sold-out path
// releases lapsed holds and enrols the buyer on the waitlist.
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
	cfg, err := config.LoadWaitlist(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	app, err := waitapp.Open(context.Background(), cfg)
	if err != nil {
		logging.Fatal("aws", err)
	}
	lambda.Start(api.Wrap(api.User, api.CreateBooking(app.Bookings)))
}
