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
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/promo"
)

// Promo codes live in a partition of their own per event (EVENT#<id>#PROMO), sorted by
// the normalised code: the key makes a code unique per event, and a popular code (every
// order using it writes it) is never hotter than the event item it sits beside.

const promoSuffix = "#PROMO"

func promoPK(eventID string) string { return eventPrefix + eventID + promoSuffix }

func promoKey(eventID, code string) item { return key(promoPK(eventID), code) }

var promoCursor = []string{"pk", "sk"}

type promoRecord struct {
	PK            string       `dynamodbav:"pk"`
	SK            string       `dynamodbav:"sk"`
	Code          string       `dynamodbav:"code"`
	EventID       string       `dynamodbav:"event_id"`
	Kind          string       `dynamodbav:"discount_type"`
	BasisPoints   int64        `dynamodbav:"percent_off_bp,omitempty"`
	AmountOff     *moneyRecord `dynamodbav:"amount_off,omitempty"`
	TicketTypeIDs []string     `dynamodbav:"ticket_type_ids,omitempty"`
	MaxUses       int64        `dynamodbav:"max_uses"`
	Uses          int64        `dynamodbav:"uses"`
	ValidFrom     string       `dynamodbav:"valid_from,omitempty"`
	ValidUntil    string       `dynamodbav:"valid_until,omitempty"`
	UnlocksHidden bool         `dynamodbav:"unlocks_hidden"`
	Rev           int64        `dynamodbav:"rev"`
	Version       int64        `dynamodbav:"version"`
	CreatedAt     string       `dynamodbav:"created_at"`
	UpdatedAt     string       `dynamodbav:"updated_at"`
	DeletedAt     string       `dynamodbav:"deleted_at,omitempty"`
	RequestHash   string       `dynamodbav:"request_hash,omitempty"`
}

func optionalTimeString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

func optionalParsed(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := parseTime(s)
	return &t
}

func toPromoRecord(c promo.Code, hash string) promoRecord {
	r := promoRecord{
		PK: promoPK(c.EventID), SK: c.Code, Code: c.Code, EventID: c.EventID, Kind: string(c.Kind),
		BasisPoints: c.BasisPoints, TicketTypeIDs: c.TicketTypeIDs, MaxUses: c.MaxUses, Uses: c.Uses,
		ValidFrom: optionalTimeString(c.ValidFrom), ValidUntil: optionalTimeString(c.ValidUntil),
		UnlocksHidden: c.UnlocksHidden, Rev: c.Rev, Version: c.Version,
		CreatedAt: formatTime(c.CreatedAt), UpdatedAt: formatTime(c.UpdatedAt),
		DeletedAt: optionalTimeString(c.DeletedAt), RequestHash: hash,
	}
	if c.Kind == promo.Fixed {
		r.AmountOff = &moneyRecord{Amount: c.Amount.Amount, Currency: c.Amount.Currency}
	}
	return r
}

func fromPromoItem(it item) (promo.Code, string, error) {
	var r promoRecord
	if err := attributevalue.UnmarshalMap(it, &r); err != nil {
		return promo.Code{}, "", fmt.Errorf("promo code item: %w", err)
	}
	c := promo.Code{
		EventID: r.EventID, Code: r.Code, Kind: promo.Kind(r.Kind), BasisPoints: r.BasisPoints,
		TicketTypeIDs: r.TicketTypeIDs, MaxUses: r.MaxUses, Uses: r.Uses,
		ValidFrom: optionalParsed(r.ValidFrom), ValidUntil: optionalParsed(r.ValidUntil),
		UnlocksHidden: r.UnlocksHidden, Rev: r.Rev, Version: r.Version,
		CreatedAt: parseTime(r.CreatedAt), UpdatedAt: parseTime(r.UpdatedAt), DeletedAt: optionalParsed(r.DeletedAt),
	}
	if r.AmountOff != nil {
		c.Amount = catalog.Money{Amount: r.AmountOff.Amount, Currency: r.AmountOff.Currency}
	}
	return c, r.RequestHash, nil
}

// CreatePromoCode puts c unless the event has its code (attribute_not_exists on the
// key): then the stored code comes back with its request hash.
func (s *Catalog) CreatePromoCode(ctx context.Context, c promo.Code, requestHash string) (*catalog.Existing[promo.Code], error) {
	it, err := attributevalue.MarshalMap(toPromoRecord(c, requestHash))
	if err != nil {
		return nil, err
	}
	err = s.put(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: it, ConditionExpression: aws.String("attribute_not_exists(sk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	ccf, failed := conditionFailed(err)
	if !failed {
		return nil, err
	}
	old, err := s.current(ctx, ccf, promoKey(c.EventID, c.Code))
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, busy()
	}
	existing, hash, err := fromPromoItem(old)
	if err != nil {
		return nil, err
	}
	return &catalog.Existing[promo.Code]{Item: existing, RequestHash: hash}, nil
}

// GetPromoCode reads one code, consistently (admins edit what they just read).
func (s *Catalog) GetPromoCode(ctx context.Context, eventID, code string) (promo.Code, error) {
	it, err := s.get(ctx, promoKey(eventID, code))
	if err != nil {
		return promo.Code{}, err
	}
	if it == nil {
		return promo.Code{}, promo.NotFound()
	}
	c, _, err := fromPromoItem(it)
	return c, err
}

// ListPromoCodes lists an event's codes by code: one Query on its promo partition.
func (s *Catalog) ListPromoCodes(ctx context.Context, eventID, cursor string, limit int) (catalog.Page[promo.Code], error) {
	pk := promoPK(eventID)
	return queryPage(ctx, &s.tableClient, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(pk)},
	}, limit, cursor, promoCursor, func(m map[string]string) bool { return m["pk"] == pk }, fromPromoItem)
}

