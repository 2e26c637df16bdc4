package api

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// QueueStore is what the waiting room's routes read and write (internal/dynamo.Queue).
type QueueStore interface {
	Join(ctx context.Context, eventID string, e waitroom.Entry, joinedAt, expires time.Time) (waitroom.Entry, bool, error)
	Entry(ctx context.Context, eventID, userID string) (*waitroom.Entry, error)
	JoinAttempts(ctx context.Context, userID string, now time.Time) (int64, error)
	CountRepeatJoin(ctx context.Context, userID string, now time.Time) error
	Serving(ctx context.Context, eventID string) (waitroom.Serving, bool, error)
	Slot(ctx context.Context, eventID string, slot int64) (*waitroom.SealedSlot, error)
	Page(ctx context.Context, eventID string, slot int64, k int) (waitroom.Page, error)
	// Reserved: the user holds or owns seats of the event (read for admitted users only).
	Reserved(ctx context.Context, eventID, userID string) (bool, error)
}

// PassHeader carries the queue pass between polls; AdmissionHeader carries the token the
// reservation path checks.
const (
	PassHeader      = "X-Queue-Pass"
	AdmissionHeader = "X-Admission-Token"
)

// Per-instance cache bounds: the event and SERVING are read at most once a second per
// instance (shared by every poll it serves); sealed slots and pages never change, so
// they stay until the bound clears the map.
const (
	queueStateTTL = time.Second
	maxCached     = 4096
)

// Queue serves POST /events/{eventId}/queue and GET /events/{eventId}/queue/me.
type Queue struct {
	events    func(ctx context.Context, id string) (catalog.Event, error)
	store     QueueStore
	keys      *waitroom.Keys
	joinLimit int64

	eventCache   ttlCache[catalog.Event]
	servingCache ttlCache[waitroom.Serving]
	mu           sync.Mutex
	slots        map[string]*waitroom.SealedSlot
	pages        map[string]waitroom.Page
}

// NewQueue builds the queue routes on the catalogue (for the event and its room), the
// queue store and the admission key ring.
func NewQueue(svc *catalog.Service, store QueueStore, keys *waitroom.Keys, joinLimitPerMinute int) *Queue {
	return &Queue{events: svc.PublicEvent, store: store, keys: keys, joinLimit: int64(joinLimitPerMinute),
		slots: map[string]*waitroom.SealedSlot{}, pages: map[string]waitroom.Page{}}
}

// QueueAnswer is what both routes answer: the state (waitroom.View), the pass to send
// back, and once admitted the admission token.
type QueueAnswer struct {
	waitroom.View
	QueuePass          string     `json:"queue_pass"`
	AdmissionToken     string     `json:"admission_token,omitempty"`
	AdmissionExpiresAt *time.Time `json:"admission_expires_at,omitempty"`
	// Waitlist is where a waiting user goes once nothing is left to sell.
	Waitlist string `json:"waitlist,omitempty"`
}

