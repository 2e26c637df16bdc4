// Command stripe-webhook is StripeWebhookFunction: POST /payments/stripe/webhook, Stripe's
// payment_intent outcomes -> the booking core, once per event id.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bookmyevent/bookmyevent/internal/api"
	bmeconfig "github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/payments/stripe"
	"github.com/bookmyevent/bookmyevent/internal/secrets"
)

func main() {
	cfg, err := bmeconfig.LoadStripe(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	ctx := context.Background()
	secret, err := secrets.Parameter(ctx, cfg.WebhookSecretParam)
	if err != nil {
		logging.Fatal("ssm", err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		logging.Fatal("aws", err)
	}
	// Stripe retries a delivery for three days; a day more covers late ones.
	deliveries := dynamo.NewDeliveries(dynamodb.NewFromConfig(awsCfg), cfg.TableName, dynamo.DeliveriesStripe, 96*time.Hour)
	w := &stripe.Webhook{Secret: secret, Outcomes: stripe.Unwired{}, Deliveries: deliveries}
	lambda.Start(api.Wrap(api.Public, api.StripeWebhook(w)))
}
