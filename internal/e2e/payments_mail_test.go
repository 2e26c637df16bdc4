package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png" // the QR images
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	sdk "github.com/stripe/stripe-go/v85"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/localstack/moto"
	"github.com/bookmyevent/bookmyevent/internal/localstack/stripemock"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/payments/stripe"
)

// Every mail here takes the deployed path: the API publishes a domain event to the bus,
// NotifierRule (run locally from the template) puts it on NotifierQueue, the notifier
// renders it and sends it through moto's SES, where `bme mail` finds it too.

// mailBuyer signs user in with the ID token, as the web app does: its email claim is
// where the mails go.
func mailBuyer(t testing.TB, st *localtest.LocalStack, user string) client {
	t.Helper()
	tokens, err := st.Identity.Token(context.Background(), user, false)
	if err != nil {
		t.Fatal(err)
	}
	return client{t, st.BaseURL, tokens.ID}
}

// sentMail is one message moto's SES accepted, parsed.
type sentMail struct {
	moto.SentMail
	Subject   string
	MessageID string
	Text      string
	PNGs      [][]byte
}

// mailsAbout waits until at least want mails mention booking id and have a subject
// containing subject, then a little longer for a wrong extra one to show, and returns them.
func mailsAbout(t *testing.T, st *localtest.LocalStack, id, subject string, want int) []sentMail {
	t.Helper()
	var mine []sentMail
	// The bound only keeps a broken path from hanging the test; nothing is timed.
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		sent, err := moto.Sent(context.Background(), st.Endpoints.Main)
		if err != nil {
			t.Fatal(err)
		}
		mine = mine[:0]
		for _, m := range sent {
			if !strings.Contains(m.Raw, id) {
				continue
			}
			if p := parseMail(t, m); strings.Contains(p.Subject, subject) {
				mine = append(mine, p)
			}
		}
		if len(mine) >= want {
			time.Sleep(3 * time.Second)
			return mailsAbout1(t, st, id, subject)
		}
	}
	t.Fatalf("%d mails %q about %s, want %d (stack log: %s)", len(mine), subject, id, want, st.LogPath)
	return nil
}

// mailsAbout1 is one look, without waiting.
func mailsAbout1(t *testing.T, st *localtest.LocalStack, id, subject string) []sentMail {
	t.Helper()
	sent, err := moto.Sent(context.Background(), st.Endpoints.Main)
	if err != nil {
		t.Fatal(err)
	}
	var out []sentMail
	for _, m := range sent {
		if p := parseMail(t, m); strings.Contains(m.Raw, id) && strings.Contains(p.Subject, subject) {
			out = append(out, p)
		}
	}
	return out
}

func parseMail(t *testing.T, m moto.SentMail) sentMail {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.Raw))
	if err != nil {
		t.Fatalf("mail %s does not parse: %v", m.ID, err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	out := sentMail{SentMail: m, Subject: subject, MessageID: strings.Trim(msg.Header.Get("Message-Id"), "<>")}
	walk(t, msg.Header.Get("Content-Type"), msg.Body, &out)
	return out
}

func walk(t *testing.T, ct string, body io.Reader, out *sentMail) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		data, _ := io.ReadAll(body)
		if mt == "text/plain" {
			out.Text += string(data)
		}
		return
	}
	r := multipart.NewReader(body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		pct := p.Header.Get("Content-Type")
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			raw, _ := io.ReadAll(p)
			data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(pct, "image/png") {
				out.PNGs = append(out.PNGs, data)
			}
			continue
		}
		walk(t, pct, p, out)
	}
}

// scan reads a QR image the way a door scanner would.
func scan(t *testing.T, png []byte) string {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR does not decode: %v", err)
	}
	return res.GetText()
}

// checkTickets holds a confirmation mail to its booking: one QR image per ticket, each
// decoding to a ticket code the API gives for the booking.
func checkTickets(t *testing.T, buyer client, id string, m sentMail) {
	t.Helper()
	_, body := buyer.must(200, "GET", "/bookings/"+id+"/tickets", nil, nil)
	var want []string
	for _, tk := range body["tickets"].([]any) {
		want = append(want, tk.(map[string]any)["code"].(string))
	}
	var got []string
	for _, png := range m.PNGs {
		got = append(got, scan(t, png))
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("the mail's QR codes decode to %q, the booking's tickets are %q", got, want)
	}
}