// Join is POST /events/{eventId}/queue. It needs no Idempotency-Key: the entry's key is
// the user, so a retried or repeated join finds the first entry (201 the first time, 200
// with the same entry after). A valid pass answers without any write, and repeat joins
// count against the user's own rate window.
func (q *Queue) Join() Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		ev, err := q.event(ctx, r.Path("eventId"), r.Now)
		if err != nil {
			return Response{}, err
		}
		room := ev.WaitingRoom
		switch {
		case !room.Enabled:
			return Response{}, fault.New(fault.QueueClosed, "This event has no waiting room: reserve directly")
		case ev.Status != catalog.Published:
			return Response{}, fault.New(fault.QueueClosed, "This event is %s", ev.Status)
		case !room.Open(r.Now):
			return Response{}, fault.New(fault.QueueClosed, "The waiting room opens at %s", room.OpensAt.Format(time.RFC3339)).
				With("opens_at", room.OpensAt.Format(time.RFC3339))
		case !r.Now.Before(catalog.RoomSaleStart(ev)) && ev.ForSale() == 0 && ev.Held == 0:
			return Response{}, fault.New(fault.QueueClosed, "Nothing is left to sell: join the waitlist instead").
				With("waitlist", waitlistPath(ev.ID))
		}
		if pass, err := q.keys.VerifyPass(r.Header(PassHeader), ev.ID, r.Caller.UserID); err == nil {
			return q.answer(ctx, r, ev, pass.Entry, pass.Position, http.StatusOK)
		}
		n, err := q.store.JoinAttempts(ctx, r.Caller.UserID, r.Now)
		if err != nil {
			return Response{}, err
		}
		if n >= q.joinLimit {
			fe := fault.New(fault.RateLimited, "Too many joins this minute: poll GET /events/%s/queue/me instead", ev.ID)
			fe.RetryAfter = 60 - r.Now.Second()
			return Response{}, fe
		}
		entry := waitroom.Entry{UserID: r.Caller.UserID, Slot: waitroom.SlotOf(r.Now, catalog.RoomSaleStart(ev)), Draw: waitroom.NewDraw()}
		got, created, err := q.store.Join(ctx, ev.ID, entry, r.Now, ev.EndsAt.Add(24*time.Hour))
		if err != nil {
			return Response{}, err
		}
		status := http.StatusCreated
		if !created {
			status = http.StatusOK
			if err := q.store.CountRepeatJoin(ctx, r.Caller.UserID, r.Now); err != nil {
				return Response{}, err
			}
		}
		return q.answer(ctx, r, ev, got, 0, status)
	}
}

// Me is GET /events/{eventId}/queue/me. With a pass it reads nothing but the
// instance's cached event and SERVING (and, once, the sealed slot and page that give the
// position, which go into the next pass).
func (q *Queue) Me() Handler {
	return func(ctx context.Context, r *Request) (Response, error) {
		ev, err := q.event(ctx, r.Path("eventId"), r.Now)
		if err != nil {
			return Response{}, err
		}
		if !ev.WaitingRoom.Enabled {
			return Response{}, fault.New(fault.QueueClosed, "This event has no waiting room: reserve directly")
		}
		if pass, err := q.keys.VerifyPass(r.Header(PassHeader), ev.ID, r.Caller.UserID); err == nil {
			return q.answer(ctx, r, ev, pass.Entry, pass.Position, http.StatusOK)
		}
		e, err := q.store.Entry(ctx, ev.ID, r.Caller.UserID)
		if err != nil {
			return Response{}, err
		}
		if e == nil {
			return Response{}, fault.New(fault.NotFound, "You have not joined this event's waiting room (POST /events/%s/queue)", ev.ID)
		}
		return q.answer(ctx, r, ev, *e, 0, http.StatusOK)
	}
}

func (q *Queue) answer(ctx context.Context, r *Request, ev catalog.Event, e waitroom.Entry, pos int64, status int) (Response, error) {
	room := ev.WaitingRoom
	s, err := q.serving(ctx, ev.ID, r.Now)
	if err != nil {
		return Response{}, err
	}
	if pos == 0 && e.Slot <= s.SealedThrough {
		if pos, err = q.position(ctx, ev.ID, e); err != nil {
			return Response{}, err
		}
		if pos == 0 {
			// On no page of its sealed slot: a straggler, which the admitter's recount
			// moves to a later slot. The pass still names the old slot, so the entry is
			// read again (0.5 RRU, stragglers only) and the next pass names the new one.
			if e, pos, err = q.moved(ctx, ev.ID, e, s); err != nil {
				return Response{}, err
			}
		}
	}
	o := waitroom.Observation{Now: r.Now, OnSaleAt: catalog.RoomSaleStart(ev), Entry: e, Position: pos, Serving: s.Serving,
		Rate: room.AdmissionPerSecond, TTL: room.TTL(), SoldOut: s.SoldOut, PreQueueSize: s.PreQueueSize}
	if at, ok := s.Log.AdmittedAt(pos); ok && pos > 0 {
		o.AdmittedAt = at
		if o.Reserved, err = q.store.Reserved(ctx, ev.ID, e.UserID); err != nil {
			return Response{}, err
		}
	}
	v := waitroom.Describe(o)
	a := QueueAnswer{View: v, QueuePass: q.keys.SignPass(waitroom.Pass{EventID: ev.ID, UserID: e.UserID, Entry: e, Position: pos})}
	if v.State == waitroom.StateAdmitted {
		exp := v.ExpiresAt.UTC().Truncate(time.Second)
		a.AdmissionToken = q.keys.Sign(waitroom.Claims{EventID: ev.ID, UserID: e.UserID, ExpiresAt: exp})
		a.AdmissionExpiresAt = &exp
	}
	if v.SoldOut && v.State == waitroom.StateWaiting {
		a.Waitlist = waitlistPath(ev.ID)
	}
	return Response{Status: status, Body: a, Headers: map[string]string{
		"Retry-After": strconv.Itoa(v.RetryAfter), "Cache-Control": "private, no-store"}}, nil
}

