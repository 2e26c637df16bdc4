// Command list-my-bookings is ListMyBookingsFunction: GET /me/bookings.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.User, api.ListMyBookings(app.Bookings()))) }
