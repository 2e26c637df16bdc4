// Command leave-waitlist is LeaveWaitlistFunction: DELETE /events/{eventId}/waitlist/me.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.User, api.LeaveWaitlist(app.Waitlist()))) }
