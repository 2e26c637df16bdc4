package dynamo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/bookmyevent/bookmyevent/internal/booking"
)

// Keys of the booking side of the table (docs/table-design.md).
const (
	bookingPrefix   = "BOOKING#"
	bookingSK       = "BOOKING"
	referencePrefix = "REF#"
	referenceSK     = "REF"
	userSeatsPrefix = "SEATS#" // a user's seat counter and rate window: its own key, off the event's partition
	userSeatsSK     = "SEATS"
	userPrefix      = "USER#" // gsi1pk of a user's bookings
	ratePrefix      = "RATE#"
	statsSK         = "STATS" // under the event's pk: revenue and check-ins
	checkinPrefix   = "TICKET#"
	checkinSK       = "CHECKIN"
)

// bookingTime is the stored form of booking times: RFC 3339 UTC with fixed milliseconds,
// so strings sort as times (sort keys, claim deadlines in conditions).
const bookingTime = "2006-01-02T15:04:05.000Z07:00"

func fmtBookingTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(bookingTime)
}

func parseBookingTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s) // written by fmtBookingTime; bad reads as zero
	return t
}

func bookingKey(id string) item { return key(bookingPrefix+id, bookingSK) }
func userSeatsKey(eventID, user string) item {
	return key(userSeatsPrefix+eventID+"#"+user, userSeatsSK)
}
func statsKey(eventID string) item                 { return key(eventPrefix+eventID, statsSK) }
func eventBookingsPartition(eventID string) string { return eventPrefix + eventID + "#BOOKINGS" }

type moneyRecord struct {
	Amount   int64  `dynamodbav:"amount"`
	Currency string `dynamodbav:"currency"`
}

type paymentRecord struct {
	Provider string      `dynamodbav:"provider"`
	ChargeID string      `dynamodbav:"charge_id"`
	Method   string      `dynamodbav:"payment_method"`
	Status   string      `dynamodbav:"status"`
	Amount   moneyRecord `dynamodbav:"amount"`
	At       string      `dynamodbav:"at"`
}

type refundRecord struct {
	Amount   moneyRecord `dynamodbav:"amount"`
	Percent  int         `dynamodbav:"percent"`
	RefundID string      `dynamodbav:"refund_id"`
	Status   string      `dynamodbav:"status"`
	Reason   string      `dynamodbav:"reason"`
	At       string      `dynamodbav:"at"`
	// Lines is the refund per line (a booking of a typed event; also its default type's).
	Lines []lineRefundRecord `dynamodbav:"lines,omitempty"`
}

type lineRefundRecord struct {
	TicketTypeID string      `dynamodbav:"ticket_type_id"`
	Amount       moneyRecord `dynamodbav:"amount"`
}

type answerRecord struct {
	Hash    string `dynamodbav:"hash"`
	Status  int    `dynamodbav:"status"`
	Body    string `dynamodbav:"body,omitempty"`
	Code    string `dynamodbav:"code,omitempty"`
	Message string `dynamodbav:"message,omitempty"`
}

