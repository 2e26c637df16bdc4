// Command suggest-events is SuggestEventsFunction: GET /events/suggest.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/config"
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
	lambda.Start(api.Wrap(api.Public, api.SuggestEvents(ix)))
}
