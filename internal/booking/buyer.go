package booking

import "context"

type buyerEmailKey struct{}

// WithBuyerEmail carries the buyer's address (the identity token's email claim) to the
// reservation, which stores it on the hold for the mails about it. It travels in the
// context rather than the reservation's arguments because it is the caller's identity,
// like the user id the authorizer vouched for, not part of what is reserved.
func WithBuyerEmail(ctx context.Context, email string) context.Context {
	if email == "" {
		return ctx
	}
	return context.WithValue(ctx, buyerEmailKey{}, email)
}

func buyerEmail(ctx context.Context) string {
	e, _ := ctx.Value(buyerEmailKey{}).(string)
	return e
}
