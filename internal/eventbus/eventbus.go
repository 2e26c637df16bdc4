// Package eventbus publishes domain events (notify.Event) to an EventBridge bus.
package eventbus

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/bookmyevent/bookmyevent/internal/notify"
)

// Bus is an EventBridge event bus.
type Bus struct {
	client *eventbridge.Client
	name   string
}

// New returns the bus called name.
func New(client *eventbridge.Client, name string) *Bus { return &Bus{client: client, name: name} }

// putLimit is PutEvents' entries per call.
const putLimit = 10

// Publish puts the events, ten per call, and logs them. Entries EventBridge refused are
// an error.
func (b *Bus) Publish(ctx context.Context, evs ...notify.Event) error {
	for len(evs) > 0 {
		n := min(len(evs), putLimit)
		entries := make([]types.PutEventsRequestEntry, 0, n)
		for _, e := range evs[:n] {
			detail, err := json.Marshal(e.Detail)
			if err != nil {
				return err
			}
			entries = append(entries, types.PutEventsRequestEntry{EventBusName: aws.String(b.name), Source: aws.String(notify.Source),
				DetailType: aws.String(e.Type), Detail: aws.String(string(detail)), Time: aws.Time(e.At.UTC().Truncate(time.Second))})
		}
		out, err := b.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			return err
		}
		if out.FailedEntryCount > 0 {
			return fmt.Errorf("eventbridge refused %d of %d events", out.FailedEntryCount, n)
		}
		// One log line per event too: locally that is where notifications are seen.
		_ = notify.Log{}.Publish(ctx, evs[:n]...)
		evs = evs[n:]
	}
	return nil
}
