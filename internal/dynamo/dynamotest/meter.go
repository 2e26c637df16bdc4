// Package dynamotest instruments a DynamoDB client for tests, benchmarks and the load
// tool: a Meter counts round trips and capacity, Faults injects the failures the local
// emulator never produces. Both are client options (SDK middleware), so the production
// package knows nothing of them.
package dynamotest

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Meter counts DynamoDB round trips (HTTP attempts, retries included) and the capacity
// the responses report (and an estimate). Attach it to a client with WithMeter.
type Meter struct {
	mu        sync.Mutex
	calls     int
	reported  float64
	estimated float64
	byOp      map[string]int
}

// Reading is what a Meter counted.
type Reading struct {
	Calls int
	// Reported is what responses said through ReturnConsumedCapacity; Estimated prices
	// the same calls by DynamoDB's published rules, because emulators report writes
	// wrongly or not at all (moto: nothing for transactions, 0.5 for UpdateItem).
	Reported, Estimated float64
	ByOp                map[string]int
}

// Read returns the counts so far.
func (m *Meter) Read() Reading {
	m.mu.Lock()
	defer m.mu.Unlock()
	by := make(map[string]int, len(m.byOp))
	for k, v := range m.byOp {
		by[k] = v
	}
	return Reading{Calls: m.calls, Reported: m.reported, Estimated: m.estimated, ByOp: by}
}

// Reset zeroes the counts.
func (m *Meter) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls, m.reported, m.estimated, m.byOp = 0, 0, 0, nil
}

func (m *Meter) record(op string, reported, estimated float64, attempt bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if attempt {
		m.calls++
		if m.byOp == nil {
			m.byOp = map[string]int{}
		}
		m.byOp[op]++
	}
	m.reported += reported
	m.estimated += estimated
}

// WithMeter is a client option that counts every attempt (in the deserialize step, which
// runs once per HTTP round trip) and adds up the capacity of each successful call.
func WithMeter(m *Meter) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			err := st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("bme/meter-attempts",
				func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
					m.record(awsmiddleware.GetOperationName(ctx), 0, 0, true)
					return next.HandleDeserialize(ctx, in)
				}), middleware.Before)
			if err != nil {
				return err
			}
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("bme/meter-capacity",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleInitialize(ctx, in)
					if err == nil {
						m.record("", consumed(out.Result), estimated(in.Parameters), false)
					}
					return out, md, err
				}), middleware.After)
		})
	}
}

func consumed(result any) float64 {
	var cc []types.ConsumedCapacity
	switch o := result.(type) {
	case *dynamodb.TransactWriteItemsOutput:
		cc = o.ConsumedCapacity
	case *dynamodb.BatchGetItemOutput:
		cc = o.ConsumedCapacity
	case *dynamodb.GetItemOutput:
		if o.ConsumedCapacity != nil {
			cc = []types.ConsumedCapacity{*o.ConsumedCapacity}
		}
	case *dynamodb.UpdateItemOutput:
		if o.ConsumedCapacity != nil {
			cc = []types.ConsumedCapacity{*o.ConsumedCapacity}
		}
	case *dynamodb.PutItemOutput:
		if o.ConsumedCapacity != nil {
			cc = []types.ConsumedCapacity{*o.ConsumedCapacity}
		}
	case *dynamodb.QueryOutput:
		if o.ConsumedCapacity != nil {
			cc = []types.ConsumedCapacity{*o.ConsumedCapacity}
		}
	}
	var sum float64
	for _, c := range cc {
		sum += aws.ToFloat64(c.CapacityUnits)
	}
	return sum
}

// estimated prices a call by DynamoDB's published rules: a transactional write is 2 WCU
// per item, a standard write 1 WCU, a strongly consistent read 1 RCU and an eventually
// consistent one 0.5, each per item of up to 1 KB (writes) or 4 KB (reads). It is a
// floor: a confirmed booking carrying its stored answer can pass 1 KB and cost double.
func estimated(params any) float64 {
	switch in := params.(type) {
	case *dynamodb.TransactWriteItemsInput:
		return 2 * float64(len(in.TransactItems))
	case *dynamodb.UpdateItemInput, *dynamodb.PutItemInput, *dynamodb.DeleteItemInput:
		return 1
	case *dynamodb.GetItemInput:
		if aws.ToBool(in.ConsistentRead) {
			return 1
		}
		return 0.5
	case *dynamodb.BatchGetItemInput:
		units := 0.0
		for _, ka := range in.RequestItems {
			per := 0.5
			if aws.ToBool(ka.ConsistentRead) {
				per = 1
			}
			units += per * float64(len(ka.Keys))
		}
		return units
	}
	return 0
}
