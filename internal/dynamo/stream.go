package dynamo

import (
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
)

// EventFromImage decodes an event item from a DynamoDB stream record's image (what the
// index queue carries), with the same layout the store writes.
func EventFromImage(image map[string]events.DynamoDBAttributeValue) (catalog.Event, error) {
	it := make(item, len(image))
	for k, v := range image {
		av, err := fromStream(v)
		if err != nil {
			return catalog.Event{}, fmt.Errorf("attribute %s: %w", k, err)
		}
		it[k] = av
	}
	e, _, err := fromEventItem(it)
	return e, err
}

// ShardEventID is the event whose inventory shard a stream record's keys name (ok
// false: the keys are another item's).
func ShardEventID(keys map[string]events.DynamoDBAttributeValue) (id string, ok bool) {
	pk, sk := keys["pk"], keys["sk"]
	if pk.DataType() != events.DataTypeString || sk.DataType() != events.DataTypeString || sk.String() != shardSK {
		return "", false
	}
	rest, isEvent := strings.CutPrefix(pk.String(), eventPrefix)
	id, _, ok = strings.Cut(rest, shardInfix)
	if !isEvent || !ok || id == "" {
		return "", false
	}
	return id, true
}

// fromStream converts the Lambda events' attribute value to the SDK's.
func fromStream(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeMap:
		m := map[string]types.AttributeValue{}
		for k, e := range v.Map() {
			av, err := fromStream(e)
			if err != nil {
				return nil, err
			}
			m[k] = av
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		l := make([]types.AttributeValue, 0, len(v.List()))
		for _, e := range v.List() {
			av, err := fromStream(e)
			if err != nil {
				return nil, err
			}
			l = append(l, av)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %v", v.DataType())
}
