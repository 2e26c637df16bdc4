// Command get-my-queue-entry is GetMyQueueEntryFunction: GET /events/{eventId}/queue/me.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.User, app.Queue().Me())) }
