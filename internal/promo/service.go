package promo

import (
	"context"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/cache"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Store keeps an event's promo codes, one item per normalised code, so a code is unique
// per event by its key. Writes are conditional on rev (the admin's If-Match); deletion
// is soft.
type Store interface {
	// CreatePromoCode puts c unless the event has the code; then it returns the stored
	// code and the request hash it was created with.
	CreatePromoCode(ctx context.Context, c Code, requestHash string) (*catalog.Existing[Code], error)
	GetPromoCode(ctx context.Context, eventID, code string) (Code, error)
	ListPromoCodes(ctx context.Context, eventID, cursor string, limit int) (catalog.Page[Code], error)
	// UpdatePromoCode writes after if the stored code still has before's rev and is not
	// deleted (and, when max_uses is set, has no more uses than it).
	UpdatePromoCode(ctx context.Context, before, after Code) (Code, error)
	// DeletePromoCode marks c deleted at now if it still has c's rev.
	DeletePromoCode(ctx context.Context, c Code, now time.Time) (Code, error)
}

// Events reads the event a code belongs to, with its ticket types.
type Events interface {
	GetEvent(ctx context.Context, id string) (catalog.Event, error)
}

// Service is the admin's use cases for promo codes.
type Service struct {
	store  Store
	events Events
	now    func() time.Time
}

// NewService returns a Service; now is the clock.
func NewService(store Store, events Events, now func() time.Time) *Service {
	return &Service{store: store, events: events, now: now}
}

// NotFound is the error for a code the event does not have.
func NotFound() error { return fault.New(fault.NotFound, "Promo code not found") }

func (s *Service) event(ctx context.Context, id string) (Event, error) {
	if !catalog.ValidID(id) {
		return Event{}, catalog.EventNotFound()
	}
	e, err := s.events.GetEvent(ctx, id)
	if err != nil {
		return Event{}, err
	}
	pe := Event{ID: e.ID, Currency: e.Price.Currency}
	for _, t := range e.SellingTypes() {
		pe.TypeIDs = append(pe.TypeIDs, t.ID)
	}
	return pe, nil
}

// Create adds a code to an event. The code is its own key: the same request again (an
// Idempotency-Key retry, or the SDK's) gets the stored code, anything else that names a
// code the event has (deleted ones too) is a 409.
func (s *Service) Create(ctx context.Context, caller, key, eventID string, in Input) (Code, error) {
	e, err := s.event(ctx, eventID)
	if err != nil {
		return Code{}, err
	}
	c, err := in.Build(e, s.now())
	if err != nil {
		return Code{}, err
	}
	hash := catalog.RequestHash("promo_code", struct {
		Caller string `json:"caller"`
		Key    string `json:"key"`
		Event  string `json:"event_id"`
		Input  Input  `json:"input"`
	}{caller, key, eventID, in})
	ex, err := s.store.CreatePromoCode(ctx, c, hash)
	if err != nil || ex == nil {
		return c, err
	}
	if ex.RequestHash != hash {
		return Code{}, &fault.Error{Code: fault.Conflict, Message: "This event already has the promo code " + c.Code,
			Fields: map[string]string{"code": "is already a promo code of this event (codes compare case-insensitively)"}}
	}
	return ex.Item, nil
}

func lookup(code string) (string, error) {
	c, ok := Normalize(code)
	if !ok {
		return "", NotFound()
	}
	return c, nil
}

// Get reads one code, deleted ones included (they show deleted_at).
func (s *Service) Get(ctx context.Context, eventID, code string) (Code, error) {
	if !catalog.ValidID(eventID) {
		return Code{}, catalog.EventNotFound()
	}
	c, err := lookup(code)
	if err != nil {
		return Code{}, err
	}
	return s.store.GetPromoCode(ctx, eventID, c)
}

// List lists an event's codes by code.
func (s *Service) List(ctx context.Context, eventID, cursor string, limit int) (catalog.Page[Code], error) {
	if _, err := s.event(ctx, eventID); err != nil {
		return catalog.Page[Code]{}, err
	}
	return s.store.ListPromoCodes(ctx, eventID, cursor, limit)
}

// Update applies a patch to a code still at rev (If-Match).
func (s *Service) Update(ctx context.Context, eventID, code string, rev int64, p Patch) (Code, error) {
	e, err := s.event(ctx, eventID)
	if err != nil {
		return Code{}, err
	}
	c, err := s.Get(ctx, eventID, code)
	if err != nil {
		return Code{}, err
	}
	if c.DeletedAt != nil {
		return Code{}, NotFound()
	}
	if c.Rev != rev {
		return Code{}, catalog.StaleVersion("Promo code")
	}
	after, err := p.Apply(c, e, s.now())
	if err != nil {
		return Code{}, err
	}
	after.Rev, after.Version = c.Rev+1, c.Version+1
	return s.store.UpdatePromoCode(ctx, c, after)
}

// Delete soft-deletes a code still at rev (If-Match).
func (s *Service) Delete(ctx context.Context, eventID, code string, rev int64) error {
	c, err := s.Get(ctx, eventID, code)
	if err != nil {
		return err
	}
	if c.DeletedAt != nil {
		return NotFound()
	}
	if c.Rev != rev {
		return catalog.StaleVersion("Promo code")
	}
	_, err = s.store.DeletePromoCode(ctx, c, catalog.Timestamp(s.now()))
	return err
}

// maxCachedCodes bounds the lookup cache of one instance.
const maxCachedCodes = 10_000

// Lookup answers public reads' ?promo_code= from store, caching each answer (misses too,
// so guessing codes cannot hammer the table) for ttl, as availability is cached.
func Lookup(store Store, ttl time.Duration, now func() time.Time) catalog.CodeLookup {
	type key struct{ event, code string }
	c := cache.New[key, *Code](ttl, maxCachedCodes, now)
	return func(ctx context.Context, eventID, code string) (catalog.Unlock, bool, error) {
		norm, ok := Normalize(code)
		if !ok {
			return catalog.Unlock{}, false, nil
		}
		found, _, err := c.Get(ctx, key{eventID, norm}, func(ctx context.Context) (*Code, error) {
			got, err := store.GetPromoCode(ctx, eventID, norm)
			if fault.Is(err, fault.NotFound) {
				return nil, nil
			}
			return &got, err
		})
		if err != nil || found == nil || found.DeletedAt != nil || found.Usable(now()) != nil {
			return catalog.Unlock{}, false, err
		}
		return catalog.Unlock{Rev: found.Rev, Types: found.Unlocks}, true, nil
	}
}
