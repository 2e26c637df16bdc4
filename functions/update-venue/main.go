// Command update-venue is UpdateVenueFunction: PATCH /admin/venues/{venueId}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.UpdateVenue(app.Catalog()))) }
