// Command admit is AdmitFunction: every minute, advance each live waiting room in
// one-second steps until just before the timeout (docs/waiting-room.md §3).
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

func main() {
	cfg, err := config.LoadCatalog(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	store, err := dynamo.Open(context.Background(), cfg.TableName)
	if err != nil {
		logging.Fatal("dynamodb", err)
	}
	queue := dynamo.NewQueue(store, 0)
	lambda.Start(func(ctx context.Context) error {
		owner := "admit"
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			owner = lc.AwsRequestID
		}
		deadline, ok := ctx.Deadline()
		if !ok {
			deadline = time.Now().Add(time.Minute)
		}
		return waitroom.NewAdmitter(queue, owner).Run(ctx, deadline)
	})
}
