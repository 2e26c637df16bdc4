// Package promo holds the rules of an event's promo codes: how a code is written and
// compared, when it may be used, which ticket types it applies to or unlocks, and how
// much it takes off a ticket. It knows nothing about storage: the reservation
// transaction counts a use against max_uses (docs/ticket-types.md).
package promo

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Limits on codes, in one place.
const (
	MinCodeLen = 3
	MaxCodeLen = 32
	// MaxBasisPoints is 100 %: a percentage discount is given in basis points (1 bp =
	// 0.01 %), so 12.5 % off is 1250 and no fraction of a percent needs a float.
	MaxBasisPoints = 10_000
	// MaxTypesPerCode bounds ticket_type_ids; an event has at most catalog.MaxTicketTypes.
	MaxTypesPerCode = catalog.MaxTicketTypes
)

// Codes are compared upper-cased; letters, digits, '-' and '_' only, so a code reads the
// same on a poster, in a URL and in the table key.
var codePattern = regexp.MustCompile(`^[A-Z0-9_-]+$`)

// Normalize returns the code as stored and compared: trimmed and upper-cased. ok is false
// when it is not a well-formed code (length MinCodeLen..MaxCodeLen, allowed characters).
func Normalize(s string) (code string, ok bool) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if len(c) < MinCodeLen || len(c) > MaxCodeLen || !codePattern.MatchString(c) {
		return c, false
	}
	return c, true
}

// Kind is how a code discounts.
type Kind string

const (
	// None: the code only unlocks hidden types.
	None Kind = "none"
	// Percent takes BasisPoints/10000 of each ticket's price.
	Percent Kind = "percent"
	// Fixed takes Amount off each ticket (per ticket, not per order, so every line's
	// discount, and so its refund, is its own).
	Fixed Kind = "fixed"
)

