// Command list-promo-codes is ListPromoCodesFunction: GET /admin/events/{eventId}/promo-codes.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.ListPromoCodes(app.PromoCodes()))) }
