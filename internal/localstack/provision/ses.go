package provision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// MailIdentities verifies in (moto's) SES every sender address a function mails from
// (MAIL_FROM), as a deployment verifies its identity beforehand: SES refuses to send
// from an unverified one. moto verifies an address identity as soon as it is created.
func MailIdentities(ctx context.Context, c *sesv2.Client, s *template.Stack, log io.Writer) error {
	fns, err := s.Functions()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range fns {
		if v := f.Environment["MAIL_FROM"]; v != "" {
			a, err := mail.ParseAddress(v)
			if err != nil {
				return fmt.Errorf("provision: %s MAIL_FROM %q: %w", f.LogicalID, v, err)
			}
			seen[a.Address] = true
		}
	}
	addrs := make([]string, 0, len(seen))
	for a := range seen {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		_, err := c.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(a)})
		var exists *sestypes.AlreadyExistsException
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("provision SES identity %s: %w", a, err)
		}
		fmt.Fprintf(log, "provision: %-24s %-30s %s\n", a, "SES email identity", a)
	}
	return nil
}
