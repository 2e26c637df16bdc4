// Command get-availability is GetAvailabilityFunction: GET /events/{eventId}/availability.
// The cache lives as long as the execution environment, so warm invocations within the
// TTL cost no DynamoDB read.
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
	cfg, err := config.LoadAvailability(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	store, err := dynamo.Open(context.Background(), cfg.TableName)
	if err != nil {
		logging.Fatal("dynamodb", err)
	}
	reader := catalog.NewAvailabilityReader(store, cfg.CacheTTL, time.Now).WithCodes(promo.Lookup(store, cfg.CacheTTL, time.Now))
	lambda.Start(api.Wrap(api.Public, api.GetAvailability(reader, cfg.CacheTTL)))
}
