// Command sweep-holds is SweepHoldsFunction: every minute, expire due holds now and again
// 30 seconds later.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/app"
	"github.com/bookmyevent/bookmyevent/internal/expiry"
	"github.com/bookmyevent/bookmyevent/internal/expiry/scheduled"
)

func main() { lambda.Start(scheduled.Handler(app.Sweeper(), expiry.EveryHalfMinute, app.Clock)) }