// redeliver puts the domain event behind m on NotifierQueue again, as a redelivery would
// (its id is the mail's Message-ID).
func redeliver(t *testing.T, st *localtest.LocalStack, m sentMail, detailType, eventID, bookingID string) {
	t.Helper()
	q, ok := st.Stack.Physical("NotifierQueue")
	if !ok {
		t.Fatal("no NotifierQueue")
	}
	id, _, _ := strings.Cut(m.MessageID, "@")
	detail, _ := json.Marshal(map[string]any{"event_id": eventID, "booking_id": bookingID})
	body, _ := json.Marshal(map[string]any{"version": "0", "id": id, "detail-type": detailType, "source": "bookmyevent",
		"time": time.Now().UTC().Format(time.RFC3339), "detail": json.RawMessage(detail)})
	c := sqs.NewFromConfig(st.AWSConfig(t))
	if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q.Ref), MessageBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
}

// Every confirmed booking, confirmed by the API or by Stripe's webhook, is mailed once,
// with QR codes that scan back to its tickets, even when its domain event comes twice.
func TestConfirmationMail(t *testing.T) {
	st, _ := payStack(t)
	run := time.Now().UnixNano()
	user := fmt.Sprintf("e2e-mail-%d", run)
	admin := client{t, st.BaseURL, st.Token(t, "e2e-pay-admin", true)}
	buyer := mailBuyer(t, st, user)
	ev := onSale(t, admin, fmt.Sprint("mail", run), 10)

	byAPI := hold(t, buyer, ev, fmt.Sprintf("mh-%d", run), 2)
	buyer.must(200, "POST", "/bookings/"+byAPI+"/confirm", confirmBody("pm_card_visa"), map[string]string{"Idempotency-Key": fmt.Sprintf("mc-%d", run)})
	byHook := hold(t, buyer, ev, fmt.Sprintf("mw-%d", run), 3)
	p := stripe.Payment{BookingID: byHook, IntentID: fmt.Sprintf("pi_mail_%d", run), Amount: 3 * 4500, Currency: "GBP"}
	payload, sig := stripe.TestEvent(fmt.Sprintf("evt_mail_%d", run), sdk.EventTypePaymentIntentSucceeded, p, stripemock.WebhookSecret, time.Now())
	if s := deliverWebhook(t, st, payload, sig); s != 200 {
		t.Fatalf("webhook = %d, want 200", s)
	}

	for _, id := range []string{byAPI, byHook} {
		mails := mailsAbout(t, st, id, "Your tickets for", 1)
		if len(mails) != 1 {
			t.Fatalf("%d confirmation mails for %s, want exactly 1", len(mails), id)
		}
		m := mails[0]
		if !strings.Contains(strings.Join(m.Destinations, ","), user) {
			t.Fatalf("confirmation of %s went to %v, not the buyer", id, m.Destinations)
		}
		checkTickets(t, buyer, id, m)
		redeliver(t, st, m, "booking.confirmed", ev, id)
		if dir := os.Getenv("BME_E2E_MAIL_DIR"); dir != "" {
			path := filepath.Join(dir, id+".eml")
			if err := os.WriteFile(path, []byte(m.Raw), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("confirmation mail written to %s", path)
		}
	}
	// The redelivered events were handled (the queue drains) without a second mail.
	for _, id := range []string{byAPI, byHook} {
		if n := len(mailsAbout(t, st, id, "Your tickets for", 1)); n != 1 {
			t.Fatalf("%d confirmation mails for %s after a redelivery, want 1", n, id)
		}
	}
}

// deliverWebhook posts a Stripe delivery as it was signed, byte for byte.
func deliverWebhook(t *testing.T, st *localtest.LocalStack, payload []byte, signature string) int {
	t.Helper()
	req, err := http.NewRequest("POST", st.BaseURL+"/payments/stripe/webhook", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Stripe-Signature", signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A cancelled booking's refund receipt is mailed once, with the amount refunded.
func TestRefundReceiptMail(t *testing.T) {
	st, _ := payStack(t)
	run := time.Now().UnixNano()
	admin := client{t, st.BaseURL, st.Token(t, "e2e-pay-admin", true)}
	buyer := mailBuyer(t, st, fmt.Sprintf("e2e-refund-%d", run))
	ev := onSale(t, admin, fmt.Sprint("refund", run), 10)
	id := hold(t, buyer, ev, fmt.Sprintf("rh-%d", run), 2)
	buyer.must(200, "POST", "/bookings/"+id+"/confirm", confirmBody("pm_card_visa"), map[string]string{"Idempotency-Key": fmt.Sprintf("rc-%d", run)})
	buyer.must(200, "POST", "/bookings/"+id+"/cancel", nil, nil)
	mails := mailsAbout(t, st, id, "Refund for", 1)
	if len(mails) != 1 || !strings.Contains(mails[0].Text, "90.00 GBP") {
		t.Fatalf("%d refund receipts for %s, want 1 showing 90.00 GBP: %+v", len(mails), id, mails)
	}
}

// lapse makes a hold due now, as if its time had run out, by moving its expiry (and
// its place in the expiry index) into the past.
func lapse(t *testing.T, st *localtest.LocalStack, id string) {
	t.Helper()
	table, _ := st.Stack.Physical("Table")
	db := dynamodb.NewFromConfig(st.AWSConfig(t))
	past := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z07:00")
	key := map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "BOOKING#" + id},
		"sk": &ddbtypes.AttributeValueMemberS{Value: "BOOKING"}}
	if _, err := db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(table.Ref), Key: key,
		ConditionExpression:      aws.String("#s = :held"),
		UpdateExpression:         aws.String("SET expires_at = :past, gsi3sk = :sk, version = version + :one"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":held": &ddbtypes.AttributeValueMemberS{Value: "held"},
			":past": &ddbtypes.AttributeValueMemberS{Value: past}, ":sk": &ddbtypes.AttributeValueMemberS{Value: past + "#" + id},
			":one": &ddbtypes.AttributeValueMemberN{Value: "1"}}}); err != nil {
		t.Fatalf("lapse %s: %v", id, err)
	}
}

