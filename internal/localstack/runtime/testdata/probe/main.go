// Command probe is a Lambda function for the runtime's tests: the event says what to do.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Say     string `json:"say"`
	SleepMS int    `json:"sleep_ms"`
	Fail    string `json:"fail"`
	Exit    int    `json:"exit"`
	// Body is set when API Gateway invokes: the request body says what to do then.
	Body string `json:"body"`
}

func main() {
	if os.Getenv("PROBE_INIT_FAIL") != "" {
		panic("init failure requested")
	}
	lambda.Start(func(ctx context.Context, ev event) (map[string]any, error) {
		if ev.Body != "" {
			if err := json.Unmarshal([]byte(ev.Body), &ev); err != nil {
				return nil, err
			}
		}
		fmt.Println("probe says", ev.Say)
		if ev.Exit != 0 {
			os.Exit(ev.Exit)
		}
		time.Sleep(time.Duration(ev.SleepMS) * time.Millisecond)
		if ev.Fail != "" {
			return nil, errors.New(ev.Fail)
		}
		lc, _ := lambdacontext.FromContext(ctx)
		deadline, _ := ctx.Deadline()
		return map[string]any{
			"say":           ev.Say,
			"request_id":    lc.AwsRequestID,
			"function_arn":  lc.InvokedFunctionArn,
			"function_name": os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
			"table":         os.Getenv("TABLE_NAME"),
			"tz":            os.Getenv("TZ"),
			"has_deadline":  !deadline.IsZero(),
		}, nil
	})
}
