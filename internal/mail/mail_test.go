package mail_test

import (
	"bytes"
	"image"
	_ "image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	bmemail "github.com/bookmyevent/bookmyevent/internal/mail"
)

func confirmation() bmemail.Message {
	return bmemail.Message{Kind: bmemail.Confirmation, To: "buyer@example.com", BookingID: "bk_42",
		EventName: "Night at the Opera", Venue: "Teatro Real", TimeZone: "Europe/Madrid",
		StartsAt: time.Date(2026, 12, 31, 19, 30, 0, 0, time.UTC), Quantity: 2,
		Total: bmemail.Money{Amount: 9000, Currency: "EUR"},
		Tickets: []bmemail.Ticket{{Code: "T1.bk_42.abcdef0123456789", Label: "Ticket 1 of 2"},
			{Code: "T2.bk_42.9876543210fedcba", Label: "Ticket 2 of 2"}}}
}

// Decode scans a PNG the way a door scanner would.
func decode(t *testing.T, png []byte) string {
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

// parts walks a parsed message and returns its leaf parts by content type.
func parts(t *testing.T, ct string, body io.Reader, out map[string][][]byte, cids map[string][]byte) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("leaf %s where a multipart was expected", mt)
	}
	r := multipart.NewReader(body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable by itself
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		pct := p.Header.Get("Content-Type")
		if strings.HasPrefix(pct, "multipart/") {
			parts(t, pct, p, out, cids)
			continue
		}
		data, _ := io.ReadAll(p)
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			data = b64(t, data)
			cids[strings.Trim(p.Header.Get("Content-ID"), "<>")] = data
		}
		mt, _, _ := mime.ParseMediaType(pct)
		out[mt] = append(out[mt], data)
	}
}

func TestConfirmationMailQRCodesScanBackToTickets(t *testing.T) {
	m := confirmation()
	r, err := bmemail.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := bmemail.Build(r, "BookMyEvent <tickets@bookmyevent.example>", m.To, time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Your tickets for Night at the Opera" || msg.Header.Get("To") != "<buyer@example.com>" {
		t.Fatalf("headers: %v", msg.Header)
	}
	out, cids := map[string][][]byte{}, map[string][]byte{}
	parts(t, msg.Header.Get("Content-Type"), msg.Body, out, cids)
	text, html := string(out["text/plain"][0]), string(out["text/html"][0])
	// 19:30 UTC on 31 December is 20:30 in Madrid (CET).
	for _, want := range []string{"Thursday 31 December 2026, 20:30 CET", "90.00 EUR", m.Tickets[0].Code, m.Tickets[1].Code} {
		if !strings.Contains(text, want) || !strings.Contains(html, want) {
			t.Errorf("text or html lacks %q", want)
		}
	}
	if len(out["image/png"]) != 2 {
		t.Fatalf("%d images, want 2", len(out["image/png"]))
	}
	for i, img := range r.Images {
		if !strings.Contains(html, "cid:"+img.CID) {
			t.Errorf("html does not show %s", img.CID)
		}
		if got := decode(t, cids[img.CID]); got != m.Tickets[i].Code {
			t.Errorf("QR %d decodes to %q, want %q", i, got, m.Tickets[i].Code)
		}
	}
}

func TestEveryKindRenders(t *testing.T) {
	base := confirmation()
	deadline := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		kind    string
		edit    func(*bmemail.Message)
		subject string
		want    string
	}{
		{bmemail.Offer, func(m *bmemail.Message) { m.Deadline, m.ConfirmURL = deadline, "https://app.example/bookings/bk_42" },
			"Seats are waiting for you: Night at the Opera", "Tuesday 1 December 2026, 13:00 CET"},
		{bmemail.Expired, func(*bmemail.Message) {}, "Your hold for Night at the Opera has expired", "Nothing was charged"},
		{bmemail.Refund, func(m *bmemail.Message) { m.Refunded = bmemail.Money{Amount: 4500, Currency: "EUR"} },
			"Refund for Night at the Opera: 45.00 EUR", "Refunded: 45.00 EUR"},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			m := base
			m.Kind = c.kind
			c.edit(&m)
			r, err := bmemail.Render(m)
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != c.subject || !strings.Contains(r.Text, c.want) || len(r.Images) != 0 {
				t.Fatalf("subject %q, text %q, %d images", r.Subject, r.Text, len(r.Images))
			}
		})
	}
}

func TestRenderRefusesWhatCannotBeSent(t *testing.T) {
	cases := map[string]func(*bmemail.Message){
		"unknown kind": func(m *bmemail.Message) { m.Kind = "spam" },
		"no zone":      func(m *bmemail.Message) { m.TimeZone = "" },
		"bad zone":     func(m *bmemail.Message) { m.TimeZone = "Mars/Olympus" },
		"no recipient": func(m *bmemail.Message) { m.To = "" },
	}
	for name, edit := range cases {
		m := confirmation()
		edit(&m)
		if _, err := bmemail.Render(m); err == nil {
			t.Errorf("%s: rendered", name)
		}
	}
}

func TestMoney(t *testing.T) {
	cases := map[bmemail.Money]string{
		{Amount: 1250, Currency: "eur"}: "12.50 EUR",
		{Amount: 5, Currency: "USD"}:    "0.05 USD",
		{Amount: 1200, Currency: "JPY"}: "1200 JPY",
	}
	for m, want := range cases {
		if got := m.String(); got != want {
			t.Errorf("%+v = %q, want %q", m, got, want)
		}
	}
}
