// Command admin-list-bookings is AdminListBookingsFunction: GET /admin/events/{eventId}/bookings.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.AdminListBookings(app.Bookings()))) }
