package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
)

const (
	venuePrefix    = "VENUE#"
	venueSK        = "VENUE"
	usageSK        = "USAGE"
	venuePartition = "VENUE" // gsi1pk of every venue
)

var gsi1Cursor = []string{"pk", "sk", "gsi1pk", "gsi1sk"}

func venueKey(id string) item { return key(venuePrefix+id, venueSK) }

// usageKey is the counter of events referencing a venue, apart from the venue so that
// creating an event does not bump the venue's version.
func usageKey(id string) item { return key(venuePrefix+id, usageSK) }

// venueRecord is a venue as stored. name_key and city_key are lower-cased copies that the
// admin list filters on, since filter expressions compare case-sensitively.
type venueRecord struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	GSI1PK      string `dynamodbav:"gsi1pk"`
	GSI1SK      string `dynamodbav:"gsi1sk"`
	ID          string `dynamodbav:"venue_id"`
	Name        string `dynamodbav:"name"`
	NameKey     string `dynamodbav:"name_key"`
	Address     string `dynamodbav:"address"`
	City        string `dynamodbav:"city"`
	CityKey     string `dynamodbav:"city_key"`
	State       string `dynamodbav:"state"`
	Country     string `dynamodbav:"country"`
	PostalCode  string `dynamodbav:"postal_code"`
	Capacity    int64  `dynamodbav:"capacity"`
	Version     int64  `dynamodbav:"version"`
	CreatedAt   string `dynamodbav:"created_at"`
	UpdatedAt   string `dynamodbav:"updated_at"`
	RequestHash string `dynamodbav:"request_hash,omitempty"`
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func venueSortKey(v catalog.Venue) string { return fold(v.Name) + "#" + v.ID }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s) // written by formatTime; a bad value reads as zero
	return t
}

func toVenueRecord(v catalog.Venue, hash string) venueRecord {
	return venueRecord{
		PK: venuePrefix + v.ID, SK: venueSK,
		GSI1PK: venuePartition, GSI1SK: venueSortKey(v),
		ID: v.ID, Name: v.Name, NameKey: fold(v.Name), Address: v.Address, City: v.City, CityKey: fold(v.City),
		State: v.State, Country: v.Country, PostalCode: v.PostalCode, Capacity: v.Capacity,
		Version: v.Version, CreatedAt: formatTime(v.CreatedAt), UpdatedAt: formatTime(v.UpdatedAt),
		RequestHash: hash,
	}
}

func fromVenueItem(it item) (catalog.Venue, string, error) {
	var r venueRecord
	if err := attributevalue.UnmarshalMap(it, &r); err != nil {
		return catalog.Venue{}, "", fmt.Errorf("venue item: %w", err)
	}
	return catalog.Venue{
		ID: r.ID, Name: r.Name, Address: r.Address, City: r.City, State: r.State, Country: r.Country,
		PostalCode: r.PostalCode, Capacity: r.Capacity, Version: r.Version,
		CreatedAt: parseTime(r.CreatedAt), UpdatedAt: parseTime(r.UpdatedAt),
	}, r.RequestHash, nil
}

