// Command cancel-event is CancelEventFunction: POST /admin/events/{eventId}/cancel.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.CancelEvent(app.Catalog()))) }
