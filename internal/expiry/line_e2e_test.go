package expiry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/waitqueue"
)

// stack is the local stack every test of this package shares, with one-minute holds so
// expiry happens within a test.
func stack(t *testing.T) *localtest.LocalStack {
	return localtest.Stack(t, localtest.StackOptions{Params: map[string]string{"HoldDuration": "1m"}})
}

// onSale creates and publishes an event of capacity seats, one per booking, whose
// waitlist offers last offerMinutes.
func onSale(admin client, name string, capacity, offerMinutes int) string {
	venue := admin.must(201, "POST", "/admin/venues", map[string]any{"name": name + " Hall", "address": "1 Main St",
		"city": "Porto", "country": "PT", "capacity": 100}, "")
	starts := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	ev := admin.must(201, "POST", "/admin/events", map[string]any{"name": name, "category": "music",
		"venue_id": venue["venue_id"], "starts_at": starts.Format(time.RFC3339), "ends_at": starts.Add(2 * time.Hour).Format(time.RFC3339),
		"capacity": capacity, "price": map[string]any{"amount": 1000, "currency": "EUR"}, "max_tickets_per_booking": 1,
		"offer_window_minutes": offerMinutes}, "")
	id := ev["event_id"].(string)
	admin.must(200, "POST", "/admin/events/"+id+"/publish", nil, "")
	return id
}

// seats reads the admin view's counters and checks them (booking.Counters.Violations),
// which holds at any moment.
func seats(t *testing.T, admin client, id string) (booking.Counters, int64) {
	t.Helper()
	ev := admin.must(200, "GET", "/admin/events/"+id, nil, "")
	n := func(k string) int64 { v, _ := ev[k].(float64); return int64(v) }
	c := booking.Counters{Capacity: n("capacity"), Available: n("available"), Held: n("held"), Sold: n("sold"), Offering: n("offering")}
	if bad := c.Violations(); bad != nil {
		t.Fatalf("seat invariant broken: %v", bad)
	}
	return c, n("waiting")
}

// settled checks, once nothing is moving, the counters and waiting count against want
// and the booking core's invariant against every booking of the event.
func settled(t *testing.T, admin client, id string, want booking.Counters, waiting int64) {
	t.Helper()
	c, w := seats(t, admin, id)
	want.Capacity = c.Capacity
	if c != want || w != waiting {
		t.Fatalf("counters %+v, waiting %d; want %+v, %d", c, w, want, waiting)
	}
	var all []booking.Booking
	for cursor := "first"; cursor != ""; {
		path := "/admin/events/" + id + "/bookings?limit=100"
		if cursor != "first" {
			path += "&cursor=" + cursor
		}
		page := admin.must(200, "GET", path, nil, "")
		for _, it := range page["items"].([]any) {
			b := it.(map[string]any)
			all = append(all, booking.Booking{Status: booking.Status(fmt.Sprint(b["status"])), Quantity: int(b["quantity"].(float64))})
		}
		cursor, _ = page["next_cursor"].(string)
	}
	if bad := booking.CheckInvariant(c, all); bad != nil {
		t.Fatalf("seat invariant broken: %v", bad)
	}
}