// bookingRecord is a booking as stored. confirm_answers is always a map (possibly
// empty) so a confirm can SET one key of it.
type bookingRecord struct {
	PK                string                  `dynamodbav:"pk"`
	SK                string                  `dynamodbav:"sk"`
	GSI1PK            string                  `dynamodbav:"gsi1pk"`
	GSI1SK            string                  `dynamodbav:"gsi1sk"`
	GSI2PK            string                  `dynamodbav:"gsi2pk"`
	GSI2SK            string                  `dynamodbav:"gsi2sk"`
	GSI3PK            string                  `dynamodbav:"gsi3pk,omitempty"` // while held: the expiry index
	GSI3SK            string                  `dynamodbav:"gsi3sk,omitempty"`
	Email             string                  `dynamodbav:"email,omitempty"`
	Source            string                  `dynamodbav:"source,omitempty"`
	WaitlistEntry     string                  `dynamodbav:"waitlist_entry_id,omitempty"`
	ID                string                  `dynamodbav:"booking_id"`
	Reference         string                  `dynamodbav:"booking_reference"`
	EventID           string                  `dynamodbav:"event_id"`
	UserID            string                  `dynamodbav:"user_id"`
	Quantity          int                     `dynamodbav:"quantity"`
	UnitPrice         *moneyRecord            `dynamodbav:"unit_price,omitempty"` // absent on a booking with lines
	Lines             []lineRecord            `dynamodbav:"lines,omitempty"`
	PromoCode         string                  `dynamodbav:"promo_code,omitempty"`
	Total             moneyRecord             `dynamodbav:"total"`
	Status            string                  `dynamodbav:"status"`
	ExpiresAt         string                  `dynamodbav:"expires_at"`
	CreatedAt         string                  `dynamodbav:"created_at"`
	UpdatedAt         string                  `dynamodbav:"updated_at"`
	ConfirmedAt       string                  `dynamodbav:"confirmed_at,omitempty"`
	CancelledAt       string                  `dynamodbav:"cancelled_at,omitempty"`
	Payment           *paymentRecord          `dynamodbav:"payment,omitempty"`
	Refund            *refundRecord           `dynamodbav:"refund,omitempty"`
	Version           int64                   `dynamodbav:"version"`
	ConfirmClaim      string                  `dynamodbav:"confirm_claim,omitempty"`
	ConfirmClaimHash  string                  `dynamodbav:"confirm_claim_hash,omitempty"`
	ConfirmClaimUntil string                  `dynamodbav:"confirm_claim_until,omitempty"`
	ConfirmAnswers    map[string]answerRecord `dynamodbav:"confirm_answers"`
	RequestHash       string                  `dynamodbav:"request_hash,omitempty"`
	Shards            map[string]int          `dynamodbav:"shards,omitempty"` // shard number -> seats taken there
	// shard number -> type -> seats taken there, for a typed order spanning shards
	ShardTypes map[string]map[string]int `dynamodbav:"shard_types,omitempty"`
}

// lineRecord is one line of a booking; the currency is the booking total's.
type lineRecord struct {
	TicketTypeID string `dynamodbav:"ticket_type_id"`
	Name         string `dynamodbav:"name"`
	Unit         int64  `dynamodbav:"unit_amount"`
	Quantity     int    `dynamodbav:"quantity"`
	Discount     int64  `dynamodbav:"discount_amount"`
	Total        int64  `dynamodbav:"total_amount"`
}

func toLineRecords(ls []booking.Line) []lineRecord {
	if len(ls) == 0 {
		return nil
	}
	out := make([]lineRecord, len(ls))
	for i, l := range ls {
		out[i] = lineRecord{TicketTypeID: l.TicketTypeID, Name: l.TicketTypeName, Unit: l.UnitPrice.Amount,
			Quantity: l.Quantity, Discount: l.Discount.Amount, Total: l.Total.Amount}
	}
	return out
}

func fromLineRecords(ls []lineRecord, currency string) []booking.Line {
	if len(ls) == 0 {
		return nil
	}
	out := make([]booking.Line, len(ls))
	for i, l := range ls {
		out[i] = booking.Line{TicketTypeID: l.TicketTypeID, TicketTypeName: l.Name, Quantity: l.Quantity,
			UnitPrice: booking.Money{Amount: l.Unit, Currency: currency},
			Discount:  booking.Money{Amount: l.Discount, Currency: currency},
			Total:     booking.Money{Amount: l.Total, Currency: currency}}
	}
	return out
}

func money(m booking.Money) moneyRecord     { return moneyRecord(m) }
func (m moneyRecord) domain() booking.Money { return booking.Money(m) }

func toPaymentRecord(p *booking.Payment) *paymentRecord {
	if p == nil {
		return nil
	}
	return &paymentRecord{Provider: p.Provider, ChargeID: p.ChargeID, Method: p.Method, Status: p.Status,
		Amount: money(p.Amount), At: fmtBookingTime(p.At)}
}

func toRefundRecord(r *booking.Refund) *refundRecord {
	if r == nil {
		return nil
	}
	out := &refundRecord{Amount: money(r.Amount), Percent: r.Percent, RefundID: r.RefundID, Status: r.Status,
		Reason: r.Reason, At: fmtBookingTime(r.At)}
	for _, l := range r.Lines {
		out.Lines = append(out.Lines, lineRefundRecord{TicketTypeID: l.TicketTypeID, Amount: money(l.Amount)})
	}
	return out
}

