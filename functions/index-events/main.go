// Command index-events is IndexEventsFunction: index queue batches -> OpenSearch.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/indexer"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/search"
)

func main() {
	cfg, err := config.LoadSearch(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(cfg.LogLevel)
	ix, err := search.New(search.Config{URL: cfg.OpenSearchURL, Alias: cfg.Index})
	if err != nil {
		logging.Fatal("opensearch", err)
	}
	lambda.Start(indexer.New(dynamo.EventFromImage, ix).Handle)
}
