package dynamo_test

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/dynamo"
)

func TestShardEventID(t *testing.T) {
	s := events.NewStringAttribute
	tests := []struct {
		name   string
		keys   map[string]events.DynamoDBAttributeValue
		wantID string
		wantOK bool
	}{
		{"a shard", map[string]events.DynamoDBAttributeValue{"pk": s("EVENT#01J9#INV#7"), "sk": s("INV")}, "01J9", true},
		{"the event item", map[string]events.DynamoDBAttributeValue{"pk": s("EVENT#01J9"), "sk": s("EVENT")}, "", false},
		{"an INV sort key elsewhere", map[string]events.DynamoDBAttributeValue{"pk": s("VENUE#01J9#INV#7"), "sk": s("INV")}, "", false},
		{"no event id", map[string]events.DynamoDBAttributeValue{"pk": s("EVENT##INV#0"), "sk": s("INV")}, "", false},
		{"no shard infix", map[string]events.DynamoDBAttributeValue{"pk": s("EVENT#01J9"), "sk": s("INV")}, "", false},
		{"no keys", nil, "", false},
		{"a number key", map[string]events.DynamoDBAttributeValue{"pk": events.NewNumberAttribute("1"), "sk": s("INV")}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := dynamo.ShardEventID(tt.keys)
			if id != tt.wantID || ok != tt.wantOK {
				t.Errorf("got %q %v, want %q %v", id, ok, tt.wantID, tt.wantOK)
			}
		})
	}
}
