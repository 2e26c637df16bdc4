package dynamo

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// The waiting room's items (docs/waiting-room.md §2, docs/table-design.md).
const (
	queuePrefix = "QUEUE#"
	servingSK   = "SERVING"
	slotSK      = "SLOT"
	queueRateSK = "QUEUE" // the join's window shares the user's RATE# key, not its item
	// DefaultQueueBuckets is the line's buckets for an event published before the
	// publication fixed queue_buckets (waitroom.BucketsFor).
	DefaultQueueBuckets = waitroom.MaxBuckets
	// QueuePageSize is the entries per sealed page: ~45 KB, under the 400 KB item limit.
	QueuePageSize = 1000
	// sealParallel bounds the gsi2 queries in flight while sealing.
	sealParallel = 32
	// joinDeadline is shorter than waitroom.SealDelay, so a join that has not landed by
	// the time its slot is sealed has failed (and its client retries into a later slot).
	joinDeadline = 2 * time.Second
)

// waitingRoomRecord is the event's waiting_room map.
type waitingRoomRecord struct {
	Enabled             bool   `dynamodbav:"enabled"`
	OpensAt             string `dynamodbav:"opens_at,omitempty"`
	OnSaleAt            string `dynamodbav:"on_sale_at,omitempty"`
	AdmissionPerSecond  int    `dynamodbav:"admission_per_second"`
	AdmissionTTLSeconds int    `dynamodbav:"admission_ttl_seconds"`
}

func toWaitingRoomRecord(c waitroom.Config) *waitingRoomRecord {
	if c == (waitroom.Config{}) {
		return nil
	}
	r := &waitingRoomRecord{Enabled: c.Enabled, AdmissionPerSecond: c.AdmissionPerSecond, AdmissionTTLSeconds: c.AdmissionTTLSeconds}
	if !c.OpensAt.IsZero() {
		r.OpensAt = formatTime(c.OpensAt)
	}
	if !c.OnSaleAt.IsZero() {
		r.OnSaleAt = formatTime(c.OnSaleAt)
	}
	return r
}

func (r *waitingRoomRecord) config() waitroom.Config {
	if r == nil {
		return waitroom.Config{}
	}
	return waitroom.Config{Enabled: r.Enabled, OpensAt: parseTime(r.OpensAt), OnSaleAt: parseTime(r.OnSaleAt),
		AdmissionPerSecond: r.AdmissionPerSecond, AdmissionTTLSeconds: r.AdmissionTTLSeconds}
}

// Queue is the waiting room's store: the line's entries, its sealed slots and pages, and
// the SERVING item the admitter writes. It implements waitroom.AdmitStore.
type Queue struct {
	s        *Catalog
	buckets  int
	pageSize int

	mu        sync.Mutex
	bucketsOf map[string]int // event id -> its queue_buckets, which never change
}

// NewQueue returns the queue store over s; buckets <= 0 uses each event's queue_buckets,
// fixed at its publication. The join and the admitter must agree on it, so only tests
// set it.
func NewQueue(s *Catalog, buckets int) *Queue {
	return &Queue{s: s, buckets: buckets, pageSize: QueuePageSize, bucketsOf: map[string]int{}}
}

