package dynamo

import (
	"context"
	"errors"
	"maps"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
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

// room is what each shard can give an order of an event sold as one type: its available
// seats, none while the shard's seats are the waitlist's.
func (v *shardView) room() []int64 {
	out := make([]int64, len(v.shards))
	for k, s := range v.shards {
		if s.Waiting == 0 {
			out[k] = s.Available
		}
	}
	return out
}

// stock is what each shard can give a typed order: its event-level seats and each
// type's, none of a type someone waits for (nor any while anyone waits for any type).
func (v *shardView) stock() []inventory.Stock {
	out := make([]inventory.Stock, len(v.shards))
	for k, s := range v.shards {
		out[k] = shardStock(s)
	}
	return out
}

func shardStock(s shardRecord) inventory.Stock {
	st := inventory.Stock{Types: make(map[string]int64, len(s.TT))}
	if s.Waiting > 0 || s.WaitingAny > 0 {
		return st
	}
	st.Available = s.Available
	for id, c := range s.TT {
		if c.Waiting == 0 {
			st.Types[id] = c.Available
		}
	}
	return st
}

// orderSeats is a typed order's seats per type.
func orderSeats(r booking.ReserveRequest) map[string]int64 {
	out := map[string]int64{}
	for id, n := range r.Order.Seats() {
		out[id] = int64(n)
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

// shortOn reports whether a shard refused only for seats: on sale, but fewer available
// than the take (or, for a typed order, one of the types' shares short).
func shortOn(old item, r booking.ReserveRequest, t inventory.TypedTake) bool {
	if old == nil {
		return false
	}
	ev, tt, err := decodeBookingEvent(old)
	if err != nil || !ev.OnSale(r.Now) {
		return false
	}
	if r.Order != nil && r.Event.Typed() {
		if ev.Available < t.Seats || ev.Waiting > 0 || ev.WaitingAny > 0 {
			return true
		}
		for id, n := range t.Types {
			if c := tt[id]; c.Available < n || c.Waiting > 0 {
				return true
			}
		}
		return false
	}
	return ev.Available < t.Seats
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
	typed := r.Order != nil && r.Event.Typed()
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
		rnd := mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
		var takes []inventory.TypedTake
		if typed {
			takes = inventory.PickTyped(view.stock(), orderSeats(r), tried, rnd)
		} else if t := inventory.Pick(view.room(), q, tried, rnd); t != nil {
			takes = inventory.Untyped(t)
		}
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
				if len(t.Types) > 0 {
					sh.TT = maps.Clone(sh.TT)
					for tid, n := range t.Types {
						c := sh.TT[tid]
						c.Available, c.Held = c.Available-n, c.Held+n
						sh.TT[tid] = c
					}
				}
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
		// Each type's sum is enough, yet no pair of shards had it even after gathering:
		// the seats moved under this request's feet (others took or gathered them).
		return fault.New(fault.SoldOut, "Not enough seats of these ticket types together; try fewer").With("available", t.Available)
	}
	if t.Waiting > 0 {
		return fault.New(fault.SoldOut, "Freed seats go to the waitlist first").With("available", 0)
	}
	return fault.New(fault.SoldOut, "Not enough seats available").With("available", t.Available)
}

// gather moves the seats of other shards into the one with most, capacity with them,
// in one transaction whose conditions say each source still has what it gives: the
// rebalancing that keeps the last seats sellable. An untyped order gathers every shard's
// remainder (inventory.Gather); a typed one its types' seats with their event-level quota
// (inventory.GatherTyped). It reports whether anything moved.
func (s *Bookings) gather(ctx context.Context, v *shardView, r booking.ReserveRequest) bool {
	for _, sh := range v.shards {
		if sh.Waiting > 0 {
			return false // the seats are the line's
		}
	}
	var (
		target int
		from   []inventory.TypedTake
	)
	if r.Order != nil && r.Event.Typed() {
		target, from = inventory.GatherTyped(v.stock(), orderSeats(r))
	} else {
		t, f := inventory.Gather(v.room(), int64(r.Booking.Quantity))
		target, from = t, inventory.Untyped(f)
	}
	if len(from) == 0 {
		return false
	}
	return s.moveSeats(ctx, r.Event.ID, target, from) == nil
}

// moveSeats moves seats from shards into target: each source's event-level seats and
// each of its types' (Types), capacity with them, so capacity = available + held + sold +
// offering holds per shard and per type; each source is guarded on still having them.
func (c *tableClient) moveSeats(ctx context.Context, eventID string, target int, from []inventory.TypedTake) error {
	into := inventory.TypedTake{Take: inventory.Take{Shard: target}, Types: map[string]int64{}}
	items := make([]types.TransactWriteItem, 0, len(from)+1)
	for _, f := range from {
		items = append(items, types.TransactWriteItem{Update: c.seatsMove(eventID, f, "-")})
		into.Seats += f.Seats
		for id, n := range f.Types {
			into.Types[id] += n
		}
	}
	items = append(items, types.TransactWriteItem{Update: c.seatsMove(eventID, into, "+")})
	// A fresh token: the same plan may be right again later, and must then be applied.
	return c.transact(ctx, items, aws.String(newToken()))
}

// seatsMove gives (op "-") or receives (op "+") t's seats on its shard: available and
// capacity, the event-level ones and each type's; a giver is guarded on having them.
func (c *tableClient) seatsMove(eventID string, t inventory.TypedTake, op string) *types.Update {
	names := map[string]string{"#capacity": "capacity"}
	vals := item{":a": num(t.Seats), ":one": num(1)}
	cond := []string{"attribute_exists(pk)"}
	set := []string{"available = available " + op + " :a", "#capacity = #capacity " + op + " :a", "version = version + :one"}
	if op == "-" {
		cond = append(cond, "available >= :a")
	}
	ids := slices.Sorted(maps.Keys(t.Types))
	for i, id := range ids {
		tn, a := "#t"+strconv.Itoa(i), ":a"+strconv.Itoa(i)
		names[tn], vals[a] = id, num(t.Types[id])
		set = append(set, "tt."+tn+".available = tt."+tn+".available "+op+" "+a, "tt."+tn+".#capacity = tt."+tn+".#capacity "+op+" "+a)
		if op == "-" {
			cond = append(cond, "tt."+tn+".available >= "+a)
		}
	}
	return &types.Update{TableName: &c.table, Key: shardKey(eventID, t.Shard),
		ConditionExpression:       aws.String(strings.Join(cond, " AND ")),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals}
}

// inventoryPart is the seat move of a booking on one inventory item, and on a shard the
// revenue moving with it (rev: a sharded event's confirmation or refund, first part only).
type inventoryPart struct {
	key   item
	move  booking.Move
	types map[string]booking.Move
	rev   *revenueMove
}

// inventoryParts are the moves of b's seats to status to, per item they are in: the
// event item, its one shard, or (a spanning order, or a waitlist offer taken from the
// shards' offering) each of its shards with its share, a typed one with each type's
// share there (ShardLines).
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
		share := *b
		share.Quantity, share.Lines = b.Shards[k], b.ShardLines(k)
		m, tm, err := lineMoves(&share, to)
		if err != nil {
			return nil, err
		}
		parts = append(parts, inventoryPart{key: shardKey(b.EventID, k), move: m, types: tm})
	}
	return parts, nil
}

// partUpdate is the update applying p's moves, the event's and its types', to its item.
func (s *Bookings) partUpdate(p inventoryPart) *types.Update {
	u := s.seatUpdate(p.key, p.move)
	addTypeMoves(u, p.types, false)
	return p.withRevenue(u)
}

// withRevenue adds p's revenue, if any, to u, p's update.
func (p inventoryPart) withRevenue(u *types.Update) *types.Update {
	if p.rev != nil {
		addRevenue(u, *p.rev)
	}
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
