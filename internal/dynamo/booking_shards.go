package dynamo

import (
	"context"
	"errors"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/idempotency"
	"github.com/bookmyevent/bookmyevent/internal/inventory"
)

// ShardCacheTTL is how long an instance trusts its read of an event's shards: a stale
// read costs at most a failed transaction, whose ALL_OLD refreshes the shard it named.
const ShardCacheTTL = time.Second

// shardCache is the instance's last read of each sharded event's shards.
type shardCache struct {
	mu    sync.Mutex
	items map[string]*shardView
}

// shardView is one event's shards as last seen.
type shardView struct {
	at     time.Time
	shards []shardRecord
}

func (c *shardCache) get(eventID string, now time.Time) *shardView {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.items[eventID]; ok && now.Sub(v.at) < ShardCacheTTL {
		return v.copy()
	}
	return nil
}

func (c *shardCache) put(eventID string, v *shardView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[string]*shardView{}
	}
	c.items[eventID] = v.copy()
}

// set replaces one shard of the cached view (as a failed transaction returned it, or as
// a committed one left it), keeping the view's age.
func (c *shardCache) set(eventID string, s shardRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.items[eventID]; ok && s.Shard >= 0 && s.Shard < len(v.shards) {
		v.shards[s.Shard] = s
	}
}

func (v *shardView) copy() *shardView {
	return &shardView{at: v.at, shards: append([]shardRecord(nil), v.shards...)}
}

// room is what each shard can give the order: its available seats for an event sold as
// one type; for a typed order q where every ordered type fits, else 0 (a typed order
// takes all its lines from one shard).
func (v *shardView) room(r booking.ReserveRequest) []int64 {
	out := make([]int64, len(v.shards))
	for k, s := range v.shards {
		if s.Waiting > 0 {
			continue
		}
		out[k] = s.Available
		if r.Order != nil && r.Event.Typed() {
			out[k] = 0
			if booking.SoldOut(*r.Order, s.Available, s.WaitingAny, shardTypeCounters(s)) == nil {
				out[k] = int64(r.Booking.Quantity)
			}
		}
	}
	return out
}

func shardTypeCounters(s shardRecord) map[string]catalog.TypeCounters {
	out := make(map[string]catalog.TypeCounters, len(s.TT))
	for id, c := range s.TT {
		out[id] = c.counters()
	}
	return out
}

// shardShort is a reservation refused by a shard for want of seats: old is the shard as
// the transaction found it.
type shardShort struct {
	shard int
	old   item
}

func (e *shardShort) Error() string {
	return "dynamo: shard " + strconv.Itoa(e.shard) + " is short of seats"
}

// shortOn reports whether a shard refused only for seats: on sale, but fewer than q
// available (or, for a typed order, one of its types short).
func shortOn(old item, r booking.ReserveRequest, q int64) bool {
	if old == nil {
		return false
	}
	ev, tt, err := decodeBookingEvent(old)
	if err != nil || !ev.OnSale(r.Now) {
		return false
	}
	if r.Order != nil && r.Event.Typed() {
		counters := make(map[string]catalog.TypeCounters, len(tt))
		for id, c := range tt {
			counters[id] = c.counters()
		}
		return booking.SoldOut(*r.Order, ev.Available, ev.WaitingAny, counters) != nil
	}
	return ev.Available < q
}

// reserveSharded reserves on an event whose seats are in shards (docs/waiting-room.md
// §5): a random shard the cached read shows with the seats, else two that together have
// them (one transaction); a shard that turns out short (the cache was stale) refreshes
// the cache with the shard as the failed transaction found it and the next pick skips
// it. When the view has no room, it is read afresh once; when the sum fits but no one or
// two shards do, the remainders are gathered into one shard (rebalance) once. sold_out
// only when the shards' sum is short.
func (s *Bookings) reserveSharded(ctx context.Context, r booking.ReserveRequest) (*idempotency.Record, error) {
	id, n, q := r.Event.ID, r.Event.Shards, int64(r.Booking.Quantity)
	view, fresh := s.shardCache.get(id, time.Now()), false
	tried := map[int]bool{}
	gathered := false
	for attempt := 0; attempt < n+3; attempt++ {
		if view == nil {
			shards, err := s.readShards(ctx, id, n, fresh)
			if err != nil {
				return nil, err
			}
			view = &shardView{at: time.Now(), shards: shards}
			s.shardCache.put(id, view)
		}
		takes := inventory.Pick(view.room(r), q, tried, mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64())))
		if takes == nil {
			switch {
			case !fresh:
				// The cached view may miss seats given back since it was read.
				view, fresh, tried = nil, true, map[int]bool{}
				continue
			case !gathered && len(tried) == 0 && s.gather(ctx, view, r):
				view, gathered = nil, true
				continue
			}
			return nil, soldOutOfShards(view, r)
		}
		rec, err := s.reserveOn(ctx, r, takes)
		var short *shardShort
		if errors.As(err, &short) {
			tried[short.shard] = true
			if old, err := decodeShard(short.old); err == nil {
				view.shards[old.Shard] = old
				s.shardCache.set(id, old)
			}
			continue
		}
		var stale *booking.StaleEventError
		if errors.As(err, &stale) {
			// The shard's copy of the guards is newer than the cached event: answer
			// with the event item, which has the rest (refund policy, offer window).
			fresh, err := s.GetEvent(ctx, id)
			if err != nil {
				return nil, err
			}
			return nil, &booking.StaleEventError{Event: fresh}
		}
		if err == nil && rec == nil {
			for _, t := range takes {
				sh := view.shards[t.Shard]
				sh.Available, sh.Held = sh.Available-t.Seats, sh.Held+t.Seats
				s.shardCache.set(id, sh)
			}
		}
		return rec, err
	}
	return nil, busy()
}

