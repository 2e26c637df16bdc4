// Command get-event is GetEventFunction: GET /events/{eventId}.
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
	"github.com/bookmyevent/bookmyevent/internal/promo"
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
	svc := catalog.NewService(store, time.Now).WithCodes(promo.Lookup(store, config.DefaultAvailabilityCacheTTL, time.Now))
	lambda.Start(api.Wrap(api.Public, api.GetEvent(svc)))
}
