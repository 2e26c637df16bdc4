// Command confirm-booking is ConfirmBookingFunction: POST /bookings/{bookingId}/confirm. A confirmed offer
// fulfils its waitlist entry; confirmations are published.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.User, api.ConfirmBooking(app.Payments()))) }