// TestWaitlistLineEndToEnd: 50 users wait for a sold-out event of 10 seats, 10
// cancellations become offers for exactly the first 10, in order; the same worker message
// delivered again (through the queue, and twice in one batch) offers nothing twice; an
// offer that lapses passes to the next in line. All through the local stack's HTTP API,
// its SQS poller, its schedule and the real function binaries.
func TestWaitlistLineEndToEnd(t *testing.T) {
	t.Parallel()
	st := stack(t)
	admin := client{t, st.BaseURL, st.Token(t, "line-admin", true)}
	id := onSale(admin, "Line Show", 10, 1)

	holds := make([]string, 10)
	holders := make([]client, 10)
	for i := range holders {
		holders[i] = client{t, st.BaseURL, st.Token(t, fmt.Sprintf("line-holder-%02d", i), false)}
		b := holders[i].must(201, "POST", "/events/"+id+"/bookings", map[string]any{"quantity": 1}, fmt.Sprintf("h-%d", i))
		holds[i] = b["booking_id"].(string)
	}
	waiters := make([]client, 50)
	for i := range waiters {
		waiters[i] = client{t, st.BaseURL, st.Token(t, fmt.Sprintf("line-waiter-%02d", i), false)}
		code, out := waiters[i].call("POST", "/events/"+id+"/bookings", map[string]any{"quantity": 1}, fmt.Sprintf("w-%d", i))
		errObj, _ := out["error"].(map[string]any)
		wl, _ := errObj["waitlist"].(map[string]any)
		if code != 409 || errObj["code"] != "sold_out" || wl["position"] != float64(i+1) {
			t.Fatalf("waiter %d: %d %v, want sold_out at position %d", i, code, out, i+1)
		}
	}
	if pub := waiters[0].must(200, "GET", "/events/"+id, nil, ""); pub["sold_out"] != true || pub["available"] != float64(0) {
		t.Fatalf("public event = %v", pub)
	}
	settled(t, admin, id, booking.Counters{Held: 10}, 50)

	for i, h := range holders {
		h.must(200, "POST", "/bookings/"+holds[i]+"/cancel", nil, "")
	}
	eventually(t, "10 offers", func() bool {
		c, waiting := seats(t, admin, id)
		return c.Held == 10 && c.Offering == 0 && waiting == 40
	})
	offers := checkLine(t, waiters, id, 10)

	// Redelivery: the worker's message again through the queue, and one batch that holds
	// the same message twice. The worker reads the truth from the table: nothing changes.
	body := fmt.Sprintf(`{"event_id":%q}`, id)
	q := sqs.NewFromConfig(st.AWSConfig(t))
	queue, _ := st.Stack.Physical("WaitlistQueue")
	for range 2 {
		if err := waitqueue.New(q, queue.Ref).Nudge(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	rec := events.SQSMessage{MessageId: "redelivered", ReceiptHandle: "r", Body: body, EventSource: "aws:sqs",
		Attributes: map[string]string{"ApproximateReceiveCount": "2"}}
	payload, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{rec, rec}})
	res, err := st.Pools["WaitlistWorkerFunction"].Invoke(context.Background(), payload)
	if err != nil || res.FunctionError != "" {
		t.Fatalf("worker: %v %s", err, res.Payload)
	}
	var batch events.SQSEventResponse
	if err := json.Unmarshal(res.Payload, &batch); err != nil || len(batch.BatchItemFailures) != 0 {
		t.Fatalf("worker answered %s", res.Payload)
	}
	eventually(t, "the queue drained", func() bool {
		out, err := q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queue.Ref),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		return err == nil && out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
	})
	settled(t, admin, id, booking.Counters{Held: 10}, 40)
	if again := checkLine(t, waiters, id, 10); fmt.Sprint(again) != fmt.Sprint(offers) {
		t.Fatalf("offers changed after redelivery: %v, then %v", offers, again)
	}

	// Nine confirm; the first lets the one-minute offer lapse, and the sweeper passes its
	// seat to the eleventh.
	for i := 1; i < 10; i++ {
		waiters[i].must(200, "POST", "/bookings/"+offers[i]+"/confirm", map[string]any{"payment_method": "pm_card_visa"}, fmt.Sprintf("pay-%d", i))
	}
	eventually(t, "the lapsed offer passing on", func() bool {
		me := waiters[10].must(200, "GET", "/events/"+id+"/waitlist/me", nil, "")
		return me["status"] == "offered"
	})
	if me := waiters[0].must(200, "GET", "/events/"+id+"/waitlist/me", nil, ""); me["status"] != "offer_expired" {
		t.Errorf("first waiter after the lapse = %v", me)
	}
	if b := waiters[0].must(200, "GET", "/bookings/"+offers[0], nil, ""); b["status"] != "expired" {
		t.Errorf("lapsed offer = %v", b)
	}
	if me := waiters[11].must(200, "GET", "/events/"+id+"/waitlist/me", nil, ""); me["status"] != "waiting" || me["position"] != float64(1) {
		t.Errorf("twelfth waiter = %v", me)
	}
	settled(t, admin, id, booking.Counters{Sold: 9, Held: 1}, 39)
}

