// Package endpoints says where the local AWS services listen and hands out SDK
// configuration and child-process environment pointing at them. moto serves one request
// at a time, so the services run in three moto processes: SQS has its own (pollers would
// otherwise queue ahead of every table call), DynamoDB and its streams have theirs (the
// system of record, busiest in an on-sale: nothing else's requests queue ahead of its
// transactions), and Cognito, EventBridge, SSM, SES and CloudWatch share the third.
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
	EnvMain     = "BME_MOTO_URL"
	EnvSQS      = "BME_MOTO_SQS_URL"
	EnvDynamoDB = "BME_MOTO_DYNAMODB_URL"
)

// Credentials the local stack uses everywhere; moto accepts any.
const (
	AccessKeyID     = "test"
	SecretAccessKey = "test"
	SessionToken    = "test"
)

// Endpoints are the base URLs of the local services.
type Endpoints struct {
	// Main serves every service but SQS and DynamoDB (Cognito, EventBridge, SSM, SES).
	Main string `json:"main"`
	// SQS serves SQS.
	SQS string `json:"sqs"`
	// DynamoDB serves DynamoDB and DynamoDB Streams (one moto backend: the streams are
	// the tables').
	DynamoDB string `json:"dynamodb"`
}

// FromEnv reads the endpoints cmd/local exec exported, reporting whether they were set.
func FromEnv() (Endpoints, bool, error) {
	e := Endpoints{Main: os.Getenv(EnvMain), SQS: os.Getenv(EnvSQS), DynamoDB: os.Getenv(EnvDynamoDB)}
	switch {
	case e.Main == "" && e.SQS == "" && e.DynamoDB == "":
		return e, false, nil
	case e.Main == "":
		return e, false, errors.New(EnvSQS + " or " + EnvDynamoDB + " is set but " + EnvMain + " is not")
	}
	return e.withDefaults(), true, nil
}

// withDefaults serves from Main what has no process of its own: one moto for everything
// works, just slower (as a state file written before DynamoDB had its own says).
func (e Endpoints) withDefaults() Endpoints {
	if e.SQS == "" {
		e.SQS = e.Main
	}
	if e.DynamoDB == "" {
		e.DynamoDB = e.Main
	}
	return e
}

// Env returns the variables that point a child process at these endpoints: the AWS SDK
// reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> by itself, so deployed code
// needs no local-only branch; BME_MOTO_* let test helpers reuse the running servers.
func (e Endpoints) Env() []string {
	e = e.withDefaults()
	return []string{
		EnvMain + "=" + e.Main,
		EnvSQS + "=" + e.SQS,
		EnvDynamoDB + "=" + e.DynamoDB,
		"AWS_ENDPOINT_URL=" + e.Main,
		"AWS_ENDPOINT_URL_SQS=" + e.SQS,
		"AWS_ENDPOINT_URL_DYNAMODB=" + e.DynamoDB,
		"AWS_ENDPOINT_URL_DYNAMODB_STREAMS=" + e.DynamoDB,
	}
}

// Config returns SDK configuration for the local services: static test credentials,
// us-east-1, every service at Main except SQS and DynamoDB at their own.
func (e Endpoints) Config(ctx context.Context) (aws.Config, error) {
	e = e.withDefaults()
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(template.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")),
		config.WithBaseEndpoint(e.Main),
	)
	if err != nil {
		return aws.Config{}, err
	}
	// Service clients consult config sources for service-specific endpoints after the
	// base endpoint; this is how AWS_ENDPOINT_URL_<SERVICE> works without the environment.
	cfg.ConfigSources = append([]any{config.SharedConfig{Services: config.Services{
		ServiceValues: map[string]map[string]string{
			"sqs":              {"endpoint_url": e.SQS},
			"dynamodb":         {"endpoint_url": e.DynamoDB},
			"dynamodb_streams": {"endpoint_url": e.DynamoDB},
		},
	}}}, cfg.ConfigSources...)
	return cfg, nil
}
