package mail

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// SES sends built messages through Amazon SES v2 as raw content, so what is sent is
// byte for byte what Build made (and what the local .eml files show).
type SES struct {
	Client *sesv2.Client
	// From is the verified sender identity (an address or an address in a verified domain).
	From string
}

// Send sends raw to to and returns SES's message id.
func (s *SES) Send(ctx context.Context, to string, raw []byte) (string, error) {
	out, err := s.Client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.From),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: raw}},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.MessageId), nil
}
