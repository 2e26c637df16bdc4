package dynamo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
)

// This file is the one write path of the table, shared by the catalogue, booking and
// waitlist stores: every conditional write goes through transact (TransactWriteItems),
// update (UpdateItem) or put (PutItem), which retry with one policy, and its failure is
// read with conditionFailed or cancellation into the domain's errors.
//
// Retrying is ours, not the SDK's (its retryer is off for writes): the SDK would resend a
// TransactWriteItems without a ClientRequestToken, and a resent transaction whose first
// answer was lost would then be applied twice. Our loop sends every attempt of one
// transaction with the same token, so DynamoDB applies it at most once. A single-item
// write has no token: the catalogue's version-guarded writes carry theirs as write_id,
// so a retry failing its condition against its own earlier attempt is known for a
// success (wroteIt); every other single-item write is either guarded so that a repeat
// fails harmlessly or idempotent.

// Backoff shapes the retries of a write that lost to a concurrent one or was throttled:
// full jitter over an exponentially growing cap, while the request's deadline leaves
// room.
type Backoff struct {
	Base, Cap time.Duration
	// Budget bounds retrying when the context has no deadline.
	Budget time.Duration
	// Margin is kept free before the deadline to answer the caller.
	Margin time.Duration
}

// DefaultBackoff suits a Lambda with a 10 s timeout.
var DefaultBackoff = Backoff{Base: 10 * time.Millisecond, Cap: 500 * time.Millisecond, Budget: 5 * time.Second, Margin: 500 * time.Millisecond}

// tableClient is the table every store of this package reads and writes.
type tableClient struct {
	db    *dynamodb.Client
	table string
	retry Backoff
}

func newTableClient(db *dynamodb.Client, table string) tableClient {
	return tableClient{db: db, table: table, retry: DefaultBackoff}
}

const consumedTotal = types.ReturnConsumedCapacityTotal

// noSDKRetries turns the SDK's retryer off for one call: retrying writes is retrying's.
func noSDKRetries(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }

// transact runs a transaction; every attempt carries token.
func (c *tableClient) transact(ctx context.Context, items []types.TransactWriteItem, token *string) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: token, ReturnConsumedCapacity: consumedTotal}
	err := c.retrying(ctx, true, func(ctx context.Context) error {
		_, err := c.db.TransactWriteItems(ctx, in, noSDKRetries)
		return err
	})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) || isFault(err, fault.Unavailable) {
		// A transaction cancelled by a condition or by conflicts past the retry budget:
		// on a hot event these are the sign of contention.
		metrics.Default().Count("TransactionConflicts", 1)
	}
	return err
}

// update runs a single-item update on the table.
func (c *tableClient) update(ctx context.Context, in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
	in.TableName, in.ReturnConsumedCapacity = &c.table, consumedTotal
	var out *dynamodb.UpdateItemOutput
	err := c.retrying(ctx, false, func(ctx context.Context) (err error) {
		out, err = c.db.UpdateItem(ctx, in, noSDKRetries)
		return err
	})
	return out, err
}

// put runs a single-item put on the table.
func (c *tableClient) put(ctx context.Context, in *dynamodb.PutItemInput) error {
	in.TableName, in.ReturnConsumedCapacity = &c.table, consumedTotal
	return c.retrying(ctx, false, func(ctx context.Context) error {
		_, err := c.db.PutItem(ctx, in, noSDKRetries)
		return err
	})
}

// retrying runs call until it succeeds, fails for good, or the deadline leaves no room
// for another try, which is answered Unavailable.
func (c *tableClient) retrying(ctx context.Context, tx bool, call func(context.Context) error) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(c.retry.Budget)
	}
	for attempt := 0; ; attempt++ {
		err := call(ctx)
		if err == nil || !retryable(err) {
			return err
		}
		limit := min(c.retry.Cap, c.retry.Base<<min(attempt, 16))
		sleep := time.Duration(mrand.Int64N(int64(limit) + 1))
		if time.Until(deadline) < sleep+c.retry.Margin {
			return fault.New(fault.Unavailable, "Too much contention right now; try again (with the same Idempotency-Key, if any)").With("cause", errorCode(err))
		}
		if tx {
			metrics.Default().Count("TransactionRetries", 1)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(sleep):
		}
	}
}

// sdkRetryable is what the SDK's standard retryer would retry: throttling, 5xx answers
// and broken connections (including an answer lost after the write was applied).
var sdkRetryable = retry.IsErrorRetryables(retry.DefaultRetryables)

// retryable reports failures worth another attempt: a transaction cancelled only
// because of a concurrent one or throttling (no condition failed), a single-item write
// that met a running transaction, or what the SDK would retry.
func retryable(err error) bool {
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
	case "TransactionConflictException", "InternalServerError":
		return true
	}
	return sdkRetryable.IsErrorRetryable(err) == aws.TrueTernary
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func isFault(err error, code fault.Code) bool {
	fe, ok := fault.As(err)
	return ok && fe.Code == code
}

// conditionFailed reports whether err is a failed condition on a single-item write.
func conditionFailed(err error) (*types.ConditionalCheckFailedException, bool) {
	var ccf *types.ConditionalCheckFailedException
	ok := errors.As(err, &ccf)
	return ccf, ok
}

// reasons are a cancelled transaction's per-action reasons, in the order the actions
// were given.
type reasons []types.CancellationReason

// cancellation returns the reasons of a transaction cancelled by a failed condition (a
// cancellation by conflicts only was retried, and past the budget became Unavailable).
func cancellation(err error) (reasons, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	return reasons(tce.CancellationReasons), true
}

// failed reports whether action i failed its condition.
func (r reasons) failed(i int) bool {
	return i < len(r) && aws.ToString(r[i].Code) == "ConditionalCheckFailed"
}

// item is action i's item as it was when the condition failed (the action asked for
// ALL_OLD), or nil.
func (r reasons) item(i int) item {
	if i < len(r) && len(r[i].Item) > 0 {
		return r[i].Item
	}
	return nil
}

// busy is the answer when an item a failed condition pointed at is gone again by the
// time it is read: a concurrent writer, so the client may try again.
func busy() error {
	return fault.New(fault.Conflict, "The item is being changed by another request; try again")
}

// newToken is one write call's token: its transactions' ClientRequestToken, and on the
// catalogue's single-item writes the write_id tag that tells a retry its own result.
func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// wroteIt reports whether the item carries the tag of the write with token.
func wroteIt(it item, token string) bool {
	v, ok := it["write_id"].(*types.AttributeValueMemberS)
	return ok && v.Value == token
}

// requestToken derives a ClientRequestToken from what identifies one transaction: equal
// for the retries of one booking step (so a retried transaction that had in fact
// committed is not applied twice), different for any other, since DynamoDB rejects a
// reused token with other parameters.
func requestToken(parts ...string) *string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return aws.String(hex.EncodeToString(sum[:16]))
}

// current reads the item a conditional write failed on: the failure carries it when the
// write asked for ALL_OLD, otherwise it is read again. nil means there is no item.
func (c *tableClient) current(ctx context.Context, ccf *types.ConditionalCheckFailedException, k item) (item, error) {
	if ccf != nil && len(ccf.Item) > 0 {
		return ccf.Item, nil
	}
	return c.get(ctx, k)
}

// get reads one item consistently; nil when absent.
func (c *tableClient) get(ctx context.Context, k item) (item, error) {
	out, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &c.table, Key: k, ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: consumedTotal})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}
