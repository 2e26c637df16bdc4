package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// Payment providers PAYMENT_PROVIDER names.
const (
	ProviderStripe    = "stripe"
	ProviderSimulated = "simulated"
)

// Stripe is what a function that charges or refunds needs: the booking settings plus the
// provider. The keys themselves stay in SSM: the function gets their parameter names and
// reads the values at start.
type Stripe struct {
	Waitlist
	// Provider is PAYMENT_PROVIDER: stripe (the default) or simulated, an explicit choice
	// for tests and demos that must not need Stripe.
	Provider       string
	APIBase        string // STRIPE_API_BASE: Stripe's API, or stripe-mock locally
	SecretKeyParam string // STRIPE_SECRET_KEY_PARAM, required for stripe
	// WebhookSecretParam is STRIPE_WEBHOOK_SECRET_PARAM, required by the webhook only
	// (LoadStripeWebhook).
	WebhookSecretParam string
}

// LoadStripe reads the booking settings and the payment provider's.
func LoadStripe(getenv Getenv) (Stripe, error) {
	w, err := LoadWaitlist(getenv)
	if err != nil {
		return Stripe{}, err
	}
	s := Stripe{Waitlist: w, Provider: strings.TrimSpace(getenv("PAYMENT_PROVIDER")), APIBase: strings.TrimSpace(getenv("STRIPE_API_BASE")),
		SecretKeyParam: getenv("STRIPE_SECRET_KEY_PARAM"), WebhookSecretParam: getenv("STRIPE_WEBHOOK_SECRET_PARAM")}
	switch s.Provider {
	case "":
		s.Provider = ProviderStripe
	case ProviderStripe, ProviderSimulated:
	default:
		return Stripe{}, fmt.Errorf("PAYMENT_PROVIDER %q: want stripe or simulated", s.Provider)
	}
	if s.Provider == ProviderSimulated {
		return s, nil
	}
	if u, err := url.Parse(s.APIBase); s.APIBase == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Stripe{}, fmt.Errorf("STRIPE_API_BASE %q: want http(s)://host[:port] (template parameter StripeApiBase)", s.APIBase)
	}
	if s.SecretKeyParam == "" {
		return Stripe{}, fmt.Errorf("STRIPE_SECRET_KEY_PARAM is required with PAYMENT_PROVIDER=stripe")
	}
	return s, nil
}

// LoadStripeWebhook is LoadStripe for the webhook, which also needs the signing secret
// and, since it only ever hears from Stripe, the stripe provider.
func LoadStripeWebhook(getenv Getenv) (Stripe, error) {
	s, err := LoadStripe(getenv)
	if err != nil {
		return Stripe{}, err
	}
	if s.Provider != ProviderStripe {
		return Stripe{}, fmt.Errorf("PAYMENT_PROVIDER %q: the Stripe webhook needs stripe", s.Provider)
	}
	if s.WebhookSecretParam == "" {
		return Stripe{}, fmt.Errorf("STRIPE_WEBHOOK_SECRET_PARAM is required")
	}
	return s, nil
}

// Notifier is what the notifier needs.
type Notifier struct {
	Tickets
	From       string // MAIL_FROM, required: the verified SES identity, "Name <addr>" or addr
	ConfirmURL string // CONFIRM_URL: an offer's link, {booking_id} replaced
}

// LoadNotifier reads the ticket settings (the mail carries signed ticket codes) and the
// mail variables.
func LoadNotifier(getenv Getenv) (Notifier, error) {
	t, err := LoadTickets(getenv)
	if err != nil {
		return Notifier{}, err
	}
	n := Notifier{Tickets: t, From: strings.TrimSpace(getenv("MAIL_FROM")), ConfirmURL: getenv("CONFIRM_URL")}
	if _, err := mail.ParseAddress(n.From); err != nil {
		return Notifier{}, fmt.Errorf("MAIL_FROM %q: want an address (template parameter MailFromAddress): %v", n.From, err)
	}
	return n, nil
}
