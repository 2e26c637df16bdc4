package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/bookmyevent/bookmyevent/internal/app"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
)

// TestThrottleSignalOnCloudWatch puts the reservation function's one-second
// TransactionRetries and Reservations into the local CloudWatch (moto) and reads them
// back as the admitter does: over 5 % of at least 20 reservations retried in the last
// 5 s is throttled; fewer retries, too few reservations, or data older than the window
// is not.
func TestThrottleSignalOnCloudWatch(t *testing.T) {
	// moto 5.2 speaks CloudWatch's query protocol, not the CBOR this SDK sends by default:
	// the same operations over another encoding.
	cw := cloudwatch.NewFromConfig(localtest.AWSConfig(t), func(o *cloudwatch.Options) {
		o.Protocol = awsquery.New(schemas.GraniteServiceVersion20100801)
	})
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	for _, c := range []struct {
		name                  string
		retries, reservations float64
		ago                   time.Duration
		want                  bool
	}{
		{"throttled: 10 % retried", 4, 40, 2 * time.Second, true},
		{"contention: 5 % retried", 2, 40, 2 * time.Second, false},
		{"a quiet table", 5, 10, 2 * time.Second, false},
		{"throttled, but a minute ago", 20, 40, time.Minute, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			service := localtest.UniqueName(t, 60)
			put := func(name string, v float64) {
				// Spread over two seconds, as a function's many EMF lines are.
				for i := range 2 {
					_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(metrics.Namespace),
						MetricData: []types.MetricDatum{{MetricName: aws.String(name), Value: aws.Float64(v / 2),
							Timestamp: aws.Time(now.Add(-c.ago - time.Duration(i)*time.Second)), StorageResolution: aws.Int32(1), Unit: types.StandardUnitCount,
							Dimensions: []types.Dimension{{Name: aws.String("Service"), Value: aws.String(service)}}}}})
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			put("TransactionRetries", c.retries)
			put("Reservations", c.reservations)
			throttled := app.ThrottleSignal(metrics.Reader{CW: cw, Service: service}, func() time.Time { return now })
			if got := throttled(ctx, "event"); got != c.want {
				sums, err := metrics.Reader{CW: cw, Service: service}.Sums(ctx, now, 5*time.Second, "TransactionRetries", "Reservations")
				t.Fatalf("throttled = %v, want %v (sums read back: %v, %v)", got, c.want, sums, err)
			}
		})
	}
}
