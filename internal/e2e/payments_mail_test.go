package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/localstack/moto"
)

// A confirmation through Stripe is mailed once, with its tickets, even when its domain
// event is delivered twice. The event is put on NotifierQueue as NotifierRule would:
// locally EventBridge rules with SQS targets are not emulated yet.
func TestPaymentConfirmationMail(t *testing.T) {
	st, _ := payStack(t)
	run := time.Now().UnixNano()
	user := fmt.Sprintf("e2e-mail-%d", run)
	admin := client{t, st.BaseURL, st.Token(t, "e2e-pay-admin", true)}
	// The email claim is in the ID token only (Cognito access tokens carry none), so the
	// buyer here signs in with it.
	tokens, err := st.Identity.Token(context.Background(), user, false)
	if err != nil {
		t.Fatal(err)
	}
	buyer := client{t, st.BaseURL, tokens.ID}
	ev := onSale(t, admin, fmt.Sprint("mail", run), 10)
	id := hold(t, buyer, ev, fmt.Sprintf("mh-%d", run), 2)
	buyer.must(200, "POST", "/bookings/"+id+"/confirm", confirmBody("pm_card_visa"), map[string]string{"Idempotency-Key": fmt.Sprintf("mc-%d", run)})

	ctx := context.Background()
	q, ok := st.Stack.Physical("NotifierQueue")
	if !ok {
		t.Fatal("no NotifierQueue")
	}
	detail, _ := json.Marshal(map[string]any{"event_id": ev, "booking_id": id})
	body, _ := json.Marshal(map[string]any{"version": "0", "id": fmt.Sprintf("evt-mail-%d", run), "detail-type": "booking.confirmed",
		"source": "bookmyevent", "time": time.Now().UTC().Format(time.RFC3339), "detail": json.RawMessage(detail)})
	c := sqs.NewFromConfig(st.AWSConfig(t))
	for range 2 {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.Ref), MessageBody: aws.String(string(body))}); err != nil {
			t.Fatal(err)
		}
	}
	var mine []moto.SentMail
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		sent, err := moto.Sent(ctx, st.Endpoints.Main)
		if err != nil {
			t.Fatal(err)
		}
		mine = mine[:0]
		for _, m := range sent {
			if strings.Contains(m.Raw, id) {
				mine = append(mine, m)
			}
		}
		if len(mine) > 0 {
			time.Sleep(3 * time.Second) // room for a wrong second mail to show up
			break
		}
	}
	if len(mine) != 1 {
		t.Fatalf("%d mails for booking %s, want exactly 1", len(mine), id)
	}
	if !strings.Contains(strings.Join(mine[0].Destinations, ","), user) || !strings.Contains(mine[0].Raw, "image/png") {
		t.Fatalf("mail to %v without its QR images:\n%s", mine[0].Destinations, mine[0].Raw[:min(len(mine[0].Raw), 2000)])
	}
	// Kept for a person to open, like `bme mail` does.
	if dir := os.Getenv("BME_E2E_MAIL_DIR"); dir != "" {
		p := filepath.Join(dir, id+".eml")
		if err := os.WriteFile(p, []byte(mine[0].Raw), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("confirmation mail written to %s", p)
	}
}
