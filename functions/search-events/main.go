// Command search-events is SearchEventsFunction: GET /events/search.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Public, api.SearchEvents(app.Search()))) }
