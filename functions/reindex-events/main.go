// Command reindex-events is ReindexEventsFunction: POST /admin/search/reindex.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/search"
)

func main() {
	cfg, err := config.LoadSearch(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	store, err := dynamo.Open(context.Background(), cfg.TableName)
	if err != nil {
		logging.Fatal("dynamodb", err)
	}
	ix, err := search.New(search.Config{URL: cfg.OpenSearchURL, Alias: cfg.Index})
	if err != nil {
		logging.Fatal("opensearch", err)
	}
	lambda.Start(api.Wrap(api.Admin, api.ReindexEvents(ix, store)))
}
