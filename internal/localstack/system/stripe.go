package system

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"

	"github.com/bookmyevent/bookmyevent/internal/localstack/stripemock"
)

// stripeParam is the template parameter the payment functions read STRIPE_API_BASE from.
const stripeParam = "StripeApiBase"

// startStripe points the template's StripeApiBase at stripe-mock: the one the caller
// named (--param), the one local exec runs (BME_STRIPE_URL), or a new one that lives as
// long as the stack.
func (sys *System) startStripe(ctx context.Context, opts *Options, out io.Writer) error {
	params := maps.Clone(opts.Params)
	if params == nil {
		params = map[string]string{}
	}
	opts.Params = params
	if params[stripeParam] != "" {
		return nil
	}
	url := os.Getenv(stripemock.EnvURL)
	if url == "" {
		s, err := stripemock.Start(ctx, stripemock.Options{Log: io.Discard})
		if err != nil {
			return err
		}
		sys.stops = append(sys.stops, s.Stop)
		url = s.URL
		fmt.Fprintf(out, "local: stripe-mock %s at %s\n", stripemock.Version, url)
	}
	params[stripeParam] = url
	return nil
}
