package booking

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/idempotency"
	"github.com/bookmyevent/bookmyevent/internal/promo"
)

// PromoCodes reads an event's promo codes (the store).
type PromoCodes interface {
	// GetPromoCode reads the event's code stored under code (normalised), deleted ones
	// included (the caller refuses those); nil and no error when there is none.
	GetPromoCode(ctx context.Context, eventID, code string) (*promo.Code, error)
}

// StaleCodeError says the promo code differs from the cached copy the order was priced
// with (its rev, or a deletion); Code is the stored code, so the caller can price again
// without a read.
type StaleCodeError struct{ Code *promo.Code }

func (e *StaleCodeError) Error() string { return "booking: cached promo code is stale" }

// CodeCache keeps the promo codes an instance has read, for at most ttl, so an order
// with a code is still one round trip warm. Staleness is harmless as for events: the
// transaction repeats the code's rev and counts its use under uses < max_uses, and a
// mismatch fails it with the stored code attached (StaleCodeError).
type CodeCache struct {
	src   PromoCodes
	ttl   time.Duration
	mu    sync.Mutex
	items map[string]cachedCode
}

type cachedCode struct {
	code   *promo.Code
	expiry time.Time
}

// NewCodeCache caches src's codes for ttl (0 reads every code from src).
func NewCodeCache(src PromoCodes, ttl time.Duration) *CodeCache {
	return &CodeCache{src: src, ttl: ttl, items: map[string]cachedCode{}}
}

// Get returns the event's code (normalised), nil when the event has none by that name.
func (c *CodeCache) Get(ctx context.Context, eventID, code string, now time.Time) (*promo.Code, error) {
	k := eventID + "/" + code
	c.mu.Lock()
	cc, ok := c.items[k]
	c.mu.Unlock()
	if ok && now.Before(cc.expiry) {
		return cc.code, nil
	}
	got, err := c.src.GetPromoCode(ctx, eventID, code)
	if err != nil {
		return nil, err
	}
	c.Put(eventID, code, got, now)
	return got, nil
}

// Put stores a fresher copy (nil: the event has no such code).
func (c *CodeCache) Put(eventID, code string, got *promo.Code, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.items) > 10000 {
		c.items = map[string]cachedCode{}
	}
	c.items[eventID+"/"+code] = cachedCode{code: got, expiry: now.Add(c.ttl)}
}

