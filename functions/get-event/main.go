// Command get-event is GetEventFunction: GET /events/{eventId}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Public, api.GetEvent(app.Catalog()))) }