// Code is a promo code of one event.
type Code struct {
	EventID     string        `json:"event_id"`
	Code        string        `json:"code"` // normalised
	Kind        Kind          `json:"discount_type"`
	BasisPoints int64         `json:"percent_off_bp,omitempty"`
	Amount      catalog.Money `json:"amount_off"` // per ticket; Fixed only
	// TicketTypeIDs limits the code to these types; empty: every type of the event.
	TicketTypeIDs []string `json:"ticket_type_ids,omitempty"`
	// MaxUses bounds redemptions (one per order); 0 is unlimited. Uses counts orders
	// holding or having paid with the code; a hold that expires or is cancelled before
	// payment gives its use back.
	MaxUses       int64      `json:"max_uses,omitempty"`
	Uses          int64      `json:"uses"`
	ValidFrom     *time.Time `json:"valid_from,omitempty"`
	ValidUntil    *time.Time `json:"valid_until,omitempty"`
	UnlocksHidden bool       `json:"unlocks_hidden"`
	// Rev grows with admin writes only; Version with every write, uses included. An
	// admin's If-Match and the reservation's check of a cached code compare Rev, so a
	// code in use stays editable and a stale cache never prices with an old discount.
	Rev       int64     `json:"rev"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// DeletedAt marks a soft-deleted code: holds made with it keep their price and give
	// their use back, and its name stays taken for the event.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// AppliesTo reports whether the code discounts (or unlocks) tickets of typeID.
func (c Code) AppliesTo(typeID string) bool {
	if len(c.TicketTypeIDs) == 0 {
		return true
	}
	for _, id := range c.TicketTypeIDs {
		if id == typeID {
			return true
		}
	}
	return false
}

// Unlocks reports whether the code makes the hidden type typeID visible and sellable.
func (c Code) Unlocks(typeID string) bool { return c.UnlocksHidden && c.AppliesTo(typeID) }

// Usable says whether the code may be redeemed at now: inside its window and with a use
// left. The reservation transaction checks uses again atomically; this read only spares a
// transaction that would fail. Errors name the promo_code field.
func (c Code) Usable(now time.Time) error {
	switch {
	case c.ValidFrom != nil && now.Before(*c.ValidFrom):
		return codeError("is not valid yet")
	case c.ValidUntil != nil && !now.Before(*c.ValidUntil):
		return codeError("has expired")
	case c.MaxUses > 0 && c.Uses >= c.MaxUses:
		return codeError("has been used up")
	}
	return nil
}

// Unknown is the error for a code the event does not have (or a malformed one).
func Unknown() error { return codeError("is not a promo code of this event") }

func codeError(reason string) error {
	return &fault.Error{Code: fault.Validation, Message: "The promo code " + reason,
		Fields: map[string]string{"promo_code": reason}}
}

// UnitDiscount is how much the code takes off one ticket of a type priced unit (minor
// units): never more than the price, never below zero. A percentage is rounded up to
// the next minor unit, in the buyer's favour, as refunds are: the product never keeps a
// part-cent the buyer was promised.
func (c Code) UnitDiscount(unit int64) int64 {
	if unit <= 0 {
		return 0
	}
	var d int64
	switch c.Kind {
	case Percent:
		bp := min(max(c.BasisPoints, 0), MaxBasisPoints)
		// Split so unit*bp cannot overflow for any price that fits in an int64.
		whole, rest := unit/MaxBasisPoints, unit%MaxBasisPoints
		d = whole*bp + (rest*bp+MaxBasisPoints-1)/MaxBasisPoints
	case Fixed:
		d = max(c.Amount.Amount, 0)
	}
	return min(d, unit)
}

// Input is the body of POST /admin/events/{eventId}/promo-codes. Exactly one of
// percent_off_bp and amount_off, unless the code only unlocks hidden types.
type Input struct {
	Code          string         `json:"code"`
	PercentOffBP  *int64         `json:"percent_off_bp"`
	AmountOff     *catalog.Money `json:"amount_off"`
	TicketTypeIDs []string       `json:"ticket_type_ids"`
	MaxUses       int64          `json:"max_uses"`
	ValidFrom     string         `json:"valid_from"`
	ValidUntil    string         `json:"valid_until"`
	UnlocksHidden bool           `json:"unlocks_hidden"`
}

// Event is what validating a code needs to know about its event: its currency, and its
// ticket types' ids (a code may only name the event's own types).
type Event struct {
	ID       string
	Currency string
	TypeIDs  []string
}

// Build validates the input and returns the new code (version 1, no uses).
func (in Input) Build(e Event, now time.Time) (Code, error) {
	f := fault.Fields{}
	c := Code{EventID: e.ID, TicketTypeIDs: in.TicketTypeIDs, MaxUses: in.MaxUses, UnlocksHidden: in.UnlocksHidden,
		Rev: 1, Version: 1, CreatedAt: catalog.Timestamp(now), UpdatedAt: catalog.Timestamp(now)}
	code, ok := Normalize(in.Code)
	f.Check(!ok, "code", fmt.Sprintf("must be %d to %d letters, digits, '-' or '_' (compared case-insensitively)", MinCodeLen, MaxCodeLen))
	c.Code = code
	switch {
	case in.PercentOffBP != nil && in.AmountOff != nil:
		f.Add("percent_off_bp", "give either percent_off_bp or amount_off, not both")
	case in.PercentOffBP != nil:
		c.Kind, c.BasisPoints = Percent, *in.PercentOffBP
	case in.AmountOff != nil:
		c.Kind, c.Amount = Fixed, *in.AmountOff
		c.Amount.Currency = strings.ToUpper(strings.TrimSpace(c.Amount.Currency))
	default:
		c.Kind = None
	}
	c.ValidFrom = optionalTime(f, "valid_from", in.ValidFrom)
	c.ValidUntil = optionalTime(f, "valid_until", in.ValidUntil)
	validate(f, c, e)
	if err := f.Err(); err != nil {
		return Code{}, err
	}
	return c, nil
}

// Patch is the body of PATCH /admin/events/{eventId}/promo-codes/{code}; absent fields
// stay. The code itself (the item's key) never changes: delete it and create another.
type Patch struct {
	PercentOffBP  *int64         `json:"percent_off_bp"`
	AmountOff     *catalog.Money `json:"amount_off"`
	TicketTypeIDs *[]string      `json:"ticket_type_ids"`
	MaxUses       *int64         `json:"max_uses"`
	ValidFrom     *string        `json:"valid_from"` // "" clears
	ValidUntil    *string        `json:"valid_until"`
	UnlocksHidden *bool          `json:"unlocks_hidden"`
}

// Apply returns c with the patch applied. max_uses may not drop below the uses already
// made (0, unlimited, is always allowed); the store's write repeats that as a condition
// (uses <= :max_uses), since uses move under it.
func (p Patch) Apply(c Code, e Event, now time.Time) (Code, error) {
	if p == (Patch{}) {
		return Code{}, fault.New(fault.Validation, "The patch changes nothing")
	}
	f := fault.Fields{}
	switch {
	case p.PercentOffBP != nil && p.AmountOff != nil:
		f.Add("percent_off_bp", "give either percent_off_bp or amount_off, not both")
	case p.PercentOffBP != nil:
		c.Kind, c.BasisPoints, c.Amount = Percent, *p.PercentOffBP, catalog.Money{}
	case p.AmountOff != nil:
		c.Kind, c.BasisPoints, c.Amount = Fixed, 0, *p.AmountOff
		c.Amount.Currency = strings.ToUpper(strings.TrimSpace(c.Amount.Currency))
	}
	if p.TicketTypeIDs != nil {
		c.TicketTypeIDs = *p.TicketTypeIDs
	}
	if p.MaxUses != nil {
		c.MaxUses = *p.MaxUses
		f.Check(c.MaxUses > 0 && c.MaxUses < c.Uses, "max_uses", fmt.Sprintf("must be at least the %d uses already made, or 0 for unlimited", c.Uses))
	}
	if p.ValidFrom != nil {
		c.ValidFrom = optionalTime(f, "valid_from", *p.ValidFrom)
	}
	if p.ValidUntil != nil {
		c.ValidUntil = optionalTime(f, "valid_until", *p.ValidUntil)
	}
	if p.UnlocksHidden != nil {
		c.UnlocksHidden = *p.UnlocksHidden
	}
	validate(f, c, e)
	if err := f.Err(); err != nil {
		return Code{}, err
	}
	c.UpdatedAt = catalog.Timestamp(now)
	return c, nil
}

func validate(f fault.Fields, c Code, e Event) {
	switch c.Kind {
	case Percent:
		f.Check(c.BasisPoints < 1 || c.BasisPoints > MaxBasisPoints, "percent_off_bp",
			fmt.Sprintf("must be from 1 to %d basis points (100 = 1 %%, %d = 100 %%)", MaxBasisPoints, MaxBasisPoints))
	case Fixed:
		f.Check(c.Amount.Amount < 1, "amount_off.amount", "must be at least 1 (minor units per ticket)")
		f.Check(c.Amount.Currency != e.Currency, "amount_off.currency", "must be the event's currency, "+e.Currency)
	case None:
		f.Check(!c.UnlocksHidden, "percent_off_bp", "a code needs percent_off_bp or amount_off, or unlocks_hidden")
	}
	f.Check(c.MaxUses < 0, "max_uses", "must be 0 (unlimited) or more")
	if c.ValidFrom != nil && c.ValidUntil != nil {
		f.Check(!c.ValidUntil.After(*c.ValidFrom), "valid_until", "must be after valid_from")
	}
	known := map[string]bool{}
	for _, id := range e.TypeIDs {
		known[id] = true
	}
	seen := map[string]bool{}
	f.Check(len(c.TicketTypeIDs) > MaxTypesPerCode, "ticket_type_ids", fmt.Sprintf("at most %d ticket types", MaxTypesPerCode))
	for i, id := range c.TicketTypeIDs {
		field := fmt.Sprintf("ticket_type_ids[%d]", i)
		switch {
		case !known[id]:
			f.Add(field, "is not a ticket type of this event")
		case seen[id]:
			f.Add(field, "is listed twice")
		}
		seen[id] = true
	}
}

func optionalTime(f fault.Fields, field, v string) *time.Time {
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f.Add(field, "must be an RFC 3339 time, e.g. 2027-01-31T20:00:00Z")
		return nil
	}
	t = catalog.Timestamp(t)
	return &t
}
