package catalog

import (
	"context"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Store keeps venues and events. Every write is conditional; the errors it returns are
// *fault.Error values (not_found, version_conflict, venue_in_use, invalid_transition,
// validation_failed for a bad cursor), anything else is an infrastructure failure.
type Store interface {
	// CreateVenue puts v unless its id exists; then it returns the stored venue and the
	// request hash it was created with, and creates nothing.
	CreateVenue(ctx context.Context, v Venue, requestHash string) (*Existing[Venue], error)
	GetVenue(ctx context.Context, id string) (Venue, error)
	ListVenues(ctx context.Context, f VenueFilter) (Page[Venue], error)
	// UpdateVenue writes v if the stored version is still version; v.Version is ignored
	// and the stored one is incremented.
	UpdateVenue(ctx context.Context, v Venue, version int64) (Venue, error)
	// DeleteVenue deletes the venue unless an event references it (venue_in_use).
	DeleteVenue(ctx context.Context, id string) error

	// CreateEvent puts e, counting it against its venue, which must still exist with room
	// for e's capacity. On an existing id it behaves as CreateVenue does.
	CreateEvent(ctx context.Context, e Event, requestHash string) (*Existing[Event], error)
	GetEvent(ctx context.Context, id string) (Event, error)
	ListEvents(ctx context.Context, f EventFilter) (Page[Event], error)
	ListPublished(ctx context.Context, f PublicFilter) (Page[Event], error)
	// UpdateEvent writes the catalogue fields of after if the stored event still has
	// before's version, moving capacity and available by the same delta.
	UpdateEvent(ctx context.Context, before, after Event) (Event, error)
	// Publish moves a draft to published, conditioned on the stored status and starts_at
	// (and version, when version > 0) so the check and the write are one atomic step.
	// e.UpdatedAt is the time of the change.
	Publish(ctx context.Context, e Event, version int64) (Event, error)
	// Cancel moves a draft or published event to cancelled and out of the public list.
	Cancel(ctx context.Context, id string, version int64, now time.Time) (Event, error)
	// Availability reads the seat counters and status of any event, drafts included;
	// eventually consistent is fine, since callers cache it anyway.
	Availability(ctx context.Context, id string) (Availability, error)
}

// Existing is what a create found instead of creating.
type Existing[T any] struct {
	Item        T
	RequestHash string
}

// Errors the stores and the service share, so both say the same thing.

func VenueNotFound() error { return fault.New(fault.NotFound, "Venue not found") }
func EventNotFound() error { return fault.New(fault.NotFound, "Event not found") }
func StaleVersion(what string) error {
	return fault.New(fault.VersionConflict, "%s was updated by another process", what)
}
func VenueInUse() error {
	return fault.New(fault.VenueInUse, "Events still reference this venue")
}

func isNotFound(err error) bool { return fault.Is(err, fault.NotFound) }
