// Command waitlist-worker is WaitlistWorkerFunction: waitlist queue batches -> offers.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/waitapp"
	"github.com/bookmyevent/bookmyevent/internal/waitqueue"
)

func main() {
	cfg, err := config.LoadWaitlist(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	app, err := waitapp.Open(context.Background(), cfg)
	if err != nil {
		logging.Fatal("aws", err)
	}
	lambda.Start(waitqueue.Handler(app.Waitlist, app.Clock))
}
