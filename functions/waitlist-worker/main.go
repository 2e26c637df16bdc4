// Command waitlist-worker is WaitlistWorkerFunction: waitlist queue batches -> offers.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/app"
	"github.com/bookmyevent/bookmyevent/internal/waitqueue"
)

func main() { lambda.Start(waitqueue.Handler(app.Waitlist(), app.Clock)) }
