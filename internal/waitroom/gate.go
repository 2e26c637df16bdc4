package waitroom

import (
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Gate is the reservation path's check while an event's waiting room is on: it needs
// nothing but the cached event and the key ring, so a refused request costs no DynamoDB
// call.
type Gate struct {
	Keys *Keys
}

// Admit returns nil when the room is off or token is a live admission of userID to
// eventID, else a 403 admission_required that names why (for the logs; the client is
// told only to queue).
func (g *Gate) Admit(room Config, userID, eventID, token string, now time.Time) error {
	if !room.Enabled {
		return nil
	}
	if g == nil || g.Keys == nil {
		return AdmissionRequired(ErrNoKeys)
	}
	if _, err := g.Keys.Verify(token, eventID, userID, now); err != nil {
		return AdmissionRequired(err)
	}
	return nil
}

// AdmissionRequired is the refusal of a reservation without a valid admission token.
func AdmissionRequired(why error) error {
	return fault.New(fault.AdmissionRequired,
		"This event's on-sale has a waiting room: join it (POST /events/{eventId}/queue) and send the admission token it gives you in X-Admission-Token (%v)", why)
}