func toBookingRecord(b *booking.Booking) bookingRecord {
	created := fmtBookingTime(b.CreatedAt)
	r := bookingRecord{
		PK: bookingPrefix + b.ID, SK: bookingSK,
		GSI1PK: userPrefix + b.UserID, GSI1SK: bookingPrefix + created + "#" + b.ID,
		GSI2PK: eventBookingsPartition(b.EventID), GSI2SK: created + "#" + b.ID,
		ID: b.ID, Reference: b.Reference, EventID: b.EventID, UserID: b.UserID, Quantity: b.Quantity,
		Total: money(b.Total), Status: string(b.Status), Lines: toLineRecords(b.Lines), PromoCode: b.PromoCode,
		ExpiresAt: fmtBookingTime(b.ExpiresAt), CreatedAt: created, UpdatedAt: fmtBookingTime(b.UpdatedAt),
		ConfirmedAt: fmtBookingTime(b.ConfirmedAt), CancelledAt: fmtBookingTime(b.CancelledAt),
		Payment: toPaymentRecord(b.Payment), Refund: toRefundRecord(b.Refund), Version: b.Version,
		ConfirmAnswers: map[string]answerRecord{}, Source: b.Source, WaitlistEntry: b.WaitlistEntry, Email: b.Email,
		RequestHash: b.RequestHash,
	}
	if len(b.Lines) == 0 {
		u := money(b.UnitPrice)
		r.UnitPrice = &u
	}
	if len(b.Shards) > 0 {
		r.Shards = make(map[string]int, len(b.Shards))
		for k, n := range b.Shards {
			r.Shards[strconv.Itoa(k)] = n
		}
	}
	if len(b.ShardTypes) > 0 {
		r.ShardTypes = make(map[string]map[string]int, len(b.ShardTypes))
		for k, share := range b.ShardTypes {
			r.ShardTypes[strconv.Itoa(k)] = share
		}
	}
	if b.Status == booking.Held {
		r.GSI3PK, r.GSI3SK = expiryKeys(b.ID, b.ExpiresAt)
	}
	for k, a := range b.ConfirmAnswers {
		r.ConfirmAnswers[k] = answerRecord(a)
	}
	return r
}

func fromBookingItem(it item) (*booking.Booking, error) {
	var r bookingRecord
	if err := attributevalue.UnmarshalMap(it, &r); err != nil {
		return nil, fmt.Errorf("booking item: %w", err)
	}
	b := &booking.Booking{
		ID: r.ID, Reference: r.Reference, EventID: r.EventID, UserID: r.UserID, Quantity: r.Quantity,
		Total: r.Total.domain(), Status: booking.Status(r.Status),
		Lines: fromLineRecords(r.Lines, r.Total.Currency), PromoCode: r.PromoCode,
		ExpiresAt: parseBookingTime(r.ExpiresAt), CreatedAt: parseBookingTime(r.CreatedAt), UpdatedAt: parseBookingTime(r.UpdatedAt),
		ConfirmedAt: parseBookingTime(r.ConfirmedAt), CancelledAt: parseBookingTime(r.CancelledAt), Version: r.Version,
		ConfirmClaim: r.ConfirmClaim, ConfirmClaimHash: r.ConfirmClaimHash, ConfirmClaimUntil: parseBookingTime(r.ConfirmClaimUntil),
		Source: r.Source, WaitlistEntry: r.WaitlistEntry, Email: r.Email, RequestHash: r.RequestHash,
	}
	if r.UnitPrice != nil {
		b.UnitPrice = r.UnitPrice.domain()
	}
	for k, n := range r.Shards {
		i, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("booking item: shard %q", k)
		}
		if b.Shards == nil {
			b.Shards = map[int]int{}
		}
		b.Shards[i] = n
	}
	for k, share := range r.ShardTypes {
		i, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("booking item: shard %q", k)
		}
		if b.ShardTypes == nil {
			b.ShardTypes = map[int]map[string]int{}
		}
		b.ShardTypes[i] = share
	}
	if p := r.Payment; p != nil {
		b.Payment = &booking.Payment{Provider: p.Provider, ChargeID: p.ChargeID, Method: p.Method, Status: p.Status,
			Amount: p.Amount.domain(), At: parseBookingTime(p.At)}
	}
	if f := r.Refund; f != nil {
		b.Refund = &booking.Refund{Amount: f.Amount.domain(), Percent: f.Percent, RefundID: f.RefundID, Status: f.Status,
			Reason: f.Reason, At: parseBookingTime(f.At)}
		for _, l := range f.Lines {
			b.Refund.Lines = append(b.Refund.Lines, booking.LineRefund{TicketTypeID: l.TicketTypeID, Amount: l.Amount.domain()})
		}
	}
	if len(r.ConfirmAnswers) > 0 {
		b.ConfirmAnswers = map[string]booking.StoredAnswer{}
		for k, a := range r.ConfirmAnswers {
			b.ConfirmAnswers[k] = booking.StoredAnswer(a)
		}
	}
	return b, nil
}

