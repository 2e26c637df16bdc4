package stripemock

import (
	"context"
	"io"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/localstack/child"
)

var shared child.ForTest

// ForTest returns the base URL of a stripe-mock front for tests: BME_STRIPE_URL when
// cmd/local exec set it, else one started per test binary and killed with it.
func ForTest(t testing.TB) string {
	t.Helper()
	return shared.URL(t, "stripe-mock", EnvURL, []string{"stripe-mock"}, func(log io.Writer) (string, error) {
		s, err := Start(context.Background(), Options{Log: log})
		if err != nil {
			return "", err
		}
		return s.URL, nil
	})
}
