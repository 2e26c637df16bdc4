package catalog

import (
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// roomInput is a room whose sale starts a week after now at rate admissions a second.
func roomInput(rate int) *waitroom.Input {
	onSale := now.Add(7 * 24 * time.Hour)
	return &waitroom.Input{Enabled: ptr(true), OpensAt: ptr(onSale.Add(-time.Hour).Format(time.RFC3339)),
		OnSaleAt: ptr(onSale.Format(time.RFC3339)), AdmissionPerSecond: ptr(rate)}
}

// TestAutomaticShards: with a waiting room and no inventory_shards, the event takes the
// rule's N (inventory.ShardsFor) on creation and while a draft is edited; an explicit N
// wins and stays; publication fixes N.
func TestAutomaticShards(t *testing.T) {
	v := venue(100_000)
	in := func(capacity int64, shards *int, room *waitroom.Input) EventInput {
		return EventInput{Name: "Final", Category: "sport", VenueID: v.ID,
			StartsAt: now.Add(30 * 24 * time.Hour).Format(time.RFC3339), EndsAt: now.Add(31 * 24 * time.Hour).Format(time.RFC3339),
			Capacity: capacity, Price: &Money{Amount: 5000, Currency: "GBP"}, InventoryShards: shards, WaitingRoom: room}
	}
	created := []struct {
		name  string
		input EventInput
		want  int
	}{
		{"5,000/s over 50,000 seats", in(50_000, nil, roomInput(5000)), 32},
		{"100/s", in(50_000, nil, roomInput(100)), 1},
		{"the default rate", in(50_000, nil, &waitroom.Input{Enabled: ptr(true), OpensAt: roomInput(1).OpensAt, OnSaleAt: roomInput(1).OnSaleAt}), 2},
		{"an explicit value wins", in(50_000, ptr(4), roomInput(5000)), 4},
		{"no room", in(50_000, nil, nil), 1},
		{"a room that is off", in(50_000, nil, &waitroom.Input{Enabled: ptr(false)}), 1},
		{"too few seats to spread", in(200, nil, roomInput(5000)), 4},
	}
	for _, c := range created {
		e, err := c.input.Event("e", v, now)
		if err != nil || e.Shards() != c.want {
			t.Errorf("%s: %d shards (%v), want %d", c.name, e.Shards(), err, c.want)
		}
	}

	auto, err := in(50_000, nil, roomInput(100)).Event("e", v, now)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := in(50_000, nil, roomInput(5000)).Event("e", v, now)
	if err != nil {
		t.Fatal(err)
	}
	explicit, err := in(50_000, ptr(4), roomInput(100)).Event("e", v, now)
	if err != nil {
		t.Fatal(err)
	}
	patched := []struct {
		name  string
		event Event
		patch EventPatch
		want  int
	}{
		{"a faster room", auto, EventPatch{WaitingRoom: &waitroom.Input{AdmissionPerSecond: ptr(5000)}}, 32},
		{"fewer seats", auto, EventPatch{WaitingRoom: &waitroom.Input{AdmissionPerSecond: ptr(5000)}, Capacity: ptr(int64(400))}, 8},
		{"the room off", fast, EventPatch{WaitingRoom: &waitroom.Input{Enabled: ptr(false)}}, 1},
		{"an explicit value stays", explicit, EventPatch{WaitingRoom: &waitroom.Input{AdmissionPerSecond: ptr(5000)}}, 4},
		{"an explicit value in the patch wins", auto, EventPatch{WaitingRoom: &waitroom.Input{AdmissionPerSecond: ptr(5000)}, InventoryShards: ptr(2)}, 2},
		{"the same value in the patch wins", auto, EventPatch{WaitingRoom: &waitroom.Input{AdmissionPerSecond: ptr(5000)}, InventoryShards: ptr(1)}, 1},
		{"fixed once published", published(auto), EventPatch{WaitingRoom: &waitroom.Input{AdmissionPerSecond: ptr(5000)}}, 1},
	}
	for _, c := range patched {
		e, err := c.patch.Apply(c.event, v, now)
		if err != nil || e.Shards() != c.want {
			t.Errorf("%s: %d shards (%v), want %d", c.name, e.Shards(), err, c.want)
		}
	}
}

func published(e Event) Event { e.Status = Published; return e }
