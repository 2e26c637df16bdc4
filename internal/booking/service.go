package booking

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/idempotency"
	"github.com/bookmyevent/bookmyevent/internal/notify"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// Config is a deployment's booking settings.
type Config struct {
	HoldFor   time.Duration // how long a hold lasts (default 15m)
	RateLimit int           // reservation attempts per user per minute (default 10)
	// ClaimFor bounds how long one confirm may run before a retry may take over: longer
	// than a Lambda's timeout, so a live request is never overtaken.
	ClaimFor time.Duration
}

// Defaults fills unset settings.
func (c Config) Defaults() Config {
	if c.HoldFor <= 0 {
		c.HoldFor = 15 * time.Minute
	}
	if c.RateLimit <= 0 {
		c.RateLimit = 10
	}
	if c.ClaimFor <= 0 {
		c.ClaimFor = 30 * time.Second
	}
	return c
}

// Service runs the booking use cases.
type Service struct {
	store    Store
	payments payments.Provider
	signer   *tickets.Signer
	events   *EventCache
	codes    *CodeCache
	bus      notify.Publisher
	line     Nudger
	gate     *waitroom.Gate
	cfg      Config
}

// Nudger wakes the waitlist worker for an event (the waitlist queue).
type Nudger interface {
	Nudge(ctx context.Context, eventID string) error
}

// Deps are what the use cases work with. Store and Payments are required; Signer only
// where tickets are issued or checked; Events nil reads every event from the store; Bus
// hears of confirmations and Line of seats freed to a waitlist (either may be nil: the
// sweeper nudges again for seats left in offering).
type Deps struct {
	Store    Store
	Payments payments.Provider
	Signer   *tickets.Signer
	Events   *EventCache
	Codes    *CodeCache // nil: orders with a promo_code are refused as naming no code
	Bus      notify.Publisher
	Line     Nudger
	// Gate checks admission tokens for events whose waiting room is on; nil refuses
	// every reservation of such an event (a function deployed without the key ring).
	Gate *waitroom.Gate
}

// NewService wires the use cases.
func NewService(d Deps, cfg Config) *Service {
	if d.Events == nil {
		d.Events = NewEventCache(d.Store, 0)
	}
	return &Service{store: d.Store, payments: d.Payments, signer: d.Signer, events: d.Events, codes: d.Codes, bus: d.Bus, line: d.Line, gate: d.Gate, cfg: cfg.Defaults()}
}

// Result is what Reserve and Confirm answer: the booking as this request left it, or,
// when the Idempotency-Key was answered before, that answer as stored (Replayed). A
// confirm whose payment needs the buyer (3-D Secure) answers the booking still held and
// the Action to finish it with.
type Result struct {
	Booking  *Booking
	Replayed *idempotency.Response
	Action   *Action
}

// Action is what the buyer's browser needs to finish a payment: Stripe's client secret of
// the booking's PaymentIntent. The outcome arrives later, by webhook.
type Action struct {
	ClientSecret string
}

// replay turns a stored answer back into what the first request answered.
func replay(a StoredAnswer) (Result, error) {
	if a.Code != "" {
		return Result{}, fault.New(fault.Code(a.Code), "%s", a.Message)
	}
	return Result{Replayed: &idempotency.Response{Status: a.Status, Body: json.RawMessage(a.Body)}}, nil
}

// maxReserveRounds bounds retries for a stale cached event or an id collision; both are
// rare, so needing more than a few means something else is wrong.
const maxReserveRounds = 3

// Reserve holds quantity seats of an event sold as one type (the legacy body).
func (s *Service) Reserve(ctx context.Context, userID, eventID string, quantity int, key string, now time.Time) (Result, error) {
	return s.ReserveOrder(ctx, userID, eventID, OrderRequest{Quantity: &quantity}, key, now)
}

// replayRecord answers a reservation whose key already made a booking: the first
// answer, or 422 when the key came with another request. The booking is the record, so
// it never expires.
func (s *Service) replayRecord(rec *idempotency.Record, hash string, now time.Time) (Result, error) {
	if _, err := idempotency.Decide(rec, hash, now); err != nil {
		return Result{}, err
	}
	return Result{Replayed: rec.Stored()}, nil
}

// ReservationRecord is the idempotency record a booking stands for: the hash of the
// reservation that made it and its answer (the booking as created).
func ReservationRecord(b *Booking) (*idempotency.Record, error) {
	body, err := json.Marshal(b.AsCreated().View())
	if err != nil {
		return nil, err
	}
	return &idempotency.Record{Hash: b.RequestHash, Done: true, Status: idempotency.Created, Body: string(body)}, nil
}

