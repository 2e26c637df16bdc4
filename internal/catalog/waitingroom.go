package catalog

import (
	"time"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// applyRoom applies an event input's waiting_room to cur, adding its field errors to f.
// The sale start is the room's own on_sale_at until ticket types carry one (the first
// type's sale_starts_at will be passed here instead of the zero time).
func applyRoom(f fault.Fields, in waitroom.Input, cur waitroom.Config) waitroom.Config {
	c, err := in.Apply(cur, time.Time{})
	if fe, ok := fault.As(err); ok {
		for k, v := range fe.Fields {
			f.Add(k, v)
		}
		return cur
	}
	return c
}

// RoomSaleStart is when the waiting room's sale starts: the pre-queue closes
// waitroom.SealDelay before it. It is the room's own on_sale_at until ticket types carry
// a sale start; then it becomes the first type's sale_starts_at, here and in applyRoom.
func RoomSaleStart(e Event) time.Time { return e.WaitingRoom.OnSaleAt }
