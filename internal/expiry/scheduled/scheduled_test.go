package scheduled

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/expiry"
)

// endless is an index whose every batch has another (a backlog bigger than one
// invocation) of holds not yet due when read.
type endless struct{}

func (endless) ExpiryShards() int { return 2 }
func (endless) DueHolds(context.Context, int, time.Time, string, int) ([]string, string, error) {
	return []string{"b"}, "more", nil
}
func (endless) LapsedHolds(context.Context, string, time.Time, int) ([]string, error) {
	return nil, nil
}
func (endless) StrandedOfferings(context.Context, time.Time, int) ([]string, error) {
	return nil, nil
}

type notDue struct{}

func (notDue) GetBooking(context.Context, string) (*booking.Booking, error) {
	return &booking.Booking{Status: booking.Held, ExpiresAt: time.Now().Add(time.Hour)}, nil
}
func (notDue) Release(context.Context, *booking.Booking, booking.Status, *booking.Refund, time.Time) (booking.Released, error) {
	panic("a hold that is not due was released")
}

func TestHandlerEndsACutShortSweepWithoutError(t *testing.T) {
	h := Handler(expiry.New(endless{}, notDue{}, nil, nil, expiry.Config{}), expiry.Schedule{Offsets: []time.Duration{0}}, time.Now)
	ctx, cancel := context.WithTimeout(context.Background(), stopMargin+200*time.Millisecond)
	defer cancel()
	rs, err := h(ctx, events.EventBridgeEvent{Time: time.Now()})
	if err != nil {
		t.Fatalf("a sweep cut short by the timeout is not a failure: %v", err)
	}
	if len(rs) != 1 || rs[0].Skipped == 0 {
		t.Errorf("results = %+v", rs)
	}
}