func waitlistPath(eventID string) string { return "/events/" + eventID + "/waitlist" }

// moved is the entry as stored now and its place, for an entry on no page of its slot:
// the same entry with no place until the recount moves it, then the moved one, placed
// once its new slot is sealed.
func (q *Queue) moved(ctx context.Context, eventID string, e waitroom.Entry, s waitroom.Serving) (waitroom.Entry, int64, error) {
	cur, err := q.store.Entry(ctx, eventID, e.UserID)
	if err != nil || cur == nil || *cur == e || cur.Slot > s.SealedThrough {
		if err == nil && cur != nil {
			e = *cur
		}
		return e, 0, err
	}
	pos, err := q.position(ctx, eventID, *cur)
	return *cur, pos, err
}

// position finds a sealed entry's place from its slot's index and one page, both cached
// for good. 0 when the entry is on no page: a straggler the admitter moves to a later
// slot; its owner is told "waiting" meanwhile.
func (q *Queue) position(ctx context.Context, eventID string, e waitroom.Entry) (int64, error) {
	sk := eventID + "#" + strconv.FormatInt(e.Slot, 10)
	q.mu.Lock()
	slot, ok := q.slots[sk]
	q.mu.Unlock()
	if !ok {
		var err error
		if slot, err = q.store.Slot(ctx, eventID, e.Slot); err != nil {
			return 0, err
		}
		if slot == nil {
			return 0, nil // not cached: the SLOT item may be written by the next seal
		}
		q.mu.Lock()
		if len(q.slots) >= maxCached {
			clear(q.slots)
		}
		q.slots[sk] = slot
		q.mu.Unlock()
	}
	k := waitroom.PageFor(slot.FirstDraws, slot.FirstUsers, e)
	pk := sk + "#" + strconv.Itoa(k)
	q.mu.Lock()
	page, ok := q.pages[pk]
	q.mu.Unlock()
	if !ok {
		var err error
		if page, err = q.store.Page(ctx, eventID, e.Slot, k); err != nil {
			return 0, err
		}
		q.mu.Lock()
		if len(q.pages) >= maxCached/16 { // a page is ~45 KB: at most ~11 MB cached
			clear(q.pages)
		}
		q.pages[pk] = page
		q.mu.Unlock()
	}
	pos, _ := page.PositionOf(e)
	return pos, nil
}

func (q *Queue) event(ctx context.Context, id string, now time.Time) (catalog.Event, error) {
	return q.eventCache.get(id, now, func() (catalog.Event, error) { return q.events(ctx, id) })
}

func (q *Queue) serving(ctx context.Context, id string, now time.Time) (waitroom.Serving, error) {
	return q.servingCache.get(id, now, func() (waitroom.Serving, error) {
		s, _, err := q.store.Serving(ctx, id)
		return s, err
	})
}

// ttlCache keeps one value per key for queueStateTTL: whatever the number of polls, an
// instance reads each at most once a second.
type ttlCache[T any] struct {
	mu sync.Mutex
	m  map[string]ttlEntry[T]
}

type ttlEntry[T any] struct {
	v  T
	at time.Time
}

func (c *ttlCache[T]) get(key string, now time.Time, load func() (T, error)) (T, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < queueStateTTL && !now.Before(e.at) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]ttlEntry[T]{}
	}
	c.m[key] = ttlEntry[T]{v: v, at: now}
	c.mu.Unlock()
	return v, nil
}
