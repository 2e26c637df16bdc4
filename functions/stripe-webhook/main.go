// Command stripe-webhook is StripeWebhookFunction: POST /payments/stripe/webhook, Stripe's
// payment_intent outcomes -> the booking core, once per event id.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Public, api.StripeWebhook(app.StripeWebhook()))) }
