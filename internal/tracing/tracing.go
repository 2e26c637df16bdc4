// Package tracing turns on AWS X-Ray for the SDK calls a function makes: each DynamoDB,
// SQS or EventBridge call becomes a subsegment of the Lambda invocation's trace (the
// template sets Tracing: Active, so Lambda starts the segment and runs the daemon).
package tracing

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-xray-sdk-go/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/strategy/ctxmissing"
	"github.com/aws/aws-xray-sdk-go/xray"
	"github.com/aws/aws-xray-sdk-go/xraylog"
)

func init() {
	// A call outside an invocation (init code, bme, tests) has no segment to join: it
	// runs untraced instead of failing or logging about it.
	_ = xray.Configure(xray.Config{ContextMissingStrategy: ctxmissing.NewDefaultIgnoreErrorStrategy()})
	// Lambda names the daemon only where tracing is on; elsewhere (the local stack,
	// tests) nothing listens for segments, and sending them there is not worth a log line.
	if os.Getenv("AWS_XRAY_DAEMON_ADDRESS") == "" {
		xray.SetLogger(xraylog.NullLogger)
	} else {
		xray.SetLogger(xraylog.NewDefaultLogger(os.Stderr, xraylog.LogLevelWarn))
	}
}

// Instrument adds X-Ray subsegments to every client built from cfg.
func Instrument(cfg *aws.Config) { awsv2.AWSV2Instrumentor(&cfg.APIOptions) }

// LoadAWSConfig is config.LoadDefaultConfig (which honours AWS_ENDPOINT_URL, so the local
// stack needs nothing here) with tracing instrumented: the one way functions build their
// AWS configuration.
func LoadAWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws config: %w", err)
	}
	Instrument(&cfg)
	return cfg, nil
}
