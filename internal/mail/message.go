package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"time"
)

// Build returns r as a complete RFC 5322 message from from to to: multipart/alternative
// of the text part and a multipart/related HTML part carrying the inline images. Every
// part is 7-bit (quoted-printable or base64), as SES's raw sending wants.
func Build(r Rendered, from, to string, date time.Time, messageID string) ([]byte, error) {
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: from %q: %w", from, err)
	}
	toAddr, err := mail.ParseAddress(to)
	if err != nil {
		return nil, fmt.Errorf("mail: to: %w", err)
	}
	if messageID == "" {
		messageID = randomID() + "@bookmyevent"
	}
	var related bytes.Buffer
	rel := multipart.NewWriter(&related)
	if err := qpPart(rel, textproto.MIMEHeader{"Content-Type": {"text/html; charset=utf-8"}}, r.HTML); err != nil {
		return nil, err
	}
	for _, img := range r.Images {
		w, err := rel.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {"image/png"},
			"Content-Transfer-Encoding": {"base64"},
			"Content-ID":                {"<" + img.CID + ">"},
			"Content-Disposition":       {`inline; filename="` + img.Name + `"`},
		})
		if err != nil {
			return nil, err
		}
		if err := base64Lines(w, img.PNG); err != nil {
			return nil, err
		}
	}
	if err := rel.Close(); err != nil {
		return nil, err
	}

	var b bytes.Buffer
	alt := multipart.NewWriter(&b)
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", fromAddr.String())
	header("To", toAddr.String())
	header("Subject", mime.QEncoding.Encode("utf-8", r.Subject))
	header("Date", date.UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+messageID+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "multipart/alternative; boundary="+alt.Boundary())
	b.WriteString("\r\n")
	if err := qpPart(alt, textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}}, r.Text); err != nil {
		return nil, err
	}
	w, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {"multipart/related; type=\"text/html\"; boundary=" + rel.Boundary()}})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(related.Bytes()); err != nil {
		return nil, err
	}
	if err := alt.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func qpPart(m *multipart.Writer, h textproto.MIMEHeader, body string) error {
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	w, err := m.CreatePart(h)
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, body); err != nil {
		return err
	}
	return qp.Close()
}

// base64Lines writes data in base64 lines of 76 characters (RFC 2045).
func base64Lines(w io.Writer, data []byte) error {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		if _, err := io.WriteString(w, enc[:76]+"\r\n"); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err := io.WriteString(w, enc+"\r\n")
	return err
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
