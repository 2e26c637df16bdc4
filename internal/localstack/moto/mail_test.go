package moto_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/bookmyevent/bookmyevent/internal/localstack/moto"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/mail"
)

func TestSentMailReadsBackWhatSESv2Sent(t *testing.T) {
	cfg := localtest.AWSConfig(t)
	ctx := context.Background()
	c := sesv2.NewFromConfig(cfg)
	from := localtest.UniqueName(t, 40) + "@bookmyevent.example"
	from = strings.ToLower(strings.ReplaceAll(from, "_", "-"))
	if _, err := c.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(from)}); err != nil {
		t.Fatal(err)
	}
	r, err := mail.Render(mail.Message{Kind: mail.Expired, To: "ann@example.com", BookingID: "bk_9", EventName: "Gig",
		TimeZone: "UTC", StartsAt: time.Now(), Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := mail.Build(r, from, "ann@example.com", time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	id, err := (&mail.SES{Client: c, From: from}).Send(ctx, "ann@example.com", raw)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := moto.Sent(ctx, localtest.AWS(t).Main)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sent {
		if m.ID == id {
			if m.Raw != string(raw) || m.Source != from {
				t.Fatalf("stored message differs: source %q", m.Source)
			}
			return
		}
	}
	t.Fatalf("message %s not among %d sent", id, len(sent))
}
