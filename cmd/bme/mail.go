package main

import (
	"context"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bookmyevent/bookmyevent/internal/localstack/moto"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

func init() {
	register("mail", "list the mail the local stack sent and write each as .local/mail/<id>.eml", mailCmd)
}

func mailCmd(args []string) error {
	f := newFlagSet("mail", "[--to addr] [--last N]")
	to := f.String("to", "", "only mail to this address")
	last := f.Int("last", 0, "only the last N messages (0: all)")
	motoURL := f.String("moto-url", "", "moto's URL (default: the running stack's, from .local/state.json)")
	_ = f.Parse(args)
	if *motoURL == "" {
		st, err := localState()
		if err != nil {
			return err
		}
		*motoURL = st.Endpoints.Main
	}
	sent, err := moto.Sent(context.Background(), *motoURL)
	if err != nil {
		return err
	}
	if *to != "" {
		var kept []moto.SentMail
		for _, m := range sent {
			for _, d := range m.Destinations {
				if strings.EqualFold(d, *to) {
					kept = append(kept, m)
					break
				}
			}
		}
		sent = kept
	}
	if *last > 0 && len(sent) > *last {
		sent = sent[len(sent)-*last:]
	}
	dir, err := workspace.Local("mail")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, m := range sent {
		path := filepath.Join(dir, m.ID+".eml")
		if err := os.WriteFile(path, []byte(m.Raw), 0o644); err != nil {
			return err
		}
		subject := ""
		if msg, err := mail.ReadMessage(strings.NewReader(m.Raw)); err == nil {
			subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		}
		// moto lists a recipient once from the call and once from the To header.
		to := slices.Compact(slices.Sorted(slices.Values(m.Destinations)))
		fmt.Printf("%s  to %s  %q\n  %s\n", m.ID, strings.Join(to, ","), subject, path)
	}
	fmt.Printf("%d message(s)\n", len(sent))
	return nil
}
