// Command notifier is NotifierFunction: NotifierQueue (domain events from the bus) ->
// one mail per event through SES.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	bmeconfig "github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/mail"
	"github.com/bookmyevent/bookmyevent/internal/notifier"
)

func main() {
	cfg, err := bmeconfig.LoadNotifier(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logging.Fatal("aws", err)
	}
	n := &notifier.Notifier{
		Directory:  notifier.NoAddresses{},
		Sender:     &mail.SES{Client: sesv2.NewFromConfig(awsCfg), From: cfg.From},
		Deliveries: dynamo.NewDeliveries(dynamodb.NewFromConfig(awsCfg), cfg.TableName, dynamo.DeliveriesMail, 30*24*time.Hour),
		From:       cfg.From,
		ConfirmURL: cfg.ConfirmURL,
	}
	lambda.Start(n.Handle)
}
