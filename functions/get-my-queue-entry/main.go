// Command get-my-queue-entry is GetMyQueueEntryFunction: GET /events/{eventId}/queue/me.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

func main() {
	cfg, err := config.LoadQueue(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	keys, err := waitroom.ParseKeys(cfg.AdmissionKeys)
	if err != nil {
		logging.Fatal("config", err)
	}
	store, err := dynamo.Open(context.Background(), cfg.TableName)
	if err != nil {
		logging.Fatal("dynamodb", err)
	}
	q := api.NewQueue(catalog.NewService(store, time.Now), dynamo.NewQueue(store, 0), keys, cfg.JoinLimit)
	lambda.Start(api.Wrap(api.User, q.Me()))
}
