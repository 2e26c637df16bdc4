// Command create-ticket-type is CreateTicketTypeFunction: POST /admin/events/{eventId}/ticket-types.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.CreateTicketType(app.TicketTypes()))) }
