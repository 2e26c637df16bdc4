// Command index-events is IndexEventsFunction: index queue batches -> OpenSearch.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/app"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/indexer"
)

func main() {
	// The table: sharded events' documents are made from a fresh read of their shards.
	index, table := app.Reindex()
	lambda.Start(indexer.New(dynamo.EventFromImage, dynamo.ShardEventID, table, index).Handle)
}
