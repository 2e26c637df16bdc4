package catalog

import (
	"context"
	"errors"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// TypeStore keeps ticket types (docs/ticket-types.md). Every write also writes the event
// item's tt map and is conditioned on the types as read; ErrTypesChanged says the event
// moved under the write (a sale, another admin's write) and the caller should read again.
type TypeStore interface {
	// GetEvent reads the event with its stored types and their counters.
	GetEvent(ctx context.Context, id string) (Event, error)
	GetTicketType(ctx context.Context, eventID, typeID string) (TicketType, string, error)
	// CreateTicketType adds t to e, materialising e's default type first when e has no
	// stored types. On an existing id it returns the stored type and its request hash.
	CreateTicketType(ctx context.Context, e Event, t TicketType, requestHash string) (*Existing[TicketType], error)
	// Materialize stores the default type of an event without types.
	Materialize(ctx context.Context, e Event) error
	UpdateTicketType(ctx context.Context, e Event, before, after TicketType, delta int64) (TicketType, error)
	DeleteTicketType(ctx context.Context, e Event, t TicketType) error
}

// ErrTypesChanged is a store's answer when the event's counters or types moved since they
// were read; the service reads again, a few times.
var ErrTypesChanged = errors.New("catalog: the event's ticket types changed meanwhile")

// TicketTypeNotFound is the error for a type the event does not have.
func TicketTypeNotFound() error { return fault.New(fault.NotFound, "Ticket type not found") }

// typeWriteAttempts bounds the re-reads of a type write that lost to a sale: an on-sale
// writes the event item many times a second.
const typeWriteAttempts = 3

const kindTicketType = "ticket_type"

// TypeService is the admin's use cases for an event's ticket types.
type TypeService struct {
	store TypeStore
	now   func() time.Time
}

// NewTypeService returns a TypeService on store; now is the clock.
func NewTypeService(store TypeStore, now func() time.Time) *TypeService {
	return &TypeService{store: store, now: now}
}

func typesBusy() error {
	return fault.New(fault.Conflict, "The event is selling fast and changed while the ticket type was written; retry")
}

func (s *TypeService) event(ctx context.Context, id string) (Event, error) {
	if !ValidID(id) {
		return Event{}, EventNotFound()
	}
	e, err := s.store.GetEvent(ctx, id)
	if err != nil {
		return Event{}, err
	}
	if e.Status == Cancelled {
		return Event{}, fault.New(fault.InvalidTransition, "A cancelled event cannot be changed")
	}
	if e.Status == Published && e.Shards() > 1 && !e.Typed() {
		// Its shards sell one type from their own counters, and an order may span two
		// of them without lines: there is no per-shard count of a default type to copy
		// into a tt map.
		return Event{}, fault.New(fault.InvalidTransition, "An event with inventory_shards > 1 published without ticket types sells one type; its types are set before publication")
	}
	return e, nil
}

// CreateTicketType adds a type to an event; key is the Idempotency-Key ("" for none).
// An event without stored types keeps its default type (materialised beside the new one).
func (s *TypeService) CreateTicketType(ctx context.Context, caller, key, eventID string, in TicketTypeInput) (TicketType, error) {
	id, err := newID(kindTicketType, caller, key)
	if err != nil {
		return TicketType{}, err
	}
	hash := RequestHash(kindTicketType, struct {
		EventID string          `json:"event_id"`
		Input   TicketTypeInput `json:"input"`
	}{eventID, in})
	for range typeWriteAttempts {
		e, err := s.event(ctx, eventID)
		if err != nil {
			return TicketType{}, err
		}
		for _, t := range e.Types {
			if t.ID == id {
				_, stored, err := s.store.GetTicketType(ctx, eventID, id)
				if err != nil {
					return TicketType{}, err
				}
				return replay(&Existing[TicketType]{Item: t, RequestHash: stored}, hash)
			}
		}
		t, err := in.TicketType(id, e)
		if err != nil {
			return TicketType{}, err
		}
		if err := CheckNewType(t, e.SellingTypes()); err != nil {
			return TicketType{}, err
		}
		t.CreatedAt, t.UpdatedAt = Timestamp(s.now()), Timestamp(s.now())
		ex, err := s.store.CreateTicketType(ctx, e, t, hash)
		if errors.Is(err, ErrTypesChanged) {
			continue
		}
		if err != nil || ex == nil {
			return t, err
		}
		return replay(ex, hash)
	}
	return TicketType{}, typesBusy()
}

// typeOf reads the event and its type typeID at version (If-Match), materialising the
// default type of an event without stored types when that is the one named.
func (s *TypeService) typeOf(ctx context.Context, eventID, typeID string, version int64) (Event, TicketType, error) {
	e, err := s.event(ctx, eventID)
	if err != nil {
		return Event{}, TicketType{}, err
	}
	if !e.Typed() && typeID == DefaultTypeID(e.ID) {
		if err := s.store.Materialize(ctx, e); err != nil {
			return Event{}, TicketType{}, err
		}
		if e, err = s.event(ctx, eventID); err != nil {
			return Event{}, TicketType{}, err
		}
	}
	for _, t := range e.Types {
		if t.ID == typeID {
			if t.Version != version {
				return Event{}, TicketType{}, StaleVersion("Ticket type")
			}
			return e, t, nil
		}
	}
	return Event{}, TicketType{}, TicketTypeNotFound()
}

// UpdateTicketType applies a patch to a type still at version. A new price applies to
// later reservations; a capacity change moves the type's available by the same amount
// and never below what is taken.
func (s *TypeService) UpdateTicketType(ctx context.Context, eventID, typeID string, version int64, p TicketTypePatch) (TicketType, error) {
	for range typeWriteAttempts {
		e, t, err := s.typeOf(ctx, eventID, typeID, version)
		if errors.Is(err, ErrTypesChanged) {
			continue
		}
		if err != nil {
			return TicketType{}, err
		}
		after, delta, err := p.Apply(t, e, e.Types)
		if err != nil {
			return TicketType{}, err
		}
		after.Version, after.UpdatedAt = t.Version+1, Timestamp(s.now())
		out, err := s.store.UpdateTicketType(ctx, e, t, after, delta)
		if errors.Is(err, ErrTypesChanged) {
			continue
		}
		return out, err
	}
	return TicketType{}, typesBusy()
}

// DeleteTicketType deletes a type still at version while none of its seats is taken and
// nobody waits for it; the event keeps at least one type.
func (s *TypeService) DeleteTicketType(ctx context.Context, eventID, typeID string, version int64) error {
	for range typeWriteAttempts {
		e, err := s.event(ctx, eventID)
		if err != nil {
			return err
		}
		var t *TicketType
		for _, o := range e.SellingTypes() {
			if o.ID == typeID {
				t = &o
			}
		}
		if t == nil {
			return TicketTypeNotFound()
		}
		if err := CheckTypeDelete(*t, len(e.SellingTypes())); err != nil {
			return err
		}
		if t.Version != version {
			return StaleVersion("Ticket type")
		}
		err = s.store.DeleteTicketType(ctx, e, *t)
		if errors.Is(err, ErrTypesChanged) {
			continue
		}
		return err
	}
	return typesBusy()
}
