package dynamotest

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

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

// InternalError is DynamoDB's 500, which may come after the write was applied: with
// Fail's after set, an answer lost in the one way the write path retries.
func InternalError() error {
	return &smithy.GenericAPIError{Code: "InternalServerError", Message: "Internal server error (injected)"}
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
