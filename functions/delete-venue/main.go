// Command delete-venue is DeleteVenueFunction: DELETE /admin/venues/{venueId}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.DeleteVenue(app.Catalog()))) }
