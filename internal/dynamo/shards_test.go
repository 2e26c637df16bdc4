package dynamo_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// shard is a shard item as a test reads it.
type shard struct {
	Capacity  int64  `dynamodbav:"capacity"`
	Available int64  `dynamodbav:"available"`
	Held      int64  `dynamodbav:"held"`
	Sold      int64  `dynamodbav:"sold"`
	Offering  int64  `dynamodbav:"offering"`
	Status    string `dynamodbav:"status"`
	Price     int64  `dynamodbav:"price_amount"`
	TT        map[string]struct {
		Capacity  int64 `dynamodbav:"capacity"`
		Available int64 `dynamodbav:"available"`
		Held      int64 `dynamodbav:"held"`
		Sold      int64 `dynamodbav:"sold"`
		Offering  int64 `dynamodbav:"offering"`
		Rev       int64 `dynamodbav:"rev"`
	} `dynamodbav:"tt"`
}

func (f *fixture) shards(eventID string, n int) []shard {
	f.t.Helper()
	out := make([]shard, n)
	for k := range n {
		got, err := f.db.GetItem(f.ctx, &dynamodb.GetItemInput{TableName: &f.table, ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + eventID + "#INV#" + strconv.Itoa(k)},
				"sk": &types.AttributeValueMemberS{Value: "INV"}}})
		if err != nil || got.Item == nil {
			f.t.Fatalf("shard %d: %v (found: %v)", k, err, got != nil && got.Item != nil)
		}
		if err := attributevalue.UnmarshalMap(got.Item, &out[k]); err != nil {
			f.t.Fatal(err)
		}
	}
	return out
}

// checkShards checks capacity = available + held + sold + offering on every shard and
// for every type on it, and that the shards add up to the event's capacity.
func checkShards(t *testing.T, ss []shard, capacity int64) {
	t.Helper()
	var total int64
	for k, s := range ss {
		if err := booking.CheckInvariant(booking.Counters{Capacity: s.Capacity, Available: s.Available, Held: s.Held, Sold: s.Sold, Offering: s.Offering}, nil); err != nil {
			t.Errorf("shard %d: %v", k, err)
		}
		for id, c := range s.TT {
			if c.Capacity != c.Available+c.Held+c.Sold+c.Offering || c.Available < 0 {
				t.Errorf("shard %d type %s: %+v", k, id, c)
			}
		}
		total += s.Capacity
	}
	if total != capacity {
		t.Errorf("shards hold %d seats, the event %d", total, capacity)
	}
}

func TestShardsAreMadeAtPublication(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	in := f.eventInput(v, "Stadium", "live-music", 48*time.Hour, 299)
	in.InventoryShards = ptr(8)
	e, err := f.svc.CreateEvent(f.ctx, "admin-1", "", in)
	if err != nil {
		t.Fatal(err)
	}
	if e.Shards() != 8 {
		t.Fatalf("inventory_shards = %d", e.Shards())
	}
	// A draft may still be re-sharded: nothing is split until publication.
	e, err = f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{InventoryShards: ptr(7)})
	if err != nil || e.Shards() != 7 {
		t.Fatalf("re-shard the draft: %v, %d", err, e.Shards())
	}
	e, err = f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{InventoryShards: ptr(8)})
	if err != nil {
		t.Fatal(err)
	}
	e = f.publish(e)
	ss := f.shards(e.ID, 8)
	for k, s := range ss {
		want := int64(37)
		if k < 3 {
			want = 38
		}
		if s.Capacity != want || s.Available != want || s.Status != "published" || s.Price != 2500 {
			t.Errorf("shard %d: %+v", k, s)
		}
	}
	checkShards(t, ss, 299)
	if e.Capacity != 299 || e.Available != 299 || e.Status != catalog.Published {
		t.Fatalf("published: %+v", e)
	}

	_, err = f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{InventoryShards: ptr(4)})
	wantCode(t, err, fault.InvalidTransition)

	// Growth is spread, a price change reaches every shard's guard, in one transaction.
	e, err = f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{Capacity: ptr(int64(310)), Price: &catalog.Money{Amount: 3000, Currency: "USD"}})
	if err != nil {
		t.Fatal(err)
	}
	ss = f.shards(e.ID, 8)
	checkShards(t, ss, 310)
	for k, s := range ss {
		if s.Price != 3000 || s.Capacity < 38 || s.Capacity > 40 {
			t.Errorf("shard %d after growth: %+v", k, s)
		}
	}
	if e.Capacity != 310 || e.Available != 310 {
		t.Fatalf("after growth: %+v", e)
	}
	av, err := catalog.NewAvailabilityReader(f.store, 0, time.Now).Get(f.ctx, e.ID)
	if err != nil || av.Available != 310 {
		t.Fatalf("availability: %+v, %v", av, err)
	}

	e, err = f.svc.Cancel(f.ctx, e.ID, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range f.shards(e.ID, 8) {
		if s.Status != "cancelled" {
			t.Errorf("shard %d still %s", k, s.Status)
		}
	}
}

func TestTypedShardsSplitEveryQuota(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	in := f.eventInput(v, "Typed", "live-music", 48*time.Hour, 100)
	in.Price, in.InventoryShards = nil, ptr(3)
	in.TicketTypes = []catalog.TicketTypeInput{typeInput("Floor", 5000, 61), typeInput("Seated", 3000, 39)}
	e, err := f.svc.CreateEvent(f.ctx, "admin-1", "", in)
	if err != nil {
		t.Fatal(err)
	}
	e = f.publish(e)
	ss := f.shards(e.ID, 3)
	checkShards(t, ss, 100)
	floor, seated := typeNamed(t, e, "Floor"), typeNamed(t, e, "Seated")
	for k, want := range [][2]int64{{21, 13}, {20, 13}, {20, 13}} {
		if ss[k].TT[floor.ID].Capacity != want[0] || ss[k].TT[seated.ID].Available != want[1] || ss[k].TT[floor.ID].Rev != floor.Version {
			t.Errorf("shard %d: %+v", k, ss[k].TT)
		}
	}
	if c := typeNamed(t, e, "Floor").Counters; c.Capacity != 61 || c.Available != 61 {
		t.Fatalf("floor summed: %+v", c)
	}
	_, err = catalog.NewTypeService(f.store, time.Now).CreateTicketType(f.ctx, "admin-1", "", e.ID, typeInput("Late", 1000, 1))
	wantCode(t, err, fault.InvalidTransition)
}
