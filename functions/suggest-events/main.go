// Command suggest-events is SuggestEventsFunction: GET /events/suggest.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Public, api.SuggestEvents(app.Search()))) }
