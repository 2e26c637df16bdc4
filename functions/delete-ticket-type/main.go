// Command delete-ticket-type is DeleteTicketTypeFunction: DELETE /admin/events/{eventId}/ticket-types/{typeId}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.DeleteTicketType(app.TicketTypes()))) }
