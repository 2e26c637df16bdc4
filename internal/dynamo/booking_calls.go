package dynamo

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
)

// Backoff shapes the retries of a transaction that lost to a concurrent one or was
// throttled: full jitter over an exponentially growing cap, while the request's
// deadline leaves room.
type Backoff struct {
	Base, Cap time.Duration
	// Budget bounds retrying when the context has no deadline.
	Budget time.Duration
	// Margin is kept free before the deadline to answer the caller.
	Margin time.Duration
}

// DefaultBackoff suits a Lambda with a 10 s timeout.
var DefaultBackoff = Backoff{Base: 10 * time.Millisecond, Cap: 500 * time.Millisecond, Budget: 5 * time.Second, Margin: 500 * time.Millisecond}

// transact runs a transaction, retrying transient failures itself (the SDK's retryer is
// off for it) so that every retry carries the same ClientRequestToken.
func (s *Bookings) transact(ctx context.Context, items []types.TransactWriteItem, token *string) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: token, ReturnConsumedCapacity: consumedTotal}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(s.retry.Budget)
	}
	for attempt := 0; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, in, func(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} })
		if err == nil {
			return nil
		}
		if !transient(err) {
			countCancelled(err)
			return err
		}
		limit := min(s.retry.Cap, s.retry.Base<<min(attempt, 16))
		sleep := time.Duration(rand.Int64N(int64(limit) + 1))
		if time.Until(deadline) < sleep+s.retry.Margin {
			countCancelled(err)
			return fault.New(fault.Unavailable, "Too much contention right now; retry with the same Idempotency-Key").With("cause", errorCode(err))
		}
		metrics.Default().Count("TransactionRetries", 1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(sleep):
		}
	}
}

// countCancelled records a transaction that ended cancelled (a failed condition, or a
// conflict past the retry budget): on a hot event these are the sign of contention.
func countCancelled(err error) {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) || transient(err) {
		metrics.Default().Count("TransactionConflicts", 1)
	}
}

// transient reports failures worth retrying: a transaction cancelled only because of a
// concurrent one (no condition failed) or throttling.
func transient(err error) bool {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		conflict := false
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed", "ValidationError", "ItemCollectionSizeLimitExceeded":
				return false
			case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
				conflict = true
			}
		}
		return conflict
	}
	switch errorCode(err) {
	case "TransactionConflictException", "TransactionInProgressException", "ThrottlingException",
		"ProvisionedThroughputExceededException", "RequestLimitExceeded", "InternalServerError":
		return true
	}
	return false
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

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

// Faults injects failures into a client's calls, for tests of the retry and recovery
// paths the local emulator never takes (it has no conflicts or throttling). Attach with
// WithFaults.
type Faults struct {
	mu    sync.Mutex
	rules []*faultRule
}

type faultRule struct {
	op    string
	after bool
	err   error
	times int
}

// Fail makes the next times calls of op fail with err. With after set, the call is
// sent and applied first and only its answer is lost: a Lambda dying after a write.
func (f *Faults) Fail(op string, times int, after bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &faultRule{op: op, after: after, err: err, times: times})
}

// Pending is how many injected failures of op have not happened yet.
func (f *Faults) Pending(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.rules {
		if r.op == op {
			n += r.times
		}
	}
	return n
}

// take returns the rule that applies to this call of op, if any.
func (f *Faults) take(op string) *faultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if r.op == op && r.times > 0 {
			r.times--
			return r
		}
	}
	return nil
}

// Conflict is the error real DynamoDB gives a transaction cancelled by a concurrent one.
func Conflict(actions int) error {
	reasons := make([]types.CancellationReason, actions)
	for i := range reasons {
		reasons[i] = types.CancellationReason{Code: aws.String("TransactionConflict")}
	}
	return &types.TransactionCanceledException{Message: aws.String("Transaction cancelled (injected)"), CancellationReasons: reasons}
}

// Throttled is the error DynamoDB gives a throttled request.
func Throttled() error {
	return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded (injected)"}
}

// WithFaults is a client option that applies f's rules.
func WithFaults(f *Faults) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("bme/faults",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					r := f.take(awsmiddleware.GetOperationName(ctx))
					if r == nil {
						return next.HandleFinalize(ctx, in)
					}
					if !r.after {
						return middleware.FinalizeOutput{}, middleware.Metadata{}, r.err
					}
					out, md, err := next.HandleFinalize(ctx, in)
					if err != nil {
						return out, md, err
					}
					return middleware.FinalizeOutput{}, md, r.err
				}), middleware.After)
		})
	}
}
