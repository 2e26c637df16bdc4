// Command admin-cancel-booking is AdminCancelBookingFunction: POST /admin/bookings/{bookingId}/cancel.
// An organiser cancels any buyer's booking, refunded in full or by the event's policy.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.AdminCancelBooking(app.Payments()))) }
