package eventbus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/bookmyevent/bookmyevent/internal/eventbus"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/notify"
)

func TestPublishToTheLocalBus(t *testing.T) {
	c := eventbridge.NewFromConfig(localtest.AWSConfig(t))
	ctx := context.Background()
	name := localtest.UniqueName(t, 200)
	if _, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.DeleteEventBus(context.Background(), &eventbridge.DeleteEventBusInput{Name: aws.String(name)})
	})
	var evs []notify.Event
	for i := range 12 { // more than one PutEvents call
		evs = append(evs, notify.Event{Type: notify.WaitlistOffered, At: time.Now(),
			Detail: map[string]any{"event_id": "e", "entry_id": fmt.Sprint(i), "booking_id": "b", "quantity": 1}})
	}
	if err := eventbus.New(c, name).Publish(ctx, evs...); err != nil {
		t.Fatal(err)
	}
}
