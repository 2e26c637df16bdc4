// Package dynamo stores the product in the single DynamoDB table described in
// docs/table-design.md. Every write is conditional and goes through the one write path
// (write.go); failed conditions become the errors the domain expects. This file holds the
// catalogue store and what every entity shares: item helpers, cursors and paged queries.
package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/tracing"
)

// Catalog is the catalogue store (catalog.Store): venues (venues.go) and events
// (events.go).
type Catalog struct{ tableClient }

// New returns the catalogue store on an existing client and table.
func New(db *dynamodb.Client, table string) *Catalog { return &Catalog{newTableClient(db, table)} }

// Open builds a traced client from the default AWS configuration, which honours
// AWS_ENDPOINT_URL and friends, so the local stack needs no code here.
func Open(ctx context.Context, table string) (*Catalog, error) {
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
func (c *tableClient) query(ctx context.Context, in *dynamodb.QueryInput, limit int, cursor string, names []string, valid func(map[string]string) bool) ([]item, string, error) {
	start, err := decodeCursor(cursor, names, valid)
	if err != nil {
		return nil, "", err
	}
	in.TableName = &c.table
	var items []item
	for range maxQueryRounds {
		want := limit - len(items) + 1 // one more than needed tells whether a next page exists
		if in.FilterExpression != nil {
			want = max(want, filteredPageSize)
		}
		in.Limit = aws.Int32(int32(want))
		in.ExclusiveStartKey = start
		out, err := c.db.Query(ctx, in)
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

// queryPage is query for the catalogue's lists: each item decoded into one T.
func queryPage[T any](ctx context.Context, c *tableClient, in *dynamodb.QueryInput, limit int, cursor string, names []string, valid func(map[string]string) bool, decode func(item) (T, string, error)) (catalog.Page[T], error) {
	items, next, err := c.query(ctx, in, limit, cursor, names, valid)
	if err != nil {
		return catalog.Page[T]{}, err
	}
	page := catalog.Page[T]{Items: make([]T, 0, len(items)), NextCursor: next}
	for _, it := range items {
		v, _, err := decode(it)
		if err != nil {
			return catalog.Page[T]{}, err
		}
		page.Items = append(page.Items, v)
	}
	return page, nil
}
