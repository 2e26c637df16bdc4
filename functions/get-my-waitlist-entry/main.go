// Command get-my-waitlist-entry is GetMyWaitlistEntryFunction: GET /events/{eventId}/waitlist/me.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.User, api.MyWaitlistEntry(app.Waitlist()))) }
