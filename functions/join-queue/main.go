// Command join-queue is JoinQueueFunction: POST /events/{eventId}/queue.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.User, app.Queue().Join())) }
