package indexer_test

import (
	"strconv"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/localstack/sources"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// The template's IndexPipe lets through every change of an event item, and of a sharded
// event's inventory shard only those search must see: the shard selling out, coming back
// on sale, and every 100th write (a coarse refresh of the count).
func TestIndexPipeFilter(t *testing.T) {
	s, err := localtest.Template(t).NewStack("filter", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetPhysical("Table", template.Physical{Ref: "t", Attrs: map[string]string{"StreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x"}})
	s.SetPhysical("IndexQueue", template.Physical{Ref: "q", Attrs: map[string]string{"Arn": "arn:aws:sqs:us-east-1:123456789012:q"}})
	def, err := s.Pipe("IndexPipe")
	if err != nil {
		t.Fatal(err)
	}
	var filters []sources.Pattern
	for _, f := range def.Filters() {
		p, err := sources.ParsePattern(f)
		if err != nil {
			t.Fatal(err)
		}
		filters = append(filters, p)
	}
	// image is an item with the given available and version (-1: no such attribute).
	image := func(pk, sk string, available, version int) map[string]events.DynamoDBAttributeValue {
		img := map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute(pk), "sk": events.NewStringAttribute(sk)}
		if available >= 0 {
			img["available"] = events.NewNumberAttribute(strconv.Itoa(available))
		}
		if version >= 0 {
			img["version"] = events.NewNumberAttribute(strconv.Itoa(version))
		}
		return img
	}
	const shard, shardSK = "EVENT#e1#INV#3", "INV"
	tests := []struct {
		name     string
		old, new map[string]events.DynamoDBAttributeValue
		want     bool
	}{
		{"an event item's change", image("EVENT#e1", "EVENT", 5, 7), image("EVENT#e1", "EVENT", 4, 8), true},
		{"an event item made", nil, image("EVENT#e1", "EVENT", 5, 1), true},
		{"a shard selling out", image(shard, shardSK, 2, 40), image(shard, shardSK, 0, 41), true},
		{"a shard back on sale", image(shard, shardSK, 0, 41), image(shard, shardSK, 1, 42), true},
		{"a seat taken, seats left", image(shard, shardSK, 9, 40), image(shard, shardSK, 8, 41), false},
		{"a confirmation on a sold-out shard", image(shard, shardSK, 0, 42), image(shard, shardSK, 0, 43), false},
		{"a shard's 100th write", image(shard, shardSK, 9, 99), image(shard, shardSK, 8, 100), true},
		{"a shard's 1,300th write", image(shard, shardSK, 9, 1299), image(shard, shardSK, 8, 1300), true},
		{"a shard's 10th write", image(shard, shardSK, 9, 9), image(shard, shardSK, 8, 10), false},
		{"a shard made at publication", nil, image(shard, shardSK, 25, 1), false},
		{"a booking", nil, image("BOOKING#b1", "BOOKING", -1, 1), false},
		{"another event partition item (stats)", image("EVENT#e1", "STATS", -1, 1), image("EVENT#e1", "STATS", -1, 2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := events.DynamoDBEventRecord{EventName: "MODIFY", EventSource: "aws:dynamodb",
				Change: events.DynamoDBStreamRecord{Keys: map[string]events.DynamoDBAttributeValue{"pk": tt.new["pk"], "sk": tt.new["sk"]},
					OldImage: tt.old, NewImage: tt.new, StreamViewType: "NEW_AND_OLD_IMAGES"}}
			if tt.old == nil {
				r.EventName = "INSERT"
			}
			if got := sources.MatchAny(filters, r); got != tt.want {
				t.Errorf("let through: %v, want %v", got, tt.want)
			}
		})
	}
}
