package booking

import "context"

type buyerEmailKey struct{}

// WithBuyerEmail carries the buyer's address (the identity token's email claim) to the
// reservation, which stores it on the hold for the mails about it, and to a waitlist
// join, which stores it on the entry for the offer's hold. It travels in the
// context rather than the reservation's arguments because it is the caller's identity,
// like the user id the authorizer vouched for, not part of what is reserved.
func WithBuyerEmail(ctx context.Context, email string) context.Context {
	if email == "" {
		return ctx
	}
	return context.WithValue(ctx, buyerEmailKey{}, email)
}

// BuyerEmail is the address WithBuyerEmail carried, empty without one.
func BuyerEmail(ctx context.Context) string {
	e, _ := ctx.Value(buyerEmailKey{}).(string)
	return e
}
