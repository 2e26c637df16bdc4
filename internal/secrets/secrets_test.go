package secrets_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/secrets"
)

func TestParameterFromDecryptsSecureString(t *testing.T) {
	c := ssm.NewFromConfig(localtest.AWSConfig(t))
	ctx := context.Background()
	name := "/bookmyevent-test/" + localtest.UniqueName(t, 40)
	// Overwrite makes the put idempotent: on a loaded machine the SDK may retry a put whose
	// first attempt moto did apply, which would otherwise fail with ParameterAlreadyExists.
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Overwrite: aws.Bool(true),
		Value: aws.String("a-signing-key-of-some-length"), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		want    string
		wantErr bool
	}{
		{name, "a-signing-key-of-some-length", false},
		{name + "-missing", "", true},
	}
	for _, tt := range tests {
		got, err := secrets.ParameterFrom(ctx, c, tt.name)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParameterFrom(%s) = %q, %v; want %q, error %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}
