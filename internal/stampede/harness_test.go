package stampede_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/dynamo/dynamotest"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
)

// harness is the booking service on a fresh table of the real emulator, with a Meter and
// fault injection on the store's client.
type harness struct {
	t      testing.TB
	raw    *dynamodb.Client
	table  string
	store  *dynamo.Bookings
	meter  *dynamotest.Meter
	faults *dynamotest.Faults
	ledger *dynamo.PaymentLedger
	pay    *payments.Simulated
	signer *tickets.Signer
	svc    *booking.Service
}

func newHarness(t testing.TB, cfg booking.Config) *harness {
	t.Helper()
	raw, table := localtest.Table(t)
	h := &harness{t: t, raw: raw, table: table, meter: &dynamotest.Meter{}, faults: &dynamotest.Faults{}}
	client := dynamodb.New(raw.Options(), dynamotest.WithMeter(h.meter), dynamotest.WithFaults(h.faults))
	h.store = dynamo.NewBookings(client, table)
	h.ledger = dynamo.NewPaymentLedger(raw, table)
	h.pay = payments.NewSimulated(h.ledger)
	var err error
	if h.signer, err = tickets.NewSigner("test-signing-key"); err != nil {
		t.Fatal(err)
	}
	h.svc = booking.NewService(booking.Deps{Store: h.store, Payments: h.pay, Signer: h.signer, Events: booking.NewEventCache(h.store, time.Second)}, cfg)
	return h
}

var eventSeq int

type eventSpec struct {
	capacity, price, max int
	status               string
	startsIn             time.Duration
	policy               []booking.RefundTier
}

// seedEvent writes an event item as the catalogue stores it (docs/table-design.md).
func (h *harness) seedEvent(s eventSpec) string {
	h.t.Helper()
	eventSeq++
	id := fmt.Sprintf("ev%d%d", time.Now().UnixNano()%1e9, eventSeq)
	if s.status == "" {
		s.status = booking.Published
	}
	if s.startsIn == 0 {
		s.startsIn = 7 * 24 * time.Hour
	}
	if s.max == 0 {
		s.max = 4
	}
	n := func(v int) types.AttributeValue { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }
	sv := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	start := time.Now().Add(s.startsIn).UTC()
	it := map[string]types.AttributeValue{
		"pk": sv("EVENT#" + id), "sk": sv("EVENT"), "gsi1pk": sv("EVENT"), "gsi1sk": sv(start.Format(time.RFC3339) + "#" + id),
		"event_id": sv(id), "name": sv("Stampede " + id), "status": sv(s.status),
		"starts_at": sv(start.Format(time.RFC3339)), "ends_at": sv(start.Add(3 * time.Hour).Format(time.RFC3339)),
		"capacity": n(s.capacity), "available": n(s.capacity), "held": n(0), "sold": n(0), "version": n(1),
		"price_amount": n(s.price), "price_currency": sv("USD"), "max_tickets_per_booking": n(s.max),
	}
	if len(s.policy) > 0 {
		var tiers []types.AttributeValue
		for _, p := range s.policy {
			tiers = append(tiers, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"hours_before": n(p.HoursBefore), "percent": n(p.Percent)}})
		}
		it["refund_policy"] = &types.AttributeValueMemberL{Value: tiers}
	}
	if _, err := h.raw.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(h.table), Item: it}); err != nil {
		h.t.Fatalf("seed event: %v", err)
	}
	return id
}

// setEvent changes attributes of an event the way an admin edit would (version + 1).
func (h *harness) setEvent(id, expr string, vals map[string]types.AttributeValue) {
	h.t.Helper()
	vals[":one"] = &types.AttributeValueMemberN{Value: "1"}
	_, err := h.raw.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(h.table),
		Key:              map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + id}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}},
		UpdateExpression: aws.String(expr + ", version = version + :one"), ExpressionAttributeValues: vals})
	if err != nil {
		h.t.Fatalf("set event: %v", err)
	}
}

// invariant checks the seat invariant from the store, as the load tool does from the API.
func (h *harness) invariant(eventID string) booking.Stats {
	h.t.Helper()
	ctx := context.Background()
	st, err := h.svc.Stats(ctx, eventID)
	if err != nil {
		h.t.Fatalf("stats: %v", err)
	}
	var all []booking.Booking
	cursor := ""
	for {
		p, err := h.svc.EventBookings(ctx, eventID, booking.ListFilter{Limit: 100, Cursor: cursor})
		if err != nil {
			h.t.Fatalf("event bookings: %v", err)
		}
		all = append(all, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if bad := booking.CheckInvariant(booking.Counters{Capacity: st.Capacity, Available: st.Available, Held: st.Held, Sold: st.Sold, Offering: st.Offering}, all); len(bad) > 0 {
		h.t.Fatalf("invariant broken for %s: %q", eventID, bad)
	}
	return st
}

// editName renames the event like the catalogue's PATCH with If-Match: read the version,
// write conditionally on it, retry a few times on conflict. It reports whether it landed.
func (h *harness) editName(id, name string) bool {
	ctx := context.Background()
	k := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + id}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}}
	for range 5 {
		out, err := h.raw.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(h.table), Key: k, ConsistentRead: aws.Bool(true)})
		if err != nil {
			h.t.Errorf("read event: %v", err)
			return false
		}
		version := out.Item["version"]
		_, err = h.raw.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(h.table), Key: k,
			ConditionExpression:      aws.String("version = :v"),
			UpdateExpression:         aws.String("SET #name = :name, version = version + :one"),
			ExpressionAttributeNames: map[string]string{"#name": "name"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": version, ":name": &types.AttributeValueMemberS{Value: name},
				":one": &types.AttributeValueMemberN{Value: "1"}}})
		if err == nil {
			return true
		}
	}
	return false
}

// withoutFaults is the same table through a client with no injected failures.
func (h *harness) withoutFaults() *harness {
	c := *h
	c.store = dynamo.NewBookings(h.raw, h.table)
	c.svc = booking.NewService(booking.Deps{Store: c.store, Payments: h.pay, Signer: h.signer}, booking.Config{})
	return &c
}