// checkLine asserts the first n waiters, and only they, hold offers, made in line order
// (the queue lets one worker at a time serve an event), and everyone after them waits at
// the right place; it returns the offers' booking ids.
func checkLine(t *testing.T, waiters []client, id string, n int) []string {
	t.Helper()
	var offers []string
	var last time.Time
	for i, w := range waiters {
		me := w.must(200, "GET", "/events/"+id+"/waitlist/me", nil, "")
		if i >= n {
			if me["status"] != "waiting" || me["position"] != float64(i-n+1) {
				t.Fatalf("waiter %d = %v, want waiting at %d", i, me, i-n+1)
			}
			continue
		}
		offer, _ := me["offer"].(map[string]any)
		if me["status"] != "offered" || offer == nil {
			t.Fatalf("waiter %d = %v, want an offer", i, me)
		}
		b := w.must(200, "GET", "/bookings/"+offer["booking_id"].(string), nil, "")
		created, err := time.Parse(time.RFC3339Nano, fmt.Sprint(b["created_at"]))
		if err != nil || b["status"] != "held" || b["source"] != "waitlist" || created.Before(last) {
			t.Fatalf("waiter %d's offer = %v, after one made at %s", i, b, last)
		}
		last = created
		offers = append(offers, offer["booking_id"].(string))
	}
	return offers
}

// TestTwoSweepersAtOnceEndToEnd invokes the sweeper function twice at once, through the
// local runtime, the moment six holds lapse: each hold is expired once, every seat comes
// back once.
func TestTwoSweepersAtOnceEndToEnd(t *testing.T) {
	t.Parallel()
	st := stack(t)
	admin := client{t, st.BaseURL, st.Token(t, "sweep-admin", true)}
	id := onSale(admin, "Sweep Show", 6, 0)
	var holds []string
	var due time.Time
	for i := range 6 {
		c := client{t, st.BaseURL, st.Token(t, fmt.Sprintf("sweep-holder-%d", i), false)}
		b := c.must(201, "POST", "/events/"+id+"/bookings", map[string]any{"quantity": 1, "waitlist": false}, fmt.Sprintf("s-%d", i))
		holds = append(holds, b["booking_id"].(string))
		if exp, err := time.Parse(time.RFC3339Nano, fmt.Sprint(b["expires_at"])); err == nil && exp.After(due) {
			due = exp
		} else if err != nil {
			t.Fatalf("expires_at of %v: %v", b, err)
		}
	}
	time.Sleep(time.Until(due) + 200*time.Millisecond)

	event, err := os.ReadFile(filepath.Join("..", "..", "events", "sweep-holds.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	expired := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := st.Pools["SweepHoldsFunction"].Invoke(context.Background(), event)
			if err != nil || res.FunctionError != "" {
				t.Errorf("sweeper %d: %v %s", i, err, res.Payload)
				return
			}
			var rs []struct{ Expired int }
			if err := json.Unmarshal(res.Payload, &rs); err != nil {
				t.Errorf("sweeper %d answered %s", i, res.Payload)
			}
			for _, r := range rs {
				expired[i] += r.Expired
			}
		}()
	}
	wg.Wait()
	// The sweepers' counts cover every event of the shared stack (the package's other
	// tests expire holds at the same time), so they prove nothing about these six; what
	// proves each was expired once is below: all six expired, and their seats came back
	// exactly once (a second release would break the counters).
	t.Logf("the two sweepers expired %v holds (all events of the stack)", expired)
	list := admin.must(200, "GET", "/admin/events/"+id+"/bookings?status=expired&limit=10", nil, "")
	got := map[string]bool{}
	for _, it := range list["items"].([]any) {
		got[it.(map[string]any)["booking_id"].(string)] = true
	}
	for _, h := range holds {
		if !got[h] || len(got) != len(holds) {
			t.Fatalf("expired bookings = %v, want %v", got, holds)
		}
	}
	settled(t, admin, id, booking.Counters{Available: 6}, 0)
}
