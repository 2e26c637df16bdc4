// Command admin-list-waitlist is AdminListWaitlistFunction: GET /admin/events/{eventId}/waitlist.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.AdminListWaitlist(app.Waitlist()))) }
