// Package mail renders the product's emails and builds them as complete RFC 5322
// messages: the same bytes go to SES (SendEmail with Content.Raw) and, locally, to .eml
// files a person can open. Each kind of message is one html/template and one
// text/template file under templates/, rendered in the event's time zone; a confirmation
// carries each ticket's code as a QR image (PNG) shown inline by Content-ID.
package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // Lambda's image has no zoneinfo; events name IANA zones
)

// Kinds of message, named after their template files.
const (
	Confirmation = "confirmation" // booking confirmed: tickets with QR codes
	Offer        = "offer"        // waitlist offer: seats held until a deadline
	Expired      = "expired"      // a hold ran out unpaid
	Refund       = "refund"       // cancellation and refund receipt
)

//go:embed templates
var files embed.FS

// Money is an amount in minor units with its ISO 4217 currency.
type Money struct {
	Amount   int64
	Currency string
}

// String shows m for a person: 12.50 EUR (two decimals but for zero-decimal currencies).
func (m Money) String() string {
	if zeroDecimal[strings.ToUpper(m.Currency)] {
		return fmt.Sprintf("%d %s", m.Amount, strings.ToUpper(m.Currency))
	}
	sign := ""
	a := m.Amount
	if a < 0 {
		sign, a = "-", -a
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, a/100, a%100, strings.ToUpper(m.Currency))
}

var zeroDecimal = map[string]bool{"JPY": true, "KRW": true, "VND": true, "CLP": true, "ISK": true, "UGX": true}

// Ticket is one admission: its code (what the QR encodes) and its label.
type Ticket struct {
	Code  string
	Label string // e.g. "Ticket 1 of 2"
}

// Message is everything a message of any kind may show; each template uses its part.
type Message struct {
	Kind      string
	To        string
	BookingID string
	EventName string
	Venue     string
	StartsAt  time.Time
	TimeZone  string // IANA name of the event's zone; times are shown in it
	Quantity  int
	Total     Money
	Tickets   []Ticket
	// Offer: the held seats' deadline and where to confirm.
	Deadline   time.Time
	ConfirmURL string
	// Refund: what comes back.
	Refunded Money
}

// Image is an inline PNG referred to by cid:<CID> from the HTML part.
type Image struct {
	CID  string
	Name string
	PNG  []byte
}

// Rendered is a message's parts.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
	Images  []Image
}

// Render fills m's kind of template.
func Render(m Message) (Rendered, error) {
	loc, err := time.LoadLocation(m.TimeZone)
	if m.TimeZone == "" || err != nil {
		return Rendered{}, fmt.Errorf("mail: time zone %q: %v", m.TimeZone, err)
	}
	if m.To == "" {
		return Rendered{}, errors.New("mail: no recipient")
	}
	funcs := map[string]any{
		"local": func(t time.Time) string { return t.In(loc).Format("Monday 2 January 2006, 15:04 MST") },
		"cid":   func(i int) string { return ticketCID(m.BookingID, i) },
	}
	html, err := htmltemplate.New(m.Kind+".html").Funcs(funcs).ParseFS(files, "templates/"+m.Kind+".html")
	if err != nil {
		return Rendered{}, fmt.Errorf("mail: kind %q: %w", m.Kind, err)
	}
	text, err := texttemplate.New(m.Kind+".txt").Funcs(funcs).ParseFS(files, "templates/"+m.Kind+".txt")
	if err != nil {
		return Rendered{}, fmt.Errorf("mail: kind %q: %w", m.Kind, err)
	}
	var r Rendered
	var b bytes.Buffer
	if err := text.ExecuteTemplate(&b, "subject", m); err != nil {
		return Rendered{}, fmt.Errorf("mail: %s subject: %w", m.Kind, err)
	}
	r.Subject = strings.TrimSpace(b.String())
	b.Reset()
	if err := text.Execute(&b, m); err != nil {
		return Rendered{}, fmt.Errorf("mail: %s text: %w", m.Kind, err)
	}
	r.Text = b.String()
	b.Reset()
	if err := html.Execute(&b, m); err != nil {
		return Rendered{}, fmt.Errorf("mail: %s html: %w", m.Kind, err)
	}
	r.HTML = b.String()
	if m.Kind == Confirmation {
		for i, t := range m.Tickets {
			png, err := QR(t.Code)
			if err != nil {
				return Rendered{}, err
			}
			r.Images = append(r.Images, Image{CID: ticketCID(m.BookingID, i), Name: fmt.Sprintf("ticket-%d.png", i+1), PNG: png})
		}
	}
	return r, nil
}

func ticketCID(booking string, i int) string {
	return fmt.Sprintf("ticket-%d.%s@bookmyevent", i+1, strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, booking))
}
