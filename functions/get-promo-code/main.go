// Command get-promo-code is GetPromoCodeFunction: GET /admin/events/{eventId}/promo-codes/{code}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.GetPromoCode(app.PromoCodes()))) }
