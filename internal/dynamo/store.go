// Package dynamo stores the product in the single DynamoDB table described in
// docs/table-design.md. Every write is conditional; failed conditions become the
// *fault.Error the domain expects. This file holds what every entity shares: the client,
// cursors, and reading why a conditional write failed.
package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/tracing"
)

// Store is the table. Methods for each entity live in the file named after it.
type Store struct {
	db    *dynamodb.Client
	table string
}

// New returns a Store on an existing client and table.
func New(db *dynamodb.Client, table string) *Store { return &Store{db: db, table: table} }

// Open builds a traced client from the default AWS configuration, which honours
// AWS_ENDPOINT_URL and friends, so the local stack needs no code here.
func Open(ctx context.Context, table string) (*Store, error) {
	cfg, err := tracing.LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return New(dynamodb.NewFromConfig(cfg), table), nil
}

type item = map[string]types.AttributeValue

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue  { return &types.AttributeValueMemberN{Value: fmt.Sprint(v)} }

func key(pk, sk string) item { return item{"pk": str(pk), "sk": str(sk)} }

var aliasPattern = regexp.MustCompile(`#[a-z_]+`)

// aliases builds ExpressionAttributeNames for expressions that write every plain attribute
// name as #name: many short names (name, status, capacity...) are DynamoDB reserved words,
// and aliasing all of them beats keeping a list. nil when nothing is aliased.
func aliases(exprs ...string) map[string]string {
	var names map[string]string
	for _, e := range exprs {
		for _, a := range aliasPattern.FindAllString(e, -1) {
			if names == nil {
				names = map[string]string{}
			}
			names[a] = a[1:]
		}
	}
	return names
}

// conditionFailed reports whether err is a failed condition on a single-item write.
func conditionFailed(err error) (*types.ConditionalCheckFailedException, bool) {
	var ccf *types.ConditionalCheckFailedException
	ok := errors.As(err, &ccf)
	return ccf, ok
}

// cancellationReasons returns, for a cancelled transaction, each action's reason code
// ("None" for actions that were fine), in the order the actions were given.
func cancellationReasons(err error) ([]string, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes, true
}

// failedAt reports whether the transaction action at index i failed its condition.
func failedAt(codes []string, i int) bool {
	return i < len(codes) && codes[i] == "ConditionalCheckFailed"
}

// transactionConflict reports a transaction that lost to another one on the same items;
// the SDK has already retried it, so the caller is told to try again.
func transactionConflict(codes []string) bool {
	for _, c := range codes {
		if c == "TransactionConflict" {
			return true
		}
	}
	return false
}

// busy is the answer when concurrent writers keep a transaction from going through.
func busy() error {
	return fault.New(fault.Conflict, "The item is being changed by another request; try again")
}

// current reads the item a conditional write failed on: the failure carries it when the
// write asked for ALL_OLD, otherwise it is read again. nil means there is no item.
func (s *Store) current(ctx context.Context, ccf *types.ConditionalCheckFailedException, k item) (item, error) {
	if ccf != nil && len(ccf.Item) > 0 {
		return ccf.Item, nil
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// newWriteID tags one catalogue write. The SDK retries a write whose response was lost;
// the retry then fails its condition against the write's own result, and finding this tag
// on the item tells that apart from a real conflict.
func newWriteID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// wroteIt reports whether the item carries the tag of this call's write.
func wroteIt(it item, writeID string) bool {
	v, ok := it["write_id"].(*types.AttributeValueMemberS)
	return ok && v.Value == writeID
}

// get reads one item consistently; nil when absent.
func (s *Store) get(ctx context.Context, k item) (item, error) {
	return s.current(ctx, nil, k)
}

// Cursors are the base64url of the key attributes of the last item returned (all keys in
// this table are strings), opaque to clients.

func encodeCursor(k item, names []string) string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		if v, ok := k[n].(*types.AttributeValueMemberS); ok {
			m[n] = v.Value
		}
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a cursor that must carry exactly the key attributes names; valid
// checks the values further (e.g. the partition the query reads).
func decodeCursor(cursor string, names []string, valid func(map[string]string) bool) (item, error) {
	if cursor == "" {
		return nil, nil
	}
	bad := &fault.Error{Code: fault.Validation, Message: "Invalid cursor",
		Fields: map[string]string{"cursor": "must be a next_cursor value from a previous page of this list"}}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	var m map[string]string
	if json.Unmarshal(b, &m) != nil || len(m) != len(names) {
		return nil, bad
	}
	k := item{}
	for _, n := range names {
		v, ok := m[n]
		if !ok || v == "" {
			return nil, bad
		}
		k[n] = str(v)
	}
	if valid != nil && !valid(m) {
		return nil, bad
	}
	return k, nil
}

// Bounds on one list call: how many Query calls it may make, and how many items each
// asks for when a filter drops some, so a selective filter cannot turn into a long scan.
const (
	maxQueryRounds   = 10
	filteredPageSize = 100
)

// query runs in page by page until it has limit items, and returns them with the cursor
// of the next page ("" on the last). With a filter expression DynamoDB applies Limit
// before filtering, so pages come back short; the cursor is therefore built from the last
// item returned, not from DynamoDB's LastEvaluatedKey.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput, limit int, cursor string, names []string, valid func(map[string]string) bool) ([]item, string, error) {
	start, err := decodeCursor(cursor, names, valid)
	if err != nil {
		return nil, "", err
	}
	in.TableName = &s.table
	var items []item
	for range maxQueryRounds {
		want := limit - len(items) + 1 // one more than needed tells whether a next page exists
		if in.FilterExpression != nil {
			want = max(want, filteredPageSize)
		}
		in.Limit = aws.Int32(int32(want))
		in.ExclusiveStartKey = start
		out, err := s.db.Query(ctx, in)
		if err != nil {
			var ve interface{ ErrorCode() string }
			if cursor != "" && errors.As(err, &ve) && ve.ErrorCode() == "ValidationException" {
				return nil, "", fault.New(fault.Validation, "Invalid cursor for this query")
			}
			return nil, "", err
		}
		for i, it := range out.Items {
			if len(items) == limit {
				return items, encodeCursor(items[len(items)-1], names), nil
			}
			items = append(items, it)
			if len(items) == limit && i == len(out.Items)-1 && out.LastEvaluatedKey == nil {
				return items, "", nil
			}
		}
		if out.LastEvaluatedKey == nil {
			return items, "", nil
		}
		start = out.LastEvaluatedKey
	}
	// Out of rounds: hand the client DynamoDB's position so the next call goes on from it.
	if len(items) > 0 && len(items) == limit {
		return items, encodeCursor(items[len(items)-1], names), nil
	}
	return items, encodeCursor(start, names), nil
}