// invariant checks capacity = available + held + sold + offering against the event's
// bookings, read from the stack's table.
func invariant(t *testing.T, st *localtest.LocalStack, eventID string) booking.Counters {
	t.Helper()
	table, _ := st.Stack.Physical("Table")
	store := dynamo.NewBookings(dynamodb.NewFromConfig(st.AWSConfig(t)), table.Ref)
	ctx := context.Background()
	ev, err := dynamo.NewWaitlist(store).Seats(ctx, eventID)
	if err != nil {
		t.Fatal(err)
	}
	var all []booking.Booking
	for cursor := ""; ; {
		p, err := store.ListEventBookings(ctx, eventID, booking.ListFilter{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	c := booking.Counters{Capacity: ev.Capacity, Available: ev.Available, Held: ev.Held, Sold: ev.Sold, Offering: ev.Offering}
	if bad := booking.CheckInvariant(c, all); bad != nil {
		t.Fatalf("invariant broken: %v", bad)
	}
	return c
}

// A hold that ran out is released to the next buyer, and its buyer told once; when
// Stripe then reports its payment succeeded, the seats are someone else's: the payment
// is refunded in full, the buyer gets the receipt once, and no seat is sold twice.
func TestPaidAfterSeatsSoldElsewhereRefunds(t *testing.T) {
	st, url := payStack(t)
	run := time.Now().UnixNano()
	admin := client{t, st.BaseURL, st.Token(t, "e2e-pay-admin", true)}
	late := mailBuyer(t, st, fmt.Sprintf("e2e-late-%d", run))
	next := mailBuyer(t, st, fmt.Sprintf("e2e-next-%d", run))
	ev := onSale(t, admin, fmt.Sprint("late", run), 2)
	lateID := hold(t, late, ev, fmt.Sprintf("lh-%d", run), 2)
	lapse(t, st, lateID)
	// Sold out but for a lapsed hold: the reservation releases it and takes the seats.
	nextID := hold(t, next, ev, fmt.Sprintf("nh-%d", run), 2)
	next.must(200, "POST", "/bookings/"+nextID+"/confirm", confirmBody("pm_card_visa"), map[string]string{"Idempotency-Key": fmt.Sprintf("nc-%d", run)})
	if _, b := late.must(200, "GET", "/bookings/"+lateID, nil, nil); b["status"] != "expired" {
		t.Fatalf("the lapsed hold is %v, want expired", b["status"])
	}

	before := counts(t, url, lateID)
	p := stripe.Payment{BookingID: lateID, IntentID: fmt.Sprintf("pi_late_%d", run), Amount: 9000, Currency: "GBP"}
	payload, sig := stripe.TestEvent(fmt.Sprintf("evt_late_%d", run), sdk.EventTypePaymentIntentSucceeded, p, stripemock.WebhookSecret, time.Now())
	for range 2 {
		if s := deliverWebhook(t, st, payload, sig); s != 200 {
			t.Fatalf("webhook = %d, want 200", s)
		}
	}
	_, b := late.must(200, "GET", "/bookings/"+lateID, nil, nil)
	refund, _ := b["refund"].(map[string]any)
	amount, _ := refund["amount"].(map[string]any)
	if b["status"] != "expired" || refund["status"] != "succeeded" || amount["amount"] != float64(9000) {
		t.Fatalf("after the late payment the booking is %v", b)
	}
	if d := counts(t, url, lateID).Refunds - before.Refunds; d != 1 {
		t.Fatalf("%d Stripe refunds for one late payment delivered twice, want 1", d)
	}
	if c := invariant(t, st, ev); c.Sold != 2 || c.Held != 0 || c.Available != 0 {
		t.Fatalf("counters = %+v, want the 2 seats sold once", c)
	}

	if n := len(mailsAbout(t, st, lateID, "has expired", 1)); n != 1 {
		t.Fatalf("%d expiry notices for %s, want 1", n, lateID)
	}
	if m := mailsAbout(t, st, lateID, "Refund for", 1); len(m) != 1 || !strings.Contains(m[0].Text, "90.00 GBP") {
		t.Fatalf("%d refund receipts for %s, want 1 showing 90.00 GBP", len(m), lateID)
	}
	if n := len(mailsAbout(t, st, nextID, "Your tickets for", 1)); n != 1 {
		t.Fatalf("%d confirmation mails for %s, want 1", n, nextID)
	}
}

// A waitlist offer is mailed once to the buyer who waited, with its deadline and the
// link to confirm it.
func TestWaitlistOfferMail(t *testing.T) {
	st, _ := payStack(t)
	run := time.Now().UnixNano()
	admin := client{t, st.BaseURL, st.Token(t, "e2e-pay-admin", true)}
	holder := mailBuyer(t, st, fmt.Sprintf("e2e-holder-%d", run))
	waiter := mailBuyer(t, st, fmt.Sprintf("e2e-waiter-%d", run))
	ev := onSale(t, admin, fmt.Sprint("offer", run), 1)
	held := hold(t, holder, ev, fmt.Sprintf("oh-%d", run), 1)
	waiter.must(409, "POST", "/events/"+ev+"/bookings", map[string]any{"quantity": 1, "waitlist": true},
		map[string]string{"Idempotency-Key": fmt.Sprintf("ow-%d", run)})
	holder.must(200, "POST", "/bookings/"+held+"/cancel", nil, nil)

	var offer string
	for deadline := time.Now().Add(90 * time.Second); offer == "" && time.Now().Before(deadline); time.Sleep(time.Second) {
		_, me := waiter.must(200, "GET", "/events/"+ev+"/waitlist/me", nil, nil)
		if o, ok := me["offer"].(map[string]any); ok {
			offer, _ = o["booking_id"].(string)
		}
	}
	if offer == "" {
		t.Fatalf("no offer was made (stack log: %s)", st.LogPath)
	}
	mails := mailsAbout(t, st, offer, "Seats are waiting for you", 1)
	if len(mails) != 1 {
		t.Fatalf("%d offer mails for %s, want exactly 1", len(mails), offer)
	}
	m := mails[0]
	if !strings.Contains(strings.Join(m.Destinations, ","), "e2e-waiter-") || !strings.Contains(m.Text, "/bookings/"+offer) {
		t.Fatalf("offer mail to %v without its confirm link:\n%s", m.Destinations, m.Text)
	}
	_, b := waiter.must(200, "GET", "/bookings/"+offer, nil, nil)
	expires, _ := time.Parse(time.RFC3339, fmt.Sprint(b["expires_at"]))
	if expires.IsZero() || !strings.Contains(m.Text, expires.UTC().Format("15:04")) {
		t.Fatalf("offer mail does not show the deadline %v:\n%s", b["expires_at"], m.Text)
	}
}
