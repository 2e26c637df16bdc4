// Command cancel-booking is CancelBookingFunction: POST /bookings/{bookingId}/cancel. Freed seats go to
// the waitlist first when anyone waits (the worker is nudged).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.User, api.CancelBooking(app.Payments()))) }