// CreateVenue puts the venue unless the id is taken.
func (s *Catalog) CreateVenue(ctx context.Context, v catalog.Venue, requestHash string) (*catalog.Existing[catalog.Venue], error) {
	it, err := attributevalue.MarshalMap(toVenueRecord(v, requestHash))
	if err != nil {
		return nil, err
	}
	err = s.put(ctx, &dynamodb.PutItemInput{
		Item:                                it,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	ccf, failed := conditionFailed(err)
	if !failed {
		return nil, err
	}
	old, err := s.current(ctx, ccf, venueKey(v.ID))
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, busy() // it existed a moment ago and is gone again: let the client retry
	}
	existing, hash, err := fromVenueItem(old)
	if err != nil {
		return nil, err
	}
	return &catalog.Existing[catalog.Venue]{Item: existing, RequestHash: hash}, nil
}

// GetVenue reads a venue.
func (s *Catalog) GetVenue(ctx context.Context, id string) (catalog.Venue, error) {
	it, err := s.get(ctx, venueKey(id))
	if err != nil {
		return catalog.Venue{}, err
	}
	if it == nil {
		return catalog.Venue{}, catalog.VenueNotFound()
	}
	v, _, err := fromVenueItem(it)
	return v, err
}

// ListVenues lists venues by name from gsi1; city and q filter on the lower-cased copies.
func (s *Catalog) ListVenues(ctx context.Context, f catalog.VenueFilter) (catalog.Page[catalog.Venue], error) {
	in := &dynamodb.QueryInput{
		IndexName:                 aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: item{":p": str(venuePartition)},
	}
	var filters []string
	if c := fold(f.City); c != "" {
		filters = append(filters, "city_key = :city")
		in.ExpressionAttributeValues[":city"] = str(c)
	}
	if q := fold(f.Query); q != "" {
		filters = append(filters, "contains(name_key, :q)")
		in.ExpressionAttributeValues[":q"] = str(q)
	}
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	return queryPage(ctx, &s.tableClient, in, f.Limit, f.Cursor, gsi1Cursor, func(m map[string]string) bool {
		return m["gsi1pk"] == venuePartition
	}, fromVenueItem)
}

// UpdateVenue writes every field of v if the stored version is still version.
func (s *Catalog) UpdateVenue(ctx context.Context, v catalog.Venue, version int64) (catalog.Venue, error) {
	update := "SET #name = :name, name_key = :name_key, gsi1sk = :gsi1sk, #address = :address, " +
		"#city = :city, city_key = :city_key, #state = :state, #country = :country, postal_code = :postal_code, " +
		"#capacity = :capacity, updated_at = :updated_at, write_id = :write_id ADD #version :one"
	token := newToken()
	cond := "attribute_exists(pk) AND #version = :v"
	out, err := s.update(ctx, &dynamodb.UpdateItemInput{
		Key:              venueKey(v.ID),
		UpdateExpression: &update, ConditionExpression: &cond, ExpressionAttributeNames: aliases(update, cond),
		ExpressionAttributeValues: item{
			":name": str(v.Name), ":name_key": str(fold(v.Name)), ":gsi1sk": str(venueSortKey(v)),
			":address": str(v.Address), ":city": str(v.City), ":city_key": str(fold(v.City)),
			":state": str(v.State), ":country": str(v.Country), ":postal_code": str(v.PostalCode),
			":capacity": num(v.Capacity), ":updated_at": str(formatTime(v.UpdatedAt)),
			":one": num(1), ":v": num(version), ":write_id": str(token),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, failed := conditionFailed(err); failed {
		old, err := s.current(ctx, ccf, venueKey(v.ID))
		if err != nil {
			return catalog.Venue{}, err
		}
		if old == nil {
			return catalog.Venue{}, catalog.VenueNotFound()
		}
		if wroteIt(old, token) {
			updated, _, err := fromVenueItem(old)
			return updated, err
		}
		return catalog.Venue{}, catalog.StaleVersion("Venue")
	}
	if err != nil {
		return catalog.Venue{}, err
	}
	updated, _, err := fromVenueItem(out.Attributes)
	return updated, err
}

// DeleteVenue deletes the venue and its usage counter in one transaction, which fails if
// an event references the venue. Event creation checks the venue inside its own
// transaction, so the two cannot interleave into an event at a deleted venue.
func (s *Catalog) DeleteVenue(ctx context.Context, id string) error {
	err := s.transact(ctx, []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName: &s.table, Key: venueKey(id),
			ConditionExpression: aws.String("attribute_exists(pk)"),
		}},
		{Delete: &types.Delete{
			TableName: &s.table, Key: usageKey(id),
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR #events = :zero"),
			ExpressionAttributeNames:  aliases("#events"),
			ExpressionAttributeValues: item{":zero": num(0)},
		}},
	}, aws.String(newToken()))
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return err
	case reasons.failed(0):
		return catalog.VenueNotFound()
	case reasons.failed(1):
		return catalog.VenueInUse()
	}
	return err
}

var _ catalog.Store = (*Catalog)(nil)
