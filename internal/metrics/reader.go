package metrics

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// Reader reads back the sums of one service's metrics from CloudWatch.
type Reader struct {
	CW      *cloudwatch.Client
	Service string
}

// Sums returns each named metric's sum (dimension Service only) over [now - window, now),
// at one-second periods (the HighResolution metrics).
func (r Reader) Sums(ctx context.Context, now time.Time, window time.Duration, names ...string) (map[string]float64, error) {
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-window)), EndTime: aws.Time(now)}
	for i, n := range names {
		in.MetricDataQueries = append(in.MetricDataQueries, types.MetricDataQuery{
			Id: aws.String("m" + string(rune('a'+i))),
			MetricStat: &types.MetricStat{Period: aws.Int32(1), Stat: aws.String("Sum"), Metric: &types.Metric{
				Namespace: aws.String(Namespace), MetricName: aws.String(n),
				Dimensions: []types.Dimension{{Name: aws.String("Service"), Value: aws.String(r.Service)}}}},
		})
	}
	out, err := r.CW.GetMetricData(ctx, in)
	if err != nil {
		return nil, err
	}
	sums := map[string]float64{}
	for _, res := range out.MetricDataResults {
		for i, n := range names {
			if aws.ToString(res.Id) == "m"+string(rune('a'+i)) {
				for _, v := range res.Values {
					sums[n] += v
				}
			}
		}
	}
	return sums, nil
}
