package api

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/payments/stripe"
)

// StripeWebhook serves POST /payments/stripe/webhook (a public route: Stripe proves who it
// is with the Stripe-Signature header, not a token). A delivery that does not verify is
// 400 and changes nothing; a failure to act is 500 so that Stripe delivers again.
func StripeWebhook(w *stripe.Webhook) Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		body := []byte(r.Event.Body)
		if r.Event.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(r.Event.Body)
			if err != nil {
				return Response{}, fault.New(fault.Validation, "body is not valid base64")
			}
			body = b
		}
		if len(body) > MaxBodyBytes {
			return Response{}, fault.New(fault.PayloadTooLarge, "body is larger than %d bytes", MaxBodyBytes)
		}
		res, err := w.Handle(ctx, body, r.Event.Headers["stripe-signature"])
		if errors.Is(err, stripe.ErrSignature) {
			fe := fault.New(fault.Validation, "Stripe-Signature does not verify")
			fe.Fields = map[string]string{"Stripe-Signature": "missing, malformed, not signed with this endpoint's secret, or too old"}
			return Response{}, fe
		}
		if err != nil {
			return Response{}, err
		}
		return Response{Status: http.StatusOK, Body: map[string]any{"received": true, "result": res}}, nil
	}
}