// UpdatePromoCode writes after's definition on before's rev. Uses move under it (every
// reservation with the code), so it never writes uses, and a lowered max_uses is
// repeated as a condition on the stored uses.
func (s *Catalog) UpdatePromoCode(ctx context.Context, before, after promo.Code) (promo.Code, error) {
	r := toPromoRecord(after, "")
	values := item{
		":kind": str(r.Kind), ":bp": num(r.BasisPoints), ":max_uses": num(r.MaxUses),
		":unlocks":    &types.AttributeValueMemberBOOL{Value: r.UnlocksHidden},
		":updated_at": str(r.UpdatedAt), ":rev": num(before.Rev), ":one": num(1),
	}
	set := []string{"discount_type = :kind", "percent_off_bp = :bp", "max_uses = :max_uses",
		"unlocks_hidden = :unlocks", "updated_at = :updated_at"}
	var remove []string
	optional := func(attr string, v types.AttributeValue, present bool) {
		if present {
			set = append(set, attr+" = :"+attr)
			values[":"+attr] = v
		} else {
			remove = append(remove, attr)
		}
	}
	var amount types.AttributeValue
	if r.AmountOff != nil {
		var err error
		if amount, err = attributevalue.Marshal(r.AmountOff); err != nil {
			return promo.Code{}, err
		}
	}
	optional("amount_off", amount, r.AmountOff != nil)
	ids, err := attributevalue.Marshal(r.TicketTypeIDs)
	if err != nil {
		return promo.Code{}, err
	}
	optional("ticket_type_ids", ids, len(r.TicketTypeIDs) > 0)
	optional("valid_from", str(r.ValidFrom), r.ValidFrom != "")
	optional("valid_until", str(r.ValidUntil), r.ValidUntil != "")
	update := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	update += " ADD #rev :one, #version :one"
	cond := "#rev = :rev AND attribute_not_exists(deleted_at)"
	if after.MaxUses > 0 {
		cond += " AND uses <= :max_uses"
	}
	out, err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: promoKey(before.EventID, before.Code),
		UpdateExpression: &update, ConditionExpression: &cond,
		ExpressionAttributeNames: aliases(update, cond), ExpressionAttributeValues: values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, failed := conditionFailed(err); failed {
		old, err := s.current(ctx, ccf, promoKey(before.EventID, before.Code))
		if err != nil {
			return promo.Code{}, err
		}
		if old == nil {
			return promo.Code{}, promo.NotFound()
		}
		now, _, err := fromPromoItem(old)
		if err != nil {
			return promo.Code{}, err
		}
		switch {
		case now.DeletedAt != nil:
			return promo.Code{}, promo.NotFound()
		case now.Rev != before.Rev:
			return promo.Code{}, catalog.StaleVersion("Promo code")
		}
		return promo.Code{}, &fault.Error{Code: fault.Validation, Message: "Invalid fields: max_uses",
			Fields: map[string]string{"max_uses": fmt.Sprintf("must be at least the %d uses already made, or 0 for unlimited", now.Uses)}}
	}
	if err != nil {
		return promo.Code{}, err
	}
	c, _, err := fromPromoItem(out.Attributes)
	return c, err
}

// DeletePromoCode marks the code deleted: the item stays, so holds made with it can still
// give their use back and the name stays taken.
func (s *Catalog) DeletePromoCode(ctx context.Context, c promo.Code, now time.Time) (promo.Code, error) {
	update := "SET deleted_at = :now, updated_at = :now ADD #rev :one, #version :one"
	cond := "#rev = :rev AND attribute_not_exists(deleted_at)"
	out, err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: promoKey(c.EventID, c.Code),
		UpdateExpression: &update, ConditionExpression: &cond,
		ExpressionAttributeNames:            aliases(update, cond),
		ExpressionAttributeValues:           item{":now": str(formatTime(now)), ":rev": num(c.Rev), ":one": num(1)},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, failed := conditionFailed(err); failed {
		old, err := s.current(ctx, ccf, promoKey(c.EventID, c.Code))
		if err != nil {
			return promo.Code{}, err
		}
		if old == nil {
			return promo.Code{}, promo.NotFound()
		}
		if now, _, _ := fromPromoItem(old); now.DeletedAt != nil {
			return promo.Code{}, promo.NotFound()
		}
		return promo.Code{}, catalog.StaleVersion("Promo code")
	}
	if err != nil {
		return promo.Code{}, err
	}
	deleted, _, err := fromPromoItem(out.Attributes)
	return deleted, err
}

var _ promo.Store = (*Catalog)(nil)
