// Package endpoints says where the local AWS services listen and hands out SDK
// configuration and child-process environment pointing at them. DynamoDB, Cognito and the
// rest share one moto process; SQS has its own, because moto serves one request at a time
// and SQS pollers would otherwise queue ahead of every table call.
package endpoints

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// Environment variables cmd/local exec sets for the command it runs.
const (
	EnvMain = "BME_MOTO_URL"
	EnvSQS  = "BME_MOTO_SQS_URL"
)

// Credentials the local stack uses everywhere; moto accepts any.
const (
	AccessKeyID     = "test"
	SecretAccessKey = "test"
	SessionToken    = "test"
)

// Endpoints are the base URLs of the local services.
type Endpoints struct {
	// Main serves every service but SQS (DynamoDB, DynamoDB Streams, Cognito, EventBridge).
	Main string `json:"main"`
	// SQS serves SQS.
	SQS string `json:"sqs"`
}

// FromEnv reads the endpoints cmd/local exec exported, reporting whether they were set.
func FromEnv() (Endpoints, bool, error) {
	e := Endpoints{Main: os.Getenv(EnvMain), SQS: os.Getenv(EnvSQS)}
	switch {
	case e.Main == "" && e.SQS == "":
		return e, false, nil
	case e.Main == "":
		return e, false, errors.New(EnvSQS + " is set but " + EnvMain + " is not")
	case e.SQS == "":
		e.SQS = e.Main // one moto for everything is fine, just slower under SQS polling
	}
	return e, true, nil
}

// Env returns the variables that point a child process at these endpoints: the AWS SDK
// reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> by itself, so deployed code
// needs no local-only branch; BME_MOTO_* let test helpers reuse the running servers.
func (e Endpoints) Env() []string {
	return []string{
		EnvMain + "=" + e.Main,
		EnvSQS + "=" + e.SQS,
		"AWS_ENDPOINT_URL=" + e.Main,
		"AWS_ENDPOINT_URL_SQS=" + e.SQS,
	}
}

// Config returns SDK configuration for the local services: static test credentials,
// us-east-1, every service at Main except SQS at SQS.
func (e Endpoints) Config(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(template.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")),
		config.WithBaseEndpoint(e.Main),
	)
	if err != nil {
		return aws.Config{}, err
	}
	// Service clients consult config sources for service-specific endpoints after the
	// base endpoint; this is how AWS_ENDPOINT_URL_SQS works without the environment.
	cfg.ConfigSources = append([]any{config.SharedConfig{Services: config.Services{
		ServiceValues: map[string]map[string]string{"sqs": {"endpoint_url": e.SQS}},
	}}}, cfg.ConfigSources...)
	return cfg, nil
}
