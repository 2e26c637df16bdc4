// Command check-in is CheckInFunction: POST /admin/events/{eventId}/checkins.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.CheckIn(app.Tickets()))) }
