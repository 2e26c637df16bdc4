// Package secrets reads secrets a function needs at start from SSM Parameter Store, so
// they never sit in the function's configuration (visible to anyone who may read it).
package secrets

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Parameter returns the decrypted value of the SSM parameter name (a SecureString, or a
// plain String), using the default AWS configuration: AWS_ENDPOINT_URL points it at the
// local stack's moto.
func Parameter(ctx context.Context, name string) (string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return "", fmt.Errorf("aws config: %w", err)
	}
	return ParameterFrom(ctx, ssm.NewFromConfig(cfg), name)
}

// ParameterFrom is Parameter with a given client.
func ParameterFrom(ctx context.Context, c *ssm.Client, name string) (string, error) {
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("ssm parameter %s: %w", name, err)
	}
	return aws.ToString(out.Parameter.Value), nil
}
