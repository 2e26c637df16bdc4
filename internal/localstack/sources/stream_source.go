package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// StreamSource is a Lambda event source mapping on a DynamoDB stream: matching records
// are passed to the function in batches, in order. A failed batch is retried until it
// succeeds (Lambda's default for streams: no record is skipped); with
// ReportBatchItemFailures the retry starts at the first reported failure.
type StreamSource struct {
	Function string
	Reader   *StreamReader
	Filters  []Pattern
	Invoker  Invoker
	// ReportBatchItemFailures reads an events.DynamoDBEventResponse from the function.
	ReportBatchItemFailures bool
}

// Run delivers records until ctx ends.
func (s *StreamSource) Run(ctx context.Context) {
	s.Reader.Run(ctx, s.deliver)
}

func (s *StreamSource) deliver(ctx context.Context, recs []events.DynamoDBEventRecord) error {
	var batch []events.DynamoDBEventRecord
	for _, r := range recs {
		if MatchAny(s.Filters, r) {
			batch = append(batch, r)
		}
	}
	for len(batch) > 0 {
		payload, err := json.Marshal(events.DynamoDBEvent{Records: batch})
		if err != nil {
			return err
		}
		res, err := s.Invoker.Invoke(ctx, payload)
		if err != nil {
			return err
		}
		if res.FunctionError != "" {
			return fmt.Errorf("%s failed: %s", s.Function, res.Payload)
		}
		if !s.ReportBatchItemFailures {
			return nil
		}
		var resp events.DynamoDBEventResponse
		if json.Unmarshal(res.Payload, &resp) != nil || len(resp.BatchItemFailures) == 0 {
			return nil
		}
		// Resume from the earliest failed record; the ones before it are done.
		first := len(batch)
		for _, f := range resp.BatchItemFailures {
			for i, r := range batch {
				if r.Change.SequenceNumber == f.ItemIdentifier && i < first {
					first = i
				}
			}
		}
		if first == len(batch) {
			return fmt.Errorf("%s reported failures for unknown sequence numbers", s.Function)
		}
		if first == 0 {
			return fmt.Errorf("%s failed the batch's first record", s.Function)
		}
		batch = batch[first:]
	}
	return nil
}

// MatchAny reports whether a record's JSON matches one of the filters; no filters match
// everything.
func MatchAny(filters []Pattern, record any) bool {
	if len(filters) == 0 {
		return true
	}
	b, err := json.Marshal(record)
	if err != nil {
		return false
	}
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if dec.Decode(&ev) != nil {
		return false
	}
	for _, f := range filters {
		if f.Match(ev) {
			return true
		}
	}
	return false
}
