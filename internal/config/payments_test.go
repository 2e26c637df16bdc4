package config

import "testing"

func TestLoadStripeAndNotifier(t *testing.T) {
	env := func(kv map[string]string) Getenv {
		return func(k string) string {
			switch k {
			case "TABLE_NAME":
				return "t"
			case "TICKET_SIGNING_KEY":
				return "a-key-of-sixteen-chars"
			}
			return kv[k]
		}
	}
	stripe := map[string]string{"STRIPE_API_BASE": "http://127.0.0.1:12111", "STRIPE_SECRET_KEY_PARAM": "/k", "STRIPE_WEBHOOK_SECRET_PARAM": "/w"}
	cases := []struct {
		name string
		edit func(map[string]string)
		ok   bool
	}{
		{"complete", func(map[string]string) {}, true},
		{"no base", func(m map[string]string) { delete(m, "STRIPE_API_BASE") }, false},
		{"base not a URL", func(m map[string]string) { m["STRIPE_API_BASE"] = "api.stripe.com" }, false},
		{"no secret key", func(m map[string]string) { delete(m, "STRIPE_SECRET_KEY_PARAM") }, false},
		{"unknown provider", func(m map[string]string) { m["PAYMENT_PROVIDER"] = "paypal" }, false},
		{"simulated needs no Stripe", func(m map[string]string) { clear(m); m["PAYMENT_PROVIDER"] = "simulated" }, true},
	}
	for _, c := range cases {
		m := map[string]string{}
		for k, v := range stripe {
			m[k] = v
		}
		c.edit(m)
		if _, err := LoadStripe(env(m)); (err == nil) != c.ok {
			t.Errorf("LoadStripe %s: err = %v", c.name, err)
		}
	}
	webhook := []struct {
		name string
		edit func(map[string]string)
		ok   bool
	}{
		{"complete", func(map[string]string) {}, true},
		{"no webhook secret", func(m map[string]string) { delete(m, "STRIPE_WEBHOOK_SECRET_PARAM") }, false},
		{"simulated", func(m map[string]string) { m["PAYMENT_PROVIDER"] = "simulated" }, false},
	}
	for _, c := range webhook {
		m := map[string]string{}
		for k, v := range stripe {
			m[k] = v
		}
		c.edit(m)
		if _, err := LoadStripeWebhook(env(m)); (err == nil) != c.ok {
			t.Errorf("LoadStripeWebhook %s: err = %v", c.name, err)
		}
	}
	for from, ok := range map[string]bool{"BookMyEvent <tickets@x.example>": true, "tickets@x.example": true, "": false, "nobody": false} {
		if _, err := LoadNotifier(env(map[string]string{"MAIL_FROM": from})); (err == nil) != ok {
			t.Errorf("LoadNotifier MAIL_FROM %q: err = %v", from, err)
		}
	}
}
