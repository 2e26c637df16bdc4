// Command create-booking is CreateBookingFunction: POST /events/{eventId}/bookings. The sold-out path
// releases lapsed holds and enrols the buyer on the waitlist.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.User, api.CreateBooking(app.OnSale()))) }
