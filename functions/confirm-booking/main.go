// Command confirm-booking is ConfirmBookingFunction: POST /bookings/{bookingId}/confirm. A confirmed offer
// fulfils its waitlist entry; confirmations are published.
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
	lambda.Start(api.Wrap(api.User, api.ConfirmBooking(app.Bookings)))
}