// ReserveOrder holds an order's seats: items of one or more ticket types, or the legacy
// quantity, optionally with a promo code. An event sold as its default type, ordered by
// quantity without a code, runs exactly the legacy reservation; every other order is
// priced by PriceOrder and held in the one transaction with the per-type guards.
func (s *Service) ReserveOrder(ctx context.Context, userID, eventID string, r OrderRequest, key string, now time.Time) (Result, error) {
	if err := idempotency.CheckKey(key); err != nil {
		return Result{}, err
	}
	ev, err := s.events.Get(ctx, eventID, now)
	if err != nil {
		return Result{}, err
	}
	// Before anything is written: a refused request costs no DynamoDB call beyond the
	// (cached) event read.
	if err := s.gate.Admit(ev.WaitingRoom, userID, eventID, r.AdmissionToken, now); err != nil {
		return Result{}, err
	}
	if r.Quantity == nil && len(r.Items) == 0 && !ev.Typed() {
		zero := 0
		r.Quantity = &zero // {} to a one-type event: the legacy "quantity is required"
	}
	legacy := r.Quantity != nil && len(r.Items) == 0 && r.PromoCode == ""
	if legacy && !ev.Typed() {
		if err := CheckQuantity(*r.Quantity, ev.MaxPerBooking); err != nil {
			return Result{}, err
		}
	}
	code, norm, err := s.orderCode(ctx, eventID, r.PromoCode, now)
	if err != nil {
		return Result{}, err
	}
	hash := orderHash(eventID, r, norm, legacy)
	window := now.UTC().Truncate(time.Minute)
	id := DerivedID(userID, key)
	for range maxReserveRounds {
		var (
			b     *Booking
			order *Order
		)
		if legacy && !ev.Typed() {
			if err := CheckQuantity(*r.Quantity, ev.MaxPerBooking); err != nil {
				return Result{}, err
			}
			b = newHold(userID, ev, *r.Quantity, now, s.cfg.HoldFor)
		} else {
			o, err := PriceOrder(r, ev.OrderEvent(), code, now)
			if err != nil {
				return Result{}, err
			}
			order = &o
			b = newOrderHold(userID, ev, o, now, s.cfg.HoldFor)
		}
		b.Email, b.ID, b.RequestHash = BuyerEmail(ctx), id, hash
		req := ReserveRequest{
			Booking: b, Event: ev, Order: order, UserLimit: ev.PerUserLimit(), Now: now, Key: key,
			RateLimit: s.cfg.RateLimit, Window: window.Format("200601021504"),
		}
		if order != nil && order.PromoCode != "" {
			req.Code = code
		}
		rec, err := s.store.Reserve(ctx, req)
		var (
			stale     *StaleEventError
			staleCode *StaleCodeError
		)
		switch {
		case err == nil && rec == nil:
			return Result{Booking: b}, nil
		case err == nil:
			return s.replayRecord(rec, hash, now)
		case errors.As(err, &stale):
			s.events.Put(stale.Event, now)
			ev = stale.Event
		case errors.As(err, &staleCode):
			if s.codes != nil {
				s.codes.Put(eventID, norm, staleCode.Code, now)
			}
			code = staleCode.Code
		case errors.Is(err, ErrReferenceTaken):
			// Draw the reference again; the id is the key's.
		default:
			if fe, ok := fault.As(err); ok && fe.Code == fault.RateLimited && fe.RetryAfter == 0 {
				fe.RetryAfter = max(1, int(window.Add(time.Minute).Sub(now).Seconds()+0.999))
			}
			return Result{}, err
		}
	}
	return Result{}, fault.New(fault.Unavailable, "Could not reserve right now; retry with the same Idempotency-Key")
}

// orderCode reads the order's promo code, nil when none was sent or the event has none
// by that name (PriceOrder then names promo_code).
func (s *Service) orderCode(ctx context.Context, eventID, asked string, now time.Time) (*promo.Code, string, error) {
	if asked == "" {
		return nil, "", nil
	}
	norm, ok := promo.Normalize(asked)
	if !ok || s.codes == nil {
		return nil, norm, nil
	}
	c, err := s.codes.Get(ctx, eventID, norm, now)
	return c, norm, err
}

// orderHash is the request an Idempotency-Key stands for. The legacy body keeps the hash
// it always had, so keys stored before types existed replay as they did.
func orderHash(eventID string, r OrderRequest, code string, legacy bool) string {
	if legacy {
		return idempotency.Hash("reserve", eventID, strconv.Itoa(*r.Quantity))
	}
	parts := []string{"reserve-order", eventID, code}
	if r.Quantity != nil {
		parts = append(parts, "q="+strconv.Itoa(*r.Quantity))
	}
	for _, it := range r.Items {
		parts = append(parts, it.TicketTypeID+"="+strconv.Itoa(it.Quantity))
	}
	return idempotency.Hash(parts...)
}

// newOrderHold is the held booking of a priced order. An event with stored types keeps
// the lines; one sold as its default type keeps today's shape (unit price, quantity,
// total), which reads back as the same one line.
func newOrderHold(userID string, ev *Event, o Order, now time.Time, holdFor time.Duration) *Booking {
	b := newHold(userID, ev, o.Quantity, now, holdFor)
	b.Total, b.PromoCode = o.Total, o.PromoCode
	if ev.Typed() {
		b.Lines, b.UnitPrice = o.Lines, Money{}
	} else {
		b.UnitPrice = o.Lines[0].UnitPrice
	}
	return b
}
