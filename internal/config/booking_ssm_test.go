package config

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// TestLoadTicketsReadsKeyFromSSM runs against moto's SSM, found the way a deployed
// function finds the real one: through the environment the SDK reads.
func TestLoadTicketsReadsKeyFromSSM(t *testing.T) {
	for _, kv := range localtest.AWS(t).Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	name := "/" + localtest.UniqueName(t, 40) + "/ticket-signing-key"
	const stored = "key-from-parameter-store"
	if _, err := ssm.NewFromConfig(localtest.AWSConfig(t)).PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String(name), Overwrite: aws.Bool(true), Value: aws.String(stored), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"from ssm", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY_PARAM": name}, stored, false},
		{"plain key wins", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY_PARAM": name, "TICKET_SIGNING_KEY": "0123456789abcdef"}, "0123456789abcdef", false},
		{"missing parameter", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY_PARAM": name + "-missing"}, "", true},
		{"neither", map[string]string{"TABLE_NAME": "t"}, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := LoadTickets(env(c.env))
			if (err != nil) != c.wantErr || got.TicketKey != c.want {
				t.Errorf("TicketKey = %q, err %v; want %q, error %v", got.TicketKey, err, c.want, c.wantErr)
			}
		})
	}
}
