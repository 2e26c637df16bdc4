// Command get-availability is GetAvailabilityFunction: GET /events/{eventId}/availability.
// The cache lives as long as the execution environment, so warm invocations within the
// TTL cost no DynamoDB read.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Public, api.GetAvailability(app.Availability()))) }