func decodeShard(it item) (shardRecord, error) {
	var r shardRecord
	err := attributevalue.UnmarshalMap(it, &r)
	return r, err
}

// soldOutOfShards is the sold_out answer from the shards' sums.
func soldOutOfShards(v *shardView, r booking.ReserveRequest) error {
	t := sumShards(v.shards)
	if r.Order != nil && r.Event.Typed() {
		counters := make(map[string]catalog.TypeCounters, len(t.TT))
		for id, c := range t.TT {
			counters[id] = c.counters()
		}
		if err := booking.SoldOut(*r.Order, t.Available, t.WaitingAny, counters); err != nil {
			return err
		}
		// Each type's sum is enough, but on no one shard: typed orders do not span.
		return fault.New(fault.SoldOut, "Not enough seats of these ticket types together; try fewer").With("available", t.Available)
	}
	if t.Waiting > 0 {
		return fault.New(fault.SoldOut, "Freed seats go to the waitlist first").With("available", 0)
	}
	return fault.New(fault.SoldOut, "Not enough seats available").With("available", t.Available)
}

// gather moves every other shard's available seats into the one with most
// (inventory.Gather), capacity with them, in one transaction whose conditions say each
// source still has what it gives: the rebalancing that keeps the last seats sellable.
// Events sold as one type only (a typed shard would have to move each type's quota
// too). It reports whether anything moved.
func (s *Bookings) gather(ctx context.Context, v *shardView, r booking.ReserveRequest) bool {
	if r.Order != nil && r.Event.Typed() {
		return false
	}
	available := make([]int64, len(v.shards))
	for k, sh := range v.shards {
		if sh.Waiting > 0 {
			return false // the seats are the line's
		}
		available[k] = sh.Available
	}
	target, from := inventory.Gather(available, int64(r.Booking.Quantity))
	if len(from) == 0 {
		return false
	}
	err := s.moveSeats(ctx, r.Event.ID, target, from)
	return err == nil
}

// moveSeats moves seats (with their capacity) from shards into target.
func (s *Bookings) moveSeats(ctx context.Context, eventID string, target int, from []inventory.Take) error {
	names := map[string]string{"#capacity": "capacity"}
	items := make([]types.TransactWriteItem, 0, len(from)+1)
	for _, f := range from {
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: &s.table, Key: shardKey(eventID, f.Shard),
			ConditionExpression:       aws.String("available >= :a"),
			UpdateExpression:          aws.String("SET available = available - :a, #capacity = #capacity - :a, version = version + :one"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: item{":a": num(f.Seats), ":one": num(1)}}})
	}
	sum := int64(0)
	for _, f := range from {
		sum += f.Seats
	}
	items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: &s.table, Key: shardKey(eventID, target),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		UpdateExpression:          aws.String("SET available = available + :sum, #capacity = #capacity + :sum, version = version + :one"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: item{":sum": num(sum), ":one": num(1)}}})
	// A fresh token: the same plan may be right again later, and must then be applied.
	return s.transact(ctx, items, aws.String(newToken()))
}

// inventoryPart is the seat move of a booking on one inventory item.
type inventoryPart struct {
	key   item
	move  booking.Move
	types map[string]booking.Move
}

// inventoryParts are the moves of b's seats to status to, per item they are in: the
// event item, its one shard, or (a spanning order, sold as one type, or a waitlist offer)
// each of its shards with its share; the first part carries the type moves, and each
// part of a one-line offer its share of the line's type.
func inventoryParts(b *booking.Booking, to booking.Status) ([]inventoryPart, error) {
	move, typeMoves, err := lineMoves(b, to)
	if err != nil {
		return nil, err
	}
	switch len(b.Shards) {
	case 0:
		return []inventoryPart{{key: eventKey(b.EventID), move: move, types: typeMoves}}, nil
	case 1:
		for k := range b.Shards {
			return []inventoryPart{{key: shardKey(b.EventID, k), move: move, types: typeMoves}}, nil
		}
	}
	ks := make([]int, 0, len(b.Shards))
	for k := range b.Shards {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	parts := make([]inventoryPart, 0, len(ks))
	for _, k := range ks {
		m, err := booking.Transition(b.Status, to, b.Shards[k])
		if err != nil {
			return nil, err
		}
		p := inventoryPart{key: shardKey(b.EventID, k), move: m}
		if len(b.Lines) == 1 {
			// A waitlist offer of a typed event: one line, taken from as many shards as
			// held its type's offering, so each share is of that type.
			p.types = map[string]booking.Move{b.Lines[0].TicketTypeID: m}
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// partUpdate is the update applying p's moves, the event's and its types', to its item.
func (s *Bookings) partUpdate(p inventoryPart) *types.Update {
	u := s.seatUpdate(p.key, p.move)
	addTypeMoves(u, p.types, false)
	return u
}

// withShardCounters gives a booking-side event its shards' summed counters; waiting
// (and each type's) stays the event item's count of the line, where a shard has a flag.
func withShardCounters(e *booking.Event, t shardTotals) {
	e.Capacity, e.Available, e.Held, e.Sold, e.Offering = t.Capacity, t.Available, t.Held, t.Sold, t.Offering
	for i, ty := range e.Types {
		if c, ok := t.TT[ty.ID]; ok {
			c.Waiting = ty.Counters.Waiting
			e.Types[i].Counters = c.counters()
		}
	}
}
