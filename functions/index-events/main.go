// Command index-events is IndexEventsFunction: index queue batches -> OpenSearch.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/app"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/indexer"
)

func main() { lambda.Start(indexer.New(dynamo.EventFromImage, app.Search()).Handle) }
