// Command get-promo-code is GetPromoCodeFunction: GET /admin/events/{eventId}/promo-codes/{code}.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
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
	svc := promo.NewService(store, store, time.Now)
	lambda.Start(api.Wrap(api.Admin, api.GetPromoCode(svc)))
}
