// Command notifier is NotifierFunction: NotifierQueue (domain events from the bus) ->
// one mail per event through SES.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(app.Notifier().Handle) }