// bookingEventRecord is the part of an event item booking reads. refund_policy is
// optional; without it the default policy applies.
type bookingEventRecord struct {
	ID            string                      `dynamodbav:"event_id"`
	Status        string                      `dynamodbav:"status"`
	StartsAt      string                      `dynamodbav:"starts_at"`
	PriceAmount   int64                       `dynamodbav:"price_amount"`
	PriceCurrency string                      `dynamodbav:"price_currency"`
	MaxTickets    int                         `dynamodbav:"max_tickets_per_booking"`
	Capacity      int64                       `dynamodbav:"capacity"`
	Available     int64                       `dynamodbav:"available"`
	Held          int64                       `dynamodbav:"held"`
	Sold          int64                       `dynamodbav:"sold"`
	RefundPolicy  []refundTierRecord          `dynamodbav:"refund_policy,omitempty"`
	Offering      int64                       `dynamodbav:"offering"`
	Waiting       int64                       `dynamodbav:"waiting"`
	OfferMinutes  int64                       `dynamodbav:"offer_minutes"`
	TT            map[string]typeCountsRecord `dynamodbav:"tt,omitempty"`
	WaitingAny    int64                       `dynamodbav:"waiting_any"`
	WaitingRoom   *waitingRoomRecord          `dynamodbav:"waiting_room,omitempty"`
	Shards        int                         `dynamodbav:"inventory_shards"`
}

type refundTierRecord struct {
	HoursBefore int `dynamodbav:"hours_before"`
	Percent     int `dynamodbav:"percent"`
}

// fromEventForBooking decodes the event item without its types' definitions (what the
// paths that only move counters need).
func fromEventForBooking(it item) (*booking.Event, error) {
	ev, _, err := decodeBookingEvent(it)
	return ev, err
}

// decodeBookingEvent decodes the event item and returns its tt map (nil for an event sold
// as its default type).
func decodeBookingEvent(it item) (*booking.Event, map[string]typeCountsRecord, error) {
	var r bookingEventRecord
	if err := attributevalue.UnmarshalMap(it, &r); err != nil {
		return nil, nil, fmt.Errorf("event item: %w", err)
	}
	ev := &booking.Event{
		ID: r.ID, Status: r.Status, StartsAt: parseTime(r.StartsAt),
		Price: booking.Money{Amount: r.PriceAmount, Currency: r.PriceCurrency}, MaxPerBooking: r.MaxTickets,
		Capacity: r.Capacity, Available: r.Available, Held: r.Held, Sold: r.Sold,
		RefundPolicy: booking.DefaultRefundPolicy,
		Offering:     r.Offering, Waiting: r.Waiting, OfferFor: time.Duration(r.OfferMinutes) * time.Minute,
		WaitingAny: r.WaitingAny, WaitingRoom: r.WaitingRoom.config(),
	}
	if sharded(r.Status, r.Shards) {
		ev.Shards = r.Shards
	}
	if len(r.RefundPolicy) > 0 {
		p := booking.RefundPolicy{}
		for _, t := range r.RefundPolicy {
			p.Tiers = append(p.Tiers, booking.RefundTier(t))
		}
		if p.Valid() {
			ev.RefundPolicy = p
		}
	}
	return ev, r.TT, nil
}

func numAttr(it item, name string) int64 {
	var n int64
	if v, ok := it[name]; ok {
		_ = attributevalue.Unmarshal(v, &n) // absent or malformed counts as 0
	}
	return n
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func marshalBooking(b *booking.Booking) (item, error) {
	return attributevalue.MarshalMap(toBookingRecord(b))
}