func newHold(userID string, ev *Event, quantity int, now time.Time, holdFor time.Duration) *Booking {
	id, ref := NewID()
	// The store keeps milliseconds; the answer must show what a later read shows.
	now = now.Truncate(time.Millisecond)
	return &Booking{
		ID: id, Reference: ref, EventID: ev.ID, UserID: userID, Quantity: quantity,
		UnitPrice: ev.Price, Total: ev.Price.Times(quantity), Status: Held,
		ExpiresAt: now.Add(holdFor).UTC(), CreatedAt: now.UTC(), UpdatedAt: now.UTC(), Version: 1,
	}
}

// Get returns a user's booking; someone else's is not_found, so ids cannot be probed.
func (s *Service) Get(ctx context.Context, userID, id string) (*Booking, error) {
	if !ValidID(id) {
		return nil, notFound()
	}
	b, err := s.store.GetBooking(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.UserID != userID {
		return nil, notFound()
	}
	return b, nil
}

func notFound() error { return fault.New(fault.NotFound, "Booking not found") }

// Confirm takes payment for a hold and turns it into a confirmed booking.
func (s *Service) Confirm(ctx context.Context, userID, id, method, key string, now time.Time) (Result, error) {
	if err := idempotency.CheckKey(key); err != nil {
		return Result{}, err
	}
	if method == "" {
		return Result{}, &fault.Error{Code: fault.Validation, Message: "payment_method is required",
			Fields: map[string]string{"payment_method": "required, e.g. pm_card_visa"}}
	}
	if !ValidID(id) {
		return Result{}, notFound()
	}
	hash := idempotency.Hash("confirm", id, method)
	b, err := s.store.ClaimConfirm(ctx, ClaimRequest{BookingID: id, UserID: userID, Key: key, Hash: hash, Now: now, Until: now.Add(s.cfg.ClaimFor)})
	if errors.Is(err, ErrNotClaimed) {
		return s.unclaimed(b, userID, key, hash, now)
	}
	if err != nil {
		return Result{}, err
	}
	charge, err := s.payments.Charge(ctx, payments.ChargeRequest{Key: b.ID, Amount: b.Total.Amount, Currency: b.Total.Currency, Method: method})
	if err != nil {
		// Not charged as far as we know; a retry with the same key charges under the same
		// provider key, so even a charge that did go through is never taken twice.
		s.settle(ctx, b, nil, nil, key, nil, now)
		return Result{}, fault.New(fault.Unavailable, "The payment provider did not answer; retry with the same Idempotency-Key")
	}
	pay := Payment{Provider: s.payments.Name(), ChargeID: charge.ID, Method: method, Status: charge.Status,
		Amount: Money{Amount: charge.Amount, Currency: charge.Currency}, At: charge.At.UTC().Truncate(time.Millisecond)}
	if charge.Status == payments.RequiresAction {
		// Nothing is stored under the key: a retry asks the provider again, which answers
		// the same intent (keyed by the booking), so the secret is never kept here.
		s.settle(ctx, b, &pay, nil, key, nil, now)
		held := *b
		held.Payment = &pay
		return Result{Booking: &held, Action: &Action{ClientSecret: charge.ClientSecret}}, nil
	}
	if charge.Status != payments.Succeeded {
		fe := fault.New(fault.PaymentDeclined, "The payment was declined (%s); the hold stays until it expires", charge.DeclineCode)
		ans := StoredAnswer{Hash: hash, Status: idempotency.Declined, Code: string(fe.Code), Message: fe.Message}
		if err := s.store.SettleClaim(ctx, b, &pay, nil, key, &ans, now); err != nil && !errors.Is(err, ErrChanged) {
			return Result{}, err
		}
		return Result{}, fe
	}
	from := b.Status
	confirmed := *b
	at := now.UTC().Truncate(time.Millisecond)
	confirmed.Status, confirmed.ConfirmedAt, confirmed.UpdatedAt, confirmed.Payment = Confirmed, at, at, &pay
	body, err := json.Marshal(confirmed.View())
	if err != nil {
		return Result{}, err
	}
	err = s.store.Confirm(ctx, b, pay, key, StoredAnswer{Hash: hash, Status: idempotency.Changed, Body: string(body)}, now)
	switch {
	case err == nil:
		s.publishConfirmed(ctx, b, now)
		return Result{Booking: &confirmed}, nil
	case errors.Is(err, ErrSeatsGone), errors.Is(err, ErrChanged):
		// The money was taken but the seats cannot be: give it back and say why.
		refund := s.refundAll(ctx, b, charge.ID, "confirm_failed", now)
		if from == Expired || errors.Is(err, ErrSeatsGone) {
			s.settle(ctx, b, &pay, refund, key, nil, now)
			return Result{}, fault.New(fault.HoldExpired, "The hold expired and its seats were taken; the payment was refunded")
		}
		return Result{}, fault.New(fault.InvalidTransition, "The booking changed while paying (e.g. it was cancelled); the payment was refunded")
	default:
		s.settle(ctx, b, nil, nil, key, nil, now)
		return Result{}, err
	}
}

// unclaimed answers a confirm that could not claim the booking, from the booking as stored.
func (s *Service) unclaimed(b *Booking, userID, key, hash string, now time.Time) (Result, error) {
	if b == nil || b.UserID != userID {
		return Result{}, notFound()
	}
	if a, ok := b.ConfirmAnswers[key]; ok {
		if a.Hash != hash {
			return Result{}, fault.New(fault.IdempotencyMismatch, "This Idempotency-Key was used with a different request")
		}
		return replay(a)
	}
	if b.ConfirmClaim != "" && now.Before(b.ConfirmClaimUntil) {
		if b.ConfirmClaim == key && b.ConfirmClaimHash != hash {
			return Result{}, fault.New(fault.IdempotencyMismatch, "This Idempotency-Key was used with a different request")
		}
		_, err := idempotency.Decide(&idempotency.Record{Hash: hash, LockedUntil: b.ConfirmClaimUntil}, hash, now)
		return Result{}, err
	}
	switch b.Status {
	case Confirmed:
		// Confirmed already (by another key): the same result, never a second charge.
		return Result{Booking: b}, nil
	case Cancelled:
		return Result{}, fault.New(fault.InvalidTransition, "The booking was cancelled")
	}
	return Result{}, fault.New(fault.Unavailable, "The booking is being changed; retry with the same Idempotency-Key")
}

// settle ends a claim after a failure. It is best effort: if it fails too, the claim
// lapses after ClaimFor and a retry takes over.
func (s *Service) settle(ctx context.Context, b *Booking, p *Payment, r *Refund, key string, a *StoredAnswer, now time.Time) {
	if err := s.store.SettleClaim(context.WithoutCancel(ctx), b, p, r, key, a, now); err != nil {
		slog.WarnContext(ctx, "confirm claim left to lapse", "booking_id", b.ID, "error", err)
	}
}

// refundAll returns the charge chargeID of b in full, keyed so it happens once however
// often it is asked.
func (s *Service) refundAll(ctx context.Context, b *Booking, chargeID, reason string, now time.Time) *Refund {
	r := NewRefund(b, 100, reason, now)
	if out, err := s.payments.Refund(ctx, refundRequest(b, chargeID, r)); err == nil {
		r.RefundID, r.Status = out.ID, "succeeded"
	} else {
		slog.WarnContext(ctx, "refund pending", "booking_id", b.ID, "error", err)
	}
	return r
}

// refundRequest asks for refund r of b's charge chargeID. The refund's reason tells it
// apart from any other refund of the same charge (the provider's key is the booking and
// the reason), and is the same whenever r is retried.
func refundRequest(b *Booking, chargeID string, r *Refund) payments.RefundRequest {
	return payments.RefundRequest{Key: b.ID, ChargeID: chargeID, RefundID: r.Reason, Amount: r.Amount.Amount, Currency: r.Amount.Currency}
}

// chargeOf is the provider's id of b's recorded charge.
func chargeOf(b *Booking) string {
	if b.Payment == nil {
		return ""
	}
	return b.Payment.ChargeID
}

// Cancel gives a booking back: a hold is released at once; a confirmed booking returns its
// seats and is refunded by the event's policy. Cancelling twice is harmless.
func (s *Service) Cancel(ctx context.Context, userID, id string, now time.Time) (*Booking, error) {
	percent := func(ev *Event) int { return ev.RefundPolicy.Percent(ev.StartsAt, now) }
	return s.cancel(ctx, func() (*Booking, error) { return s.Get(ctx, userID, id) }, percent, "cancelled_by_buyer", now)
}

// CancelByOrganiser gives any buyer's booking back (admin): a hold is released, a
// confirmed booking returns its seats and is refunded by choice (OrganiserPercent). A
// booking already cancelled, by anyone, answers as it is: its refund is never made twice
// and never changed by a later choice.
func (s *Service) CancelByOrganiser(ctx context.Context, id string, choice RefundChoice, now time.Time) (*Booking, error) {
	get := func() (*Booking, error) {
		if !ValidID(id) {
			return nil, notFound()
		}
		return s.store.GetBooking(ctx, id)
	}
	percent := func(ev *Event) int { return OrganiserPercent(choice, ev.RefundPolicy, ev.StartsAt, now) }
	return s.cancel(ctx, get, percent, "cancelled_by_organiser", now)
}

// cancel releases the booking get reads, refunding a confirmed one percent(event) for
// reason. The reason keys the provider's refund, so a retry of either cancel refunds once.
func (s *Service) cancel(ctx context.Context, get func() (*Booking, error), percent func(*Event) int, reason string, now time.Time) (*Booking, error) {
	// The store keeps milliseconds; a repeat's answer, read back, must match this one's.
	now = now.Truncate(time.Millisecond)
	for range maxReserveRounds {
		b, err := get()
		if err != nil {
			return nil, err
		}
		var refund *Refund
		switch b.Status {
		case Cancelled, Expired:
			if b.Refund != nil && b.Refund.Status == "pending" {
				return s.payRefund(ctx, b, now)
			}
			return b, nil
		case Confirmed:
			ev, err := s.store.GetEvent(ctx, b.EventID)
			if err != nil {
				return nil, err
			}
			refund = NewRefund(b, percent(ev), reason, now)
			if refund.Amount.Amount == 0 {
				refund.Status = "none"
			}
		}
		rel, err := s.store.Release(ctx, b, Cancelled, refund, now)
		if errors.Is(err, ErrChanged) {
			continue // confirmed or expired meanwhile: decide again on the new state
		}
		if err != nil {
			return nil, err
		}
		s.Freed(ctx, rel)
		out := rel.Booking
		if refund != nil && refund.Status == "pending" {
			return s.payRefund(ctx, out, now)
		}
		return out, nil
	}
	return nil, fault.New(fault.Conflict, "The booking is being changed by another request; try again")
}

// payRefund pays a recorded refund. If the provider does not answer, the refund stays
// pending on the booking and cancelling again retries it.
func (s *Service) payRefund(ctx context.Context, b *Booking, now time.Time) (*Booking, error) {
	out, err := s.payments.Refund(ctx, refundRequest(b, chargeOf(b), b.Refund))
	if err != nil {
		slog.WarnContext(ctx, "refund pending", "booking_id", b.ID, "error", err)
		return b, nil
	}
	paid, err := s.store.RecordRefund(ctx, b, out.ID, now)
	if err == nil {
		s.publishCancelled(ctx, paid, now)
	}
	return paid, err
}

// Expire releases a hold whose time is up (the sweeper's job). A hold with a confirm
// running is left alone: the confirm either wins or settles, and the next sweep decides.
func (s *Service) Expire(ctx context.Context, b *Booking, now time.Time) error {
	if b.Status != Held || now.Before(b.ExpiresAt) || (b.ConfirmClaim != "" && now.Before(b.ConfirmClaimUntil)) {
		return nil
	}
	rel, err := s.store.Release(ctx, b, Expired, nil, now)
	if errors.Is(err, ErrChanged) {
		return nil
	}
	if err == nil {
		s.Freed(ctx, rel)
	}
	return err
}

// Freed wakes the waitlist worker when a committed release handed its seats to the
// event's line. Best effort: the sweeper nudges again for seats left in offering, so a
// lost nudge delays an offer but never strands the seats.
func (s *Service) Freed(ctx context.Context, rel Released) {
	if !rel.ToWaitlist || s.line == nil {
		return
	}
	if err := s.line.Nudge(context.WithoutCancel(ctx), rel.Booking.EventID); err != nil {
		slog.WarnContext(ctx, "waitlist nudge lost", "event_id", rel.Booking.EventID, "error", err)
	}
}

// publishConfirmed sends booking.confirmed for b (as claimed), once its confirm committed.
func (s *Service) publishConfirmed(ctx context.Context, b *Booking, now time.Time) {
	detail := map[string]any{"event_id": b.EventID, "booking_id": b.ID, "user_id": b.UserID, "quantity": b.Quantity,
		"total": b.Total}
	if b.WaitlistEntry != "" {
		detail["source"], detail["entry_id"] = b.Source, b.WaitlistEntry
	}
	notify.Send(ctx, s.bus, notify.Event{Type: notify.BookingConfirmed, At: now, Detail: detail})
}

// publishCancelled sends booking.cancelled for b once its refund was paid.
func (s *Service) publishCancelled(ctx context.Context, b *Booking, now time.Time) {
	detail := map[string]any{"event_id": b.EventID, "booking_id": b.ID, "user_id": b.UserID,
		"refund": map[string]any{"amount": b.Refund.Amount.Amount, "currency": b.Refund.Amount.Currency}}
	notify.Send(ctx, s.bus, notify.Event{Type: notify.BookingCancelled, At: now, Detail: detail})
}

// Mine lists a user's bookings.
func (s *Service) Mine(ctx context.Context, userID string, f ListFilter) (Page, error) {
	if err := checkFilter(f); err != nil {
		return Page{}, err
	}
	return s.store.ListUserBookings(ctx, userID, f)
}

// EventBookings lists an event's bookings (admin).
func (s *Service) EventBookings(ctx context.Context, eventID string, f ListFilter) (Page, error) {
	if err := checkFilter(f); err != nil {
		return Page{}, err
	}
	if _, err := s.store.GetEvent(ctx, eventID); err != nil {
		return Page{}, err
	}
	return s.store.ListEventBookings(ctx, eventID, f)
}

func checkFilter(f ListFilter) error {
	if f.Status != "" && !f.Status.Valid() {
		return &fault.Error{Code: fault.Validation, Message: "Unknown status",
			Fields: map[string]string{"status": "must be one of held, confirmed, cancelled, expired"}}
	}
	return nil
}

// Tickets returns the tickets of a user's confirmed booking.
func (s *Service) Tickets(ctx context.Context, userID, id string) ([]tickets.Ticket, error) {
	b, err := s.Get(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if b.Status != Confirmed {
		return nil, fault.New(fault.InvalidTransition, "Tickets are issued once the booking is confirmed (it is %s)", b.Status)
	}
	if s.signer == nil {
		return nil, errNoSigner()
	}
	ts := s.signer.Issue(b.EventID, b.ID, b.Quantity)
	lines := b.OrderLines()
	for i := range ts {
		if l, ok := SeatLine(lines, ts[i].Seat); ok {
			ts[i].TicketTypeID, ts[i].TicketTypeName = l.TicketTypeID, l.TicketTypeName
		}
	}
	return ts, nil
}

// CheckIn is the result of a first scan.
type CheckIn struct {
	TicketID    string    `json:"ticket_id"`
	BookingID   string    `json:"booking_id"`
	EventID     string    `json:"event_id"`
	Seat        int       `json:"seat"`
	CheckedInAt time.Time `json:"checked_in_at"`
	// The seat's ticket type, read from the booking's lines.
	TicketTypeID   string `json:"ticket_type_id,omitempty"`
	TicketTypeName string `json:"ticket_type_name,omitempty"`
}

// CheckIn admits the holder of a ticket code at eventID's door, once.
func (s *Service) CheckIn(ctx context.Context, eventID, code string, now time.Time) (CheckIn, error) {
	if s.signer == nil {
		return CheckIn{}, errNoSigner()
	}
	t, ok := s.signer.Verify(code)
	if !ok || t.EventID != eventID {
		return CheckIn{}, fault.New(fault.NotFound, "Not a ticket for this event")
	}
	b, err := s.store.GetBooking(ctx, t.BookingID)
	if fault.Is(err, fault.NotFound) {
		return CheckIn{}, fault.New(fault.NotFound, "Not a valid ticket for this event")
	}
	if err != nil {
		return CheckIn{}, err
	}
	line, _ := SeatLine(b.OrderLines(), t.Seat)
	if err := s.store.CheckIn(ctx, eventID, t.BookingID, t.Seat, line.TicketTypeID, now); err != nil {
		return CheckIn{}, err
	}
	return CheckIn{TicketID: t.TicketID, BookingID: t.BookingID, EventID: eventID, Seat: t.Seat, CheckedInAt: now.UTC(),
		TicketTypeID: line.TicketTypeID, TicketTypeName: line.TicketTypeName}, nil
}

// Stats returns an event's admin numbers.
func (s *Service) Stats(ctx context.Context, eventID string) (Stats, error) {
	return s.store.Stats(ctx, eventID)
}

// errNoSigner answers a ticket use case in a function deployed without the signing key:
// only the functions that sign or verify tickets are given it.
func errNoSigner() error {
	return fault.New(fault.Unavailable, "Tickets are not issued by this function")
}
