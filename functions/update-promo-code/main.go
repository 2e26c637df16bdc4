// Command update-promo-code is UpdatePromoCodeFunction: PATCH /admin/events/{eventId}/promo-codes/{code}.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(api.Wrap(api.Admin, api.UpdatePromoCode(app.PromoCodes()))) }
