package catalog

import (
	"context"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Service is the catalogue's use cases: it validates, applies the lifecycle rules, and
// leaves atomicity to the Store's conditional writes.
type Service struct {
	store Store
	now   func() time.Time
	codes CodeLookup
}

// WithCodes has PublicEventWithCode honour promo codes with lookup.
func (s *Service) WithCodes(lookup CodeLookup) *Service {
	s.codes = lookup
	return s
}

// NewService returns a Service on store; now is the clock (time.Now in production).
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// Kinds name what an idempotency key creates, so one key cannot collide across kinds.
const (
	kindVenue = "venue"
	kindEvent = "event"
)

const maxIdempotencyKeyLen = 255

// newID picks the id of a created item: derived from (caller, key) when the request
// carries an Idempotency-Key, random otherwise.
func newID(kind, caller, key string) (string, error) {
	if key == "" {
		return NewID(), nil
	}
	if len(key) > maxIdempotencyKeyLen || !printableASCII(key) {
		return "", &fault.Error{Code: fault.Validation, Message: "Invalid Idempotency-Key",
			Fields: map[string]string{"Idempotency-Key": "must be 1 to 255 printable ASCII characters, e.g. a UUID"}}
	}
	return DerivedID(kind, caller, key), nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// replay answers a create that found its id taken: the same request again gets the stored
// item, a different body under the same key is refused.
func replay[T any](ex *Existing[T], hash string) (T, error) {
	if ex.RequestHash != hash {
		var zero T
		return zero, fault.New(fault.IdempotencyMismatch, "This Idempotency-Key was used with a different request")
	}
	return ex.Item, nil
}

// CreateVenue creates a venue; key is the Idempotency-Key header ("" for none).
func (s *Service) CreateVenue(ctx context.Context, caller, key string, in VenueInput) (Venue, error) {
	id, err := newID(kindVenue, caller, key)
	if err != nil {
		return Venue{}, err
	}
	v, err := in.Venue(id, s.now())
	if err != nil {
		return Venue{}, err
	}
	// Hashed even without a key: a put the SDK retried after a lost response finds its own
	// item, and the matching hash turns that into the success it was.
	hash := RequestHash(kindVenue, in)
	ex, err := s.store.CreateVenue(ctx, v, hash)
	if err != nil || ex == nil {
		return v, err
	}
	return replay(ex, hash)
}

// GetVenue reads a venue.
func (s *Service) GetVenue(ctx context.Context, id string) (Venue, error) {
	if !ValidID(id) {
		return Venue{}, VenueNotFound()
	}
	return s.store.GetVenue(ctx, id)
}

// ListVenues lists venues by name.
func (s *Service) ListVenues(ctx context.Context, f VenueFilter) (Page[Venue], error) {
	return s.store.ListVenues(ctx, f)
}

// UpdateVenue applies a patch if the venue is still at version.
func (s *Service) UpdateVenue(ctx context.Context, id string, version int64, p VenuePatch) (Venue, error) {
	v, err := s.GetVenue(ctx, id)
	if err != nil {
		return Venue{}, err
	}
	if v.Version != version {
		return Venue{}, StaleVersion("Venue")
	}
	v, err = p.Apply(v, s.now())
	if err != nil {
		return Venue{}, err
	}
	return s.store.UpdateVenue(ctx, v, version)
}

// DeleteVenue deletes a venue no event references.
func (s *Service) DeleteVenue(ctx context.Context, id string) error {
	if !ValidID(id) {
		return VenueNotFound()
	}
	return s.store.DeleteVenue(ctx, id)
}

// CreateEvent creates a draft; key is the Idempotency-Key header ("" for none).
func (s *Service) CreateEvent(ctx context.Context, caller, key string, in EventInput) (Event, error) {
	id, err := newID(kindEvent, caller, key)
	if err != nil {
		return Event{}, err
	}
	venue, err := s.venueOrNil(ctx, in.VenueID)
	if err != nil {
		return Event{}, err
	}
	e, err := in.Event(id, venue, s.now())
	if err != nil {
		return Event{}, err
	}
	hash := RequestHash(kindEvent, in)
	ex, err := s.store.CreateEvent(ctx, e, hash)
	if err != nil || ex == nil {
		return e, err
	}
	return replay(ex, hash)
}

// venueOrNil reads a venue named in a body: nil when there is none, which validation then
// reports against the field.
func (s *Service) venueOrNil(ctx context.Context, id string) (*Venue, error) {
	if !ValidID(id) {
		return nil, nil
	}
	v, err := s.store.GetVenue(ctx, id)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// GetEvent reads an event in any status (admin).
func (s *Service) GetEvent(ctx context.Context, id string) (Event, error) {
	if !ValidID(id) {
		return Event{}, EventNotFound()
	}
	return s.store.GetEvent(ctx, id)
}

// PublicEvent reads an event the public may see: published or cancelled, never a draft.
func (s *Service) PublicEvent(ctx context.Context, id string) (Event, error) {
	e, err := s.GetEvent(ctx, id)
	if err != nil {
		return Event{}, err
	}
	if !Visible(e.Status) {
		return Event{}, EventNotFound()
	}
	return e, nil
}

// PublicEventWithCode is PublicEvent, listing the hidden types code unlocks ("" for
// none); rev is the code's rev (0 when it unlocked nothing), for the ETag.
func (s *Service) PublicEventWithCode(ctx context.Context, id, code string) (e Event, rev int64, err error) {
	if e, err = s.PublicEvent(ctx, id); err != nil || code == "" || s.codes == nil || !e.Typed() {
		return e, 0, err
	}
	u, ok, err := s.codes(ctx, id, code)
	if err != nil || !ok {
		return e, 0, err
	}
	e.Unlock = u.Types
	return e, u.Rev, nil
}

// Visible reports whether the public may see an event in this status. Cancelled events
// stay readable so people holding a link learn what happened.
func Visible(s Status) bool { return s == Published || s == Cancelled }

// ListEvents lists events in every status, newest first (admin).
func (s *Service) ListEvents(ctx context.Context, f EventFilter) (Page[Event], error) {
	if f.Status != "" && f.Status != Draft && f.Status != Published && f.Status != Cancelled {
		return Page[Event]{}, &fault.Error{Code: fault.Validation, Message: "Unknown status",
			Fields: map[string]string{"status": "must be draft, published or cancelled"}}
	}
	return s.store.ListEvents(ctx, f)
}

// ListPublished lists upcoming published events by start time.
func (s *Service) ListPublished(ctx context.Context, f PublicFilter) (Page[Event], error) {
	if !f.To.IsZero() && f.To.Before(f.From) {
		return Page[Event]{}, &fault.Error{Code: fault.Validation, Message: "to is before from",
			Fields: map[string]string{"to": "must not be before from"}}
	}
	now := Timestamp(s.now())
	if f.From.Before(now) {
		f.From = now
	}
	if !f.To.IsZero() && f.To.Before(f.From) {
		return Page[Event]{Items: []Event{}}, nil // a window wholly in the past has nothing upcoming
	}
	return s.store.ListPublished(ctx, f)
}

// UpdateEvent applies a patch if the event is still at version. Bookings bump the version
// too, so during an on-sale an admin may need to re-read and retry; the read here is one
// GetItem, and nothing is written unless the version still matches.
func (s *Service) UpdateEvent(ctx context.Context, id string, version int64, p EventPatch) (Event, error) {
	e, err := s.GetEvent(ctx, id)
	if err != nil {
		return Event{}, err
	}
	if e.Version != version {
		return Event{}, StaleVersion("Event")
	}
	var venue *Venue
	if p.NeedsVenue() {
		target := e.VenueID
		if p.VenueID != nil {
			target = *p.VenueID
		}
		if venue, err = s.venueOrNil(ctx, target); err != nil {
			return Event{}, err
		}
	}
	after, err := p.Apply(e, venue, s.now())
	if err != nil {
		return Event{}, err
	}
	return s.store.UpdateEvent(ctx, e, after)
}

// Publish moves a draft to published; version 0 means the caller sent no If-Match.
func (s *Service) Publish(ctx context.Context, id string, version int64) (Event, error) {
	e, err := s.GetEvent(ctx, id)
	if err != nil {
		return Event{}, err
	}
	if version > 0 && e.Version != version {
		return Event{}, StaleVersion("Event")
	}
	now := s.now()
	if err := CheckPublish(e, now); err != nil {
		return Event{}, err
	}
	e.UpdatedAt = Timestamp(now)
	return s.store.Publish(ctx, e, version)
}

// Cancel moves a draft or published event to cancelled; version 0 means no If-Match.
func (s *Service) Cancel(ctx context.Context, id string, version int64) (Event, error) {
	if !ValidID(id) {
		return Event{}, EventNotFound()
	}
	return s.store.Cancel(ctx, id, version, Timestamp(s.now()))
}
