package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// Stripe is what a function talking to Stripe needs. The keys themselves stay in SSM:
// the function gets their parameter names and reads the values at start.
type Stripe struct {
	Catalog
	APIBase            string // STRIPE_API_BASE: Stripe's API, or stripe-mock locally
	SecretKeyParam     string // STRIPE_SECRET_KEY_PARAM, required
	WebhookSecretParam string // STRIPE_WEBHOOK_SECRET_PARAM, required
}

// LoadStripe reads the catalogue settings and the Stripe variables.
func LoadStripe(getenv Getenv) (Stripe, error) {
	c, err := LoadCatalog(getenv)
	if err != nil {
		return Stripe{}, err
	}
	s := Stripe{Catalog: c, APIBase: strings.TrimSpace(getenv("STRIPE_API_BASE")),
		SecretKeyParam: getenv("STRIPE_SECRET_KEY_PARAM"), WebhookSecretParam: getenv("STRIPE_WEBHOOK_SECRET_PARAM")}
	if u, err := url.Parse(s.APIBase); s.APIBase == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Stripe{}, fmt.Errorf("STRIPE_API_BASE %q: want http(s)://host[:port] (template parameter StripeApiBase)", s.APIBase)
	}
	if s.SecretKeyParam == "" || s.WebhookSecretParam == "" {
		return Stripe{}, fmt.Errorf("STRIPE_SECRET_KEY_PARAM and STRIPE_WEBHOOK_SECRET_PARAM are required")
	}
	return s, nil
}

// Notifier is what the notifier needs.
type Notifier struct {
	Catalog
	From       string // MAIL_FROM, required: the verified SES identity, "Name <addr>" or addr
	ConfirmURL string // CONFIRM_URL: an offer's link, {booking_id} replaced
}

// LoadNotifier reads the catalogue settings and the mail variables.
func LoadNotifier(getenv Getenv) (Notifier, error) {
	c, err := LoadCatalog(getenv)
	if err != nil {
		return Notifier{}, err
	}
	n := Notifier{Catalog: c, From: strings.TrimSpace(getenv("MAIL_FROM")), ConfirmURL: getenv("CONFIRM_URL")}
	if _, err := mail.ParseAddress(n.From); err != nil {
		return Notifier{}, fmt.Errorf("MAIL_FROM %q: want an address (template parameter MailFromAddress): %v", n.From, err)
	}
	return n, nil
}