// eventBuckets is the event's queue_buckets: a strongly consistent read once per event
// for the life of the instance (the join may come right after the publication that set
// it, and a bucket count read before it would put the entry where no seal looks).
func (q *Queue) eventBuckets(ctx context.Context, eventID string) (int, error) {
	if q.buckets > 0 {
		return q.buckets, nil
	}
	q.mu.Lock()
	n, ok := q.bucketsOf[eventID]
	q.mu.Unlock()
	if ok {
		return n, nil
	}
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &q.s.table, Key: eventKey(eventID),
		ProjectionExpression: aws.String("queue_buckets, #status"), ExpressionAttributeNames: aliases("#status"),
		ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, err
	}
	if out.Item == nil {
		return 0, catalog.EventNotFound()
	}
	var r struct {
		QueueBuckets int    `dynamodbav:"queue_buckets"`
		Status       string `dynamodbav:"status"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return 0, fmt.Errorf("event item: %w", err)
	}
	if r.QueueBuckets <= 0 {
		if r.Status != string(catalog.Published) && r.Status != string(catalog.Cancelled) {
			return 0, errors.New("queue: the event is not published, so its line has no buckets yet")
		}
		r.QueueBuckets = DefaultQueueBuckets
	}
	q.mu.Lock()
	q.bucketsOf[eventID] = r.QueueBuckets
	q.mu.Unlock()
	return r.QueueBuckets, nil
}

// entryPK is the partition key of the user's entry: their bucket of the event's line.
func (q *Queue) entryPK(ctx context.Context, eventID, userID string) (string, error) {
	buckets, err := q.eventBuckets(ctx, eventID)
	if err != nil {
		return "", err
	}
	return bucketPK(eventID, waitroom.Bucket(userID, buckets)), nil
}

func bucketPK(eventID string, b int) string { return queuePrefix + eventID + "#" + strconv.Itoa(b) }
func servingKey(eventID string) item        { return key(queuePrefix+eventID, servingSK) }
func slotPK(eventID string, slot int64) string {
	return queuePrefix + eventID + "#SLOT#" + strconv.FormatInt(slot, 10)
}
func slotSortKey(slot int64, draw uint64, user string) string {
	return fmt.Sprintf("%010d#%016x#%s", slot, draw, user)
}

// QueueEntry is one user's entry as stored.
type QueueEntry struct {
	EventID  string
	Entry    waitroom.Entry
	JoinedAt time.Time
	Version  int64
}

type queueEntryRecord struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	GSI2PK   string `dynamodbav:"gsi2pk"`
	GSI2SK   string `dynamodbav:"gsi2sk"`
	EventID  string `dynamodbav:"event_id"`
	UserID   string `dynamodbav:"user_id"`
	Slot     int64  `dynamodbav:"slot"`
	Draw     string `dynamodbav:"draw"` // hex: 64 bits do not round-trip through every client's numbers
	JoinedAt string `dynamodbav:"joined_at"`
	Version  int64  `dynamodbav:"version"`
	TTL      int64  `dynamodbav:"ttl"`
}

func fromQueueEntryItem(it item) (QueueEntry, error) {
	var r queueEntryRecord
	if err := attributevalue.UnmarshalMap(it, &r); err != nil {
		return QueueEntry{}, fmt.Errorf("queue entry: %w", err)
	}
	draw, err := strconv.ParseUint(r.Draw, 16, 64)
	if err != nil {
		return QueueEntry{}, fmt.Errorf("queue entry draw %q: %w", r.Draw, err)
	}
	return QueueEntry{EventID: r.EventID, JoinedAt: parseTime(r.JoinedAt), Version: r.Version,
		Entry: waitroom.Entry{UserID: r.UserID, Slot: r.Slot, Draw: draw}}, nil
}

// Join puts the user's entry unless one exists: one conditional PutItem (2 WRU with its
// gsi2 entry). created is false when the user had joined before; the first entry comes
// back from the failed condition (ALL_OLD) without another read. expires is when the
// entry may be deleted (TTL).
func (q *Queue) Join(ctx context.Context, eventID string, e waitroom.Entry, joinedAt, expires time.Time) (waitroom.Entry, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, joinDeadline)
	defer cancel()
	pk, err := q.entryPK(ctx, eventID, e.UserID)
	if err != nil {
		return waitroom.Entry{}, false, err
	}
	it, err := attributevalue.MarshalMap(queueEntryRecord{
		PK: pk, SK: userPrefix + e.UserID, GSI2PK: pk, GSI2SK: slotSortKey(e.Slot, e.Draw, e.UserID),
		EventID: eventID, UserID: e.UserID, Slot: e.Slot, Draw: strconv.FormatUint(e.Draw, 16),
		JoinedAt: formatTime(joinedAt), Version: 1, TTL: expires.Unix(),
	})
	if err != nil {
		return waitroom.Entry{}, false, err
	}
	err = q.s.put(ctx, &dynamodb.PutItemInput{
		TableName: &q.s.table, Item: it,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, failed := conditionFailed(err); failed {
		old, err := q.s.current(ctx, ccf, key(pk, userPrefix+e.UserID))
		if err != nil {
			return waitroom.Entry{}, false, err
		}
		if old == nil {
			return waitroom.Entry{}, false, busy()
		}
		first, err := fromQueueEntryItem(old)
		return first.Entry, false, err
	}
	if err != nil {
		return waitroom.Entry{}, false, err
	}
	return e, true, nil
}

// Entry reads the user's entry, eventually consistent (0.5 RRU); nil when not joined.
func (q *Queue) Entry(ctx context.Context, eventID, userID string) (*waitroom.Entry, error) {
	pk, err := q.entryPK(ctx, eventID, userID)
	if err != nil {
		return nil, err
	}
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &q.s.table, Key: key(pk, userPrefix+userID)})
	if err != nil || out.Item == nil {
		return nil, err
	}
	e, err := fromQueueEntryItem(out.Item)
	return &e.Entry, err
}

// Reserved reports whether the user holds or owns seats of the event (their seats
// counter, 0.5 RRU): an admitted user who has reserved is "used". Read only for
// admitted users, so a waiting line costs nothing here.
func (q *Queue) Reserved(ctx context.Context, eventID, userID string) (bool, error) {
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &q.s.table, Key: userSeatsKey(eventID, userID),
		ProjectionExpression: aws.String("tickets")})
	if err != nil || out.Item == nil {
		return false, err
	}
	return numAttr(out.Item, "tickets") > 0, nil
}

func queueRateKey(userID string, minute time.Time) item {
	return key(ratePrefix+userID+"#"+minute.UTC().Format("200601021504"), queueRateSK)
}

// JoinAttempts is how many repeat joins the user made in now's UTC minute (0.5 RRU):
// both rate items are the user's own keys, so a user hammering the join throttles only
// themself.
func (q *Queue) JoinAttempts(ctx context.Context, userID string, now time.Time) (int64, error) {
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &q.s.table, Key: queueRateKey(userID, now),
		ProjectionExpression: aws.String("#count"), ExpressionAttributeNames: aliases("#count")})
	if err != nil || out.Item == nil {
		return 0, err
	}
	var r struct {
		Count int64 `dynamodbav:"count"`
	}
	err = attributevalue.UnmarshalMap(out.Item, &r)
	return r.Count, err
}

// CountRepeatJoin adds one to the user's window after a join that found the entry
// there. ADD is its own condition: a counter that only grows needs no version.
func (q *Queue) CountRepeatJoin(ctx context.Context, userID string, now time.Time) error {
	_, err := q.s.update(ctx, &dynamodb.UpdateItemInput{TableName: &q.s.table, Key: queueRateKey(userID, now),
		UpdateExpression:          aws.String("SET #ttl = :ttl ADD #count :one, #version :one"),
		ExpressionAttributeNames:  aliases("#ttl #count #version"),
		ExpressionAttributeValues: item{":one": num(1), ":ttl": num(now.Add(2 * time.Minute).Unix())},
	})
	return err
}

// servingRecord is the SERVING item.
type servingRecord struct {
	EventID       string  `dynamodbav:"event_id"`
	Serving       int64   `dynamodbav:"serving"`
	Numbered      int64   `dynamodbav:"numbered"`
	SealedThrough int64   `dynamodbav:"sealed_through"`
	Rate          int     `dynamodbav:"rate"`
	Carry         float64 `dynamodbav:"carry"`
	Reason        string  `dynamodbav:"reason"`
	SoldOut       bool    `dynamodbav:"sold_out"`
	Log           []byte  `dynamodbav:"log"`
	LastStep      int64   `dynamodbav:"last_step"` // Unix ms
	PreQueueSize  int64   `dynamodbav:"pre_queue_size"`
	RecountFrom   int64   `dynamodbav:"recount_from"`
	RecountNum    int64   `dynamodbav:"recount_numbered"`
	LeaseOwner    string  `dynamodbav:"lease_owner"`
	LeaseUntil    int64   `dynamodbav:"lease_until"` // Unix ms
	Version       int64   `dynamodbav:"version"`
}

func fromServingItem(eventID string, it item) (waitroom.Serving, error) {
	var r servingRecord
	if err := attributevalue.UnmarshalMap(it, &r); err != nil {
		return waitroom.Serving{}, fmt.Errorf("serving item: %w", err)
	}
	l, err := waitroom.UnpackLog(r.Log)
	if err != nil {
		return waitroom.Serving{}, err
	}
	s := waitroom.Serving{EventID: eventID, Serving: r.Serving, Numbered: r.Numbered, SealedThrough: r.SealedThrough,
		Rate: r.Rate, Carry: r.Carry, Reason: waitroom.Reason(r.Reason), SoldOut: r.SoldOut, Log: l,
		PreQueueSize: r.PreQueueSize, RecountFrom: r.RecountFrom, RecountNumbered: r.RecountNum, Version: r.Version}
	if r.LastStep > 0 {
		s.LastStep = time.UnixMilli(r.LastStep).UTC()
	}
	return s, nil
}

// Serving reads the room's SERVING item, eventually consistent (~4 KB, 1 RRU): the
// queue/me handler reads it at most once a second per instance. ok is false before the
// admitter's first step.
func (q *Queue) Serving(ctx context.Context, eventID string) (waitroom.Serving, bool, error) {
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &q.s.table, Key: servingKey(eventID)})
	if err != nil || out.Item == nil {
		return waitroom.Serving{EventID: eventID, SealedThrough: -1}, false, err
	}
	s, err := fromServingItem(eventID, out.Item)
	return s, err == nil, err
}

// Lease takes the room's admitter lease for waitroom.LeaseFor, creating SERVING on the
// first call: free when lapsed or already this owner's.
func (q *Queue) Lease(ctx context.Context, eventID, owner string, now time.Time) (waitroom.Serving, bool, error) {
	update := "SET event_id = :e, lease_owner = :me, lease_until = :until, serving = if_not_exists(serving, :zero), " +
		"numbered = if_not_exists(numbered, :zero), sealed_through = if_not_exists(sealed_through, :none) ADD #version :one"
	cond := "attribute_not_exists(pk) OR lease_until <= :now OR lease_owner = :me"
	out, err := q.s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: &q.s.table, Key: servingKey(eventID),
		UpdateExpression: &update, ConditionExpression: &cond, ExpressionAttributeNames: aliases(update),
		ExpressionAttributeValues: item{":e": str(eventID), ":me": str(owner), ":until": num(now.Add(waitroom.LeaseFor).UnixMilli()),
			":now": num(now.UnixMilli()), ":zero": num(0), ":none": num(-1), ":one": num(1)},
		ReturnValues: types.ReturnValueAllNew,
	})
	if _, failed := conditionFailed(err); failed {
		return waitroom.Serving{}, false, nil
	}
	if err != nil {
		return waitroom.Serving{}, false, err
	}
	s, err := fromServingItem(eventID, out.Attributes)
	return s, err == nil, err
}

// Save is the admitter's step write: the new serving state, the renewed lease, at the
// version it read and only under its own lease.
func (q *Queue) Save(ctx context.Context, s waitroom.Serving, owner string, now time.Time) (int64, error) {
	set := "SET serving = :serving, numbered = :numbered, sealed_through = :sealed, #rate = :rate, carry = :carry, " +
		"reason = :reason, sold_out = :sold_out, last_step = :last, pre_queue_size = :pq, lease_until = :until, " +
		"recount_from = :rf, recount_numbered = :rn"
	values := item{
		":serving": num(s.Serving), ":numbered": num(s.Numbered), ":sealed": num(s.SealedThrough), ":rate": num(int64(s.Rate)),
		":carry":  &types.AttributeValueMemberN{Value: strconv.FormatFloat(s.Carry, 'g', -1, 64)},
		":reason": str(string(s.Reason)), ":sold_out": &types.AttributeValueMemberBOOL{Value: s.SoldOut},
		":last": num(s.LastStep.UnixMilli()), ":pq": num(s.PreQueueSize), ":until": num(now.Add(waitroom.LeaseFor).UnixMilli()),
		":v": num(s.Version), ":me": str(owner), ":one": num(1), ":rf": num(s.RecountFrom), ":rn": num(s.RecountNumbered),
	}
	if len(s.Log) > 0 {
		set += ", #log = :log"
		values[":log"] = &types.AttributeValueMemberB{Value: waitroom.PackLog(s.Log)}
	}
	update := set + " ADD #version :one"
	cond := "#version = :v AND lease_owner = :me"
	_, err := q.s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: &q.s.table, Key: servingKey(s.EventID),
		UpdateExpression: &update, ConditionExpression: &cond,
		ExpressionAttributeNames: aliases(update, cond), ExpressionAttributeValues: values,
	})
	if _, failed := conditionFailed(err); failed {
		return 0, waitroom.ErrLeaseLost
	}
	if err != nil {
		return 0, err
	}
	return s.Version + 1, nil
}

// Release ends the owner's lease now, so the overlapping invocation takes over at once.
func (q *Queue) Release(ctx context.Context, eventID, owner string, now time.Time) error {
	_, err := q.s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: &q.s.table, Key: servingKey(eventID),
		UpdateExpression:          aws.String("SET lease_until = :now ADD #version :one"),
		ConditionExpression:       aws.String("lease_owner = :me"),
		ExpressionAttributeNames:  aliases("#version"),
		ExpressionAttributeValues: item{":now": num(now.UnixMilli()), ":me": str(owner), ":one": num(1)},
	})
	if _, failed := conditionFailed(err); failed {
		return nil // another admitter took it over already
	}
	return err
}

// LiveRooms lists events whose room is on and open, published and not over. It reads the
// events' gsi1 partition with a filter: the event item's three indexes are all taken,
// and once a minute over the catalogue is cheap next to the on-sale itself.
func (q *Queue) LiveRooms(ctx context.Context, now time.Time) ([]waitroom.Room, error) {
	in := &dynamodb.QueryInput{
		TableName: &q.s.table, IndexName: aws.String("gsi1"),
		KeyConditionExpression: aws.String("gsi1pk = :p"),
		FilterExpression: aws.String("#waiting_room.#enabled = :t AND #waiting_room.#opens_at <= :now AND " +
			"ends_at > :now AND #status = :published"),
		ExpressionAttributeValues: item{":p": str(eventPartition), ":t": &types.AttributeValueMemberBOOL{Value: true},
			":now": str(formatTime(now)), ":published": str(string(catalog.Published))},
	}
	in.ExpressionAttributeNames = aliases(*in.FilterExpression)
	var rooms []waitroom.Room
	for {
		out, err := q.s.db.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, it := range out.Items {
			e, _, err := fromEventItem(it)
			if err != nil {
				return nil, err
			}
			rooms = append(rooms, waitroom.Room{EventID: e.ID, Config: e.WaitingRoom, OnSaleAt: catalog.RoomSaleStart(e)})
		}
		if out.LastEvaluatedKey == nil {
			return rooms, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Inventory reads the event's seat counters, eventually consistent (0.5 RRU).
func (q *Queue) Inventory(ctx context.Context, eventID string) (waitroom.Inventory, error) {
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &q.s.table, Key: eventKey(eventID),
		ProjectionExpression:     aws.String("#available, #held, #sold, #waiting, #status, inventory_shards"),
		ExpressionAttributeNames: aliases("#available, #held, #sold, #waiting, #status"),
	})
	if err != nil {
		return waitroom.Inventory{}, err
	}
	if out.Item == nil {
		return waitroom.Inventory{}, catalog.EventNotFound()
	}
	var r eventRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return waitroom.Inventory{}, fmt.Errorf("event item: %w", err)
	}
	if sharded(r.Status, r.InventoryShards) {
		shards, err := q.s.readShards(ctx, eventID, r.InventoryShards, false)
		if err != nil {
			return waitroom.Inventory{}, err
		}
		t := sumShards(shards)
		r.Available, r.Held, r.Sold, r.Waiting = t.Available, t.Held, t.Sold, t.Waiting
	}
	remaining := r.Available
	if r.Waiting > 0 {
		remaining = 0 // every free seat belongs to the waitlist
	}
	return waitroom.Inventory{Remaining: remaining, Held: r.Held, Taken: r.Held + r.Sold}, nil
}

// slotRange queries every bucket's gsi2 partition for the entries of slots from..through,
// sealParallel at a time; count only counts them.
func (q *Queue) slotRange(ctx context.Context, eventID string, from, through int64, count bool) ([]waitroom.Entry, int64, error) {
	var (
		mu      sync.Mutex
		entries []waitroom.Entry
		total   int64
		first   error
		wg      sync.WaitGroup
	)
	buckets, err := q.eventBuckets(ctx, eventID)
	if err != nil {
		return nil, 0, err
	}
	sem := make(chan struct{}, sealParallel)
	for b := range buckets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			in := &dynamodb.QueryInput{
				TableName: &q.s.table, IndexName: aws.String("gsi2"),
				KeyConditionExpression: aws.String("gsi2pk = :p AND gsi2sk BETWEEN :lo AND :hi"),
				ExpressionAttributeValues: item{":p": str(bucketPK(eventID, b)),
					":lo": str(fmt.Sprintf("%010d#", from)), ":hi": str(fmt.Sprintf("%010d#~", through))},
			}
			if count {
				in.Select = types.SelectCount
			} else {
				in.ProjectionExpression = aws.String("user_id, slot, draw")
			}
			var mine []waitroom.Entry
			var n int64
			err := func() error {
				for {
					out, err := q.s.db.Query(ctx, in)
					if err != nil {
						return err
					}
					n += int64(out.Count)
					for _, it := range out.Items {
						e, err := fromQueueEntryItem(it)
						if err != nil {
							return err
						}
						mine = append(mine, e.Entry)
					}
					if out.LastEvaluatedKey == nil {
						return nil
					}
					in.ExclusiveStartKey = out.LastEvaluatedKey
				}
			}()
			mu.Lock()
			defer mu.Unlock()
			entries, total = append(entries, mine...), total+n
			if err != nil && first == nil {
				first = err
			}
		}()
	}
	wg.Wait()
	return entries, total, first
}

// CountPreQueue counts the pre-queue so far (Select COUNT over the buckets): the
// admitter refreshes it every 30 s, and queue/me uses it to send each pre-queue client
// back near its expected turn.
func (q *Queue) CountPreQueue(ctx context.Context, eventID string) (int64, error) {
	_, n, err := q.slotRange(ctx, eventID, waitroom.PreQueue, waitroom.PreQueue, true)
	return n, err
}

// Seal numbers the entries of slots from..through from first on, slot by slot, and
// writes each non-empty slot's pages and then its SLOT item, all with
// attribute_not_exists: a rerun after a crash computes and meets the same items. It
// returns how many entries it numbered; the caller commits that on SERVING.
func (q *Queue) Seal(ctx context.Context, eventID string, from, through, first int64) (int64, error) {
	entries, _, err := q.slotRange(ctx, eventID, from, through, false)
	if err != nil {
		return 0, err
	}
	bySlot := map[int64][]waitroom.Entry{}
	for _, e := range entries {
		bySlot[e.Slot] = append(bySlot[e.Slot], e)
	}
	slots := make([]int64, 0, len(bySlot))
	for s := range bySlot {
		slots = append(slots, s)
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i] < slots[j] })
	next := first
	for _, s := range slots {
		placed := waitroom.Number(next, bySlot[s])
		pages := waitroom.Paginate(placed, q.pageSize)
		meta := item{
			"pk": str(slotPK(eventID, s)), "sk": str(slotSK), "event_id": str(eventID), "slot": num(s),
			"first": num(next), "count": num(int64(len(placed))), "pages": num(int64(len(pages))),
		}
		var firstDraws []uint64
		var firstUsers []types.AttributeValue
		for k, p := range pages {
			firstDraws = append(firstDraws, p.Draws[0])
			firstUsers = append(firstUsers, str(p.Users[0]))
			users := make([]types.AttributeValue, len(p.Users))
			for i, u := range p.Users {
				users[i] = str(u)
			}
			if err := q.putOnce(ctx, item{
				"pk": str(slotPK(eventID, s)), "sk": str(fmt.Sprintf("PAGE#%06d", k)),
				"first": num(p.First), "draws": &types.AttributeValueMemberB{Value: packDraws(p.Draws)},
				"users": &types.AttributeValueMemberL{Value: users},
			}); err != nil {
				return 0, err
			}
		}
		meta["page_draws"] = &types.AttributeValueMemberB{Value: packDraws(firstDraws)}
		meta["page_users"] = &types.AttributeValueMemberL{Value: firstUsers}
		if err := q.putOnce(ctx, meta); err != nil {
			return 0, err
		}
		next += int64(len(placed))
	}
	return next - first, nil
}

// putOnce writes an item that never changes: one already there is this same item,
// written by an earlier run of the same seal.
func (q *Queue) putOnce(ctx context.Context, it item) error {
	err := q.s.put(ctx, &dynamodb.PutItemInput{TableName: &q.s.table, Item: it,
		ConditionExpression: aws.String("attribute_not_exists(sk)")})
	if _, failed := conditionFailed(err); failed {
		return nil
	}
	return err
}

func packDraws(d []uint64) []byte {
	b := make([]byte, 8*len(d))
	for i, v := range d {
		binary.BigEndian.PutUint64(b[8*i:], v)
	}
	return b
}

func unpackDraws(b []byte) ([]uint64, error) {
	if len(b)%8 != 0 {
		return nil, errors.New("queue page: draws are not 8 bytes each")
	}
	d := make([]uint64, len(b)/8)
	for i := range d {
		d[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	return d, nil
}

// Slot reads a sealed slot (eventually consistent; it never changes once written, so
// callers cache it for good). nil when the slot has no SLOT item.
func (q *Queue) Slot(ctx context.Context, eventID string, slot int64) (*waitroom.SealedSlot, error) {
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &q.s.table, Key: key(slotPK(eventID, slot), slotSK)})
	if err != nil || out.Item == nil {
		return nil, err
	}
	var r struct {
		First     int64    `dynamodbav:"first"`
		Count     int64    `dynamodbav:"count"`
		PageDraws []byte   `dynamodbav:"page_draws"`
		PageUsers []string `dynamodbav:"page_users"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return nil, fmt.Errorf("slot item: %w", err)
	}
	d, err := unpackDraws(r.PageDraws)
	if err != nil {
		return nil, err
	}
	return &waitroom.SealedSlot{Slot: slot, First: r.First, Count: r.Count, FirstDraws: d, FirstUsers: r.PageUsers}, nil
}

// Page reads page k of a sealed slot (immutable, cached for good by callers).
func (q *Queue) Page(ctx context.Context, eventID string, slot int64, k int) (waitroom.Page, error) {
	out, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &q.s.table,
		Key: key(slotPK(eventID, slot), fmt.Sprintf("PAGE#%06d", k))})
	if err != nil {
		return waitroom.Page{}, err
	}
	if out.Item == nil {
		return waitroom.Page{}, fmt.Errorf("queue page %d of slot %d missing", k, slot)
	}
	var r struct {
		First int64    `dynamodbav:"first"`
		Draws []byte   `dynamodbav:"draws"`
		Users []string `dynamodbav:"users"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return waitroom.Page{}, fmt.Errorf("page item: %w", err)
	}
	d, err := unpackDraws(r.Draws)
	if err != nil {
		return waitroom.Page{}, err
	}
	return waitroom.Page{Slot: slot, First: r.First, Draws: d, Users: r.Users}, nil
}

var _ waitroom.AdmitStore = (*Queue)(nil)
