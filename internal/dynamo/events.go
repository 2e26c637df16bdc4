package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/inventory"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

const (
	eventPrefix        = "EVENT#"
	eventSK            = "EVENT"
	eventPartition     = "EVENT"     // gsi1pk of every event
	publishedPartition = "PUBLISHED" // gsi2pk of published events only
)

var gsi2Cursor = []string{"pk", "sk", "gsi2pk", "gsi2sk"}

func eventKey(id string) item { return key(eventPrefix+id, eventSK) }

// eventRecord is an event as stored; docs/table-design.md lists the attributes. city_key
// is the lower-cased venue city the public list filters on.
type eventRecord struct {
	PK            string             `dynamodbav:"pk"`
	SK            string             `dynamodbav:"sk"`
	GSI1PK        string             `dynamodbav:"gsi1pk"`
	GSI1SK        string             `dynamodbav:"gsi1sk"`
	GSI2PK        string             `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK        string             `dynamodbav:"gsi2sk,omitempty"`
	ID            string             `dynamodbav:"event_id"`
	Name          string             `dynamodbav:"name"`
	Description   string             `dynamodbav:"description"`
	Category      string             `dynamodbav:"category"`
	VenueID       string             `dynamodbav:"venue_id"`
	Venue         venueSummaryRecord `dynamodbav:"venue"`
	CityKey       string             `dynamodbav:"city_key"`
	StartsAt      string             `dynamodbav:"starts_at"`
	EndsAt        string             `dynamodbav:"ends_at"`
	Capacity      int64              `dynamodbav:"capacity"`
	Available     int64              `dynamodbav:"available"`
	Held          int64              `dynamodbav:"held"`
	Sold          int64              `dynamodbav:"sold"`
	Offering      int64              `dynamodbav:"offering,omitempty"` // the waitlist's counters
	Waiting       int64              `dynamodbav:"waiting,omitempty"`
	OfferMinutes  int64              `dynamodbav:"offer_minutes,omitempty"`
	PriceAmount   int64              `dynamodbav:"price_amount"`
	PriceCurrency string             `dynamodbav:"price_currency"`
	MaxTickets    int64              `dynamodbav:"max_tickets_per_booking"`
	Status        string             `dynamodbav:"status"`
	Version       int64              `dynamodbav:"version"`
	CreatedAt     string             `dynamodbav:"created_at"`
	UpdatedAt     string             `dynamodbav:"updated_at"`
	RequestHash   string             `dynamodbav:"request_hash,omitempty"`
	// Ticket types (ticket_types.go): counters per stored type, and the public price range.
	TT         map[string]typeCountsRecord `dynamodbav:"tt,omitempty"`
	WaitingAny int64                       `dynamodbav:"waiting_any,omitempty"`
	MinPrice   *int64                      `dynamodbav:"min_price,omitempty"`
	MaxPrice   *int64                      `dynamodbav:"max_price,omitempty"`
	Prices     []int64                     `dynamodbav:"prices,omitempty"`

	WaitingRoom *waitingRoomRecord `dynamodbav:"waiting_room,omitempty"`
	// InventoryShards > 1: the seats are in shard items from publication on (shards.go).
	InventoryShards int `dynamodbav:"inventory_shards,omitempty"`
}

type venueSummaryRecord struct {
	Name    string `dynamodbav:"name"`
	City    string `dynamodbav:"city"`
	Address string `dynamodbav:"address"`
}

func publicSortKey(startsAt time.Time, id string) string { return formatTime(startsAt) + "#" + id }

func toEventRecord(e catalog.Event, hash string) eventRecord {
	r := eventRecord{
		PK: eventPrefix + e.ID, SK: eventSK,
		GSI1PK: eventPartition, GSI1SK: formatTime(e.CreatedAt) + "#" + e.ID,
		ID: e.ID, Name: e.Name, Description: e.Description, Category: e.Category, VenueID: e.VenueID,
		Venue:   venueSummaryRecord{Name: e.Venue.Name, City: e.Venue.City, Address: e.Venue.Address},
		CityKey: fold(e.Venue.City), StartsAt: formatTime(e.StartsAt), EndsAt: formatTime(e.EndsAt),
		Capacity: e.Capacity, Available: e.Available, Held: e.Held, Sold: e.Sold,
		PriceAmount: e.Price.Amount, PriceCurrency: e.Price.Currency, MaxTickets: e.MaxTicketsPerBooking,
		OfferMinutes: e.OfferWindowMinutes, Status: string(e.Status), Version: e.Version,
		CreatedAt: formatTime(e.CreatedAt), UpdatedAt: formatTime(e.UpdatedAt), RequestHash: hash,
		WaitingRoom: toWaitingRoomRecord(e.WaitingRoom), InventoryShards: e.InventoryShards,
	}
	if e.Status == catalog.Published {
		r.GSI2PK, r.GSI2SK = publishedPartition, publicSortKey(e.StartsAt, e.ID)
	}
	if e.Typed() {
		r.TT, r.WaitingAny, r.Prices = typeMap(e.Types), e.WaitingAny, publicPrices(e.Types)
		if lo, hi, ok := catalog.PriceRange(e.Types); ok {
			r.MinPrice, r.MaxPrice = &lo.Amount, &hi.Amount
		}
	}
	return r
}

func fromEventItem(it item) (catalog.Event, string, error) {
	var r eventRecord
	if err := attributevalue.UnmarshalMap(it, &r); err != nil {
		return catalog.Event{}, "", fmt.Errorf("event item: %w", err)
	}
	var counts map[string]catalog.TypeCounters
	if r.TT != nil {
		counts = make(map[string]catalog.TypeCounters, len(r.TT))
		for id, c := range r.TT {
			counts[id] = c.counters()
		}
	}
	return catalog.Event{
		TypeCounts: counts, WaitingAny: r.WaitingAny, Prices: r.Prices,
		ID: r.ID, Name: r.Name, Description: r.Description, Category: r.Category, VenueID: r.VenueID,
		Venue:    catalog.VenueSummary{Name: r.Venue.Name, City: r.Venue.City, Address: r.Venue.Address},
		StartsAt: parseTime(r.StartsAt), EndsAt: parseTime(r.EndsAt),
		Capacity: r.Capacity, Available: r.Available, Held: r.Held, Sold: r.Sold, Offering: r.Offering, Waiting: r.Waiting,
		Price:                catalog.Money{Amount: r.PriceAmount, Currency: r.PriceCurrency},
		MaxTicketsPerBooking: r.MaxTickets, OfferWindowMinutes: r.OfferMinutes, Status: catalog.Status(r.Status), Version: r.Version,
		CreatedAt: parseTime(r.CreatedAt), UpdatedAt: parseTime(r.UpdatedAt),
		WaitingRoom: r.WaitingRoom.config(), InventoryShards: r.InventoryShards,
	}, r.RequestHash, nil
}

// CreateEvent puts the draft, checks its venue still exists with room for it, and counts
// it against the venue, all in one transaction.
func (s *Catalog) CreateEvent(ctx context.Context, e catalog.Event, requestHash string) (*catalog.Existing[catalog.Event], error) {
	it, err := attributevalue.MarshalMap(toEventRecord(e, requestHash))
	if err != nil {
		return nil, err
	}
	typePuts, err := s.typePuts(e.Types)
	if err != nil {
		return nil, err
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{
		{Put: &types.Put{
			TableName: &s.table, Item: it,
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
		venueFits(s.table, e.VenueID, e.Capacity),
		countUsage(s.table, e.VenueID, 1),
	}, typePuts...), aws.String(newToken()))
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return nil, err
	case reasons.failed(0):
		old, err := s.get(ctx, eventKey(e.ID))
		if err != nil {
			return nil, err
		}
		if old == nil {
			return nil, busy()
		}
		_, hash, err := fromEventItem(old)
		if err != nil {
			return nil, err
		}
		existing, err := s.eventWithTypes(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		return &catalog.Existing[catalog.Event]{Item: existing, RequestHash: hash}, nil
	case reasons.failed(1):
		return nil, venueChanged()
	}
	return nil, err
}

// venueFits is the transaction check that a venue exists and holds capacity seats.
func venueFits(table, venueID string, capacity int64) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: &table, Key: venueKey(venueID),
		ConditionExpression:       aws.String("attribute_exists(pk) AND #capacity >= :capacity"),
		ExpressionAttributeNames:  aliases("#capacity"),
		ExpressionAttributeValues: item{":capacity": num(capacity)},
	}}
}

// countUsage moves a venue's count of referencing events.
func countUsage(table, venueID string, by int64) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &table, Key: usageKey(venueID),
		UpdateExpression:          aws.String("ADD #events :by"),
		ExpressionAttributeNames:  aliases("#events"),
		ExpressionAttributeValues: item{":by": num(by)},
	}}
}

func venueChanged() error {
	return &fault.Error{Code: fault.Conflict,
		Message: "The venue was deleted or its capacity lowered meanwhile; read it again",
		Fields:  map[string]string{"venue_id": "no longer exists or has too few seats"}}
}

// GetEvent reads an event with its ticket types.
func (s *Catalog) GetEvent(ctx context.Context, id string) (catalog.Event, error) {
	return s.eventWithTypes(ctx, id)
}

// ListEvents lists every event newest first from gsi1.
func (s *Catalog) ListEvents(ctx context.Context, f catalog.EventFilter) (catalog.Page[catalog.Event], error) {
	in := &dynamodb.QueryInput{
		IndexName:                 aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: item{":p": str(eventPartition)},
		ScanIndexForward:          aws.Bool(false),
	}
	if f.Status != "" {
		in.FilterExpression = aws.String("#status = :status")
		in.ExpressionAttributeNames = aliases(*in.FilterExpression)
		in.ExpressionAttributeValues[":status"] = str(string(f.Status))
	}
	return s.eventPage(ctx, in, f.Limit, f.Cursor, gsi1Cursor, func(m map[string]string) bool {
		return m["gsi1pk"] == eventPartition
	})
}

// ListPublished lists published events by start time from the sparse gsi2: from and to
// bound the sort key, city and category filter.
func (s *Catalog) ListPublished(ctx context.Context, f catalog.PublicFilter) (catalog.Page[catalog.Event], error) {
	lower := formatTime(f.From)
	// '~' sorts after '#' and every id character, so the bound includes events starting at To.
	upper := "~"
	if !f.To.IsZero() {
		upper = formatTime(f.To) + "~"
	}
	// The window starts at now, which moves between pages: a cursor whose last event has
	// started since must still work, so the range reaches back to it.
	if k, err := decodeCursor(f.Cursor, gsi2Cursor, nil); err == nil && k != nil {
		if sk := k["gsi2sk"].(*types.AttributeValueMemberS).Value; sk < lower {
			lower = sk
		}
	}
	in := &dynamodb.QueryInput{
		IndexName:              aws.String("gsi2"),
		KeyConditionExpression: aws.String("gsi2pk = :p AND gsi2sk BETWEEN :lower AND :upper"),
		ExpressionAttributeValues: item{
			":p": str(publishedPartition), ":lower": str(lower), ":upper": str(upper),
		},
	}
	var filters []string
	if c := fold(f.City); c != "" {
		filters = append(filters, "city_key = :city")
		in.ExpressionAttributeValues[":city"] = str(c)
	}
	if c := fold(f.Category); c != "" {
		filters = append(filters, "#category = :category")
		in.ExpressionAttributeValues[":category"] = str(c)
	}
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
		in.ExpressionAttributeNames = aliases(*in.FilterExpression)
	}
	return s.eventPage(ctx, in, f.Limit, f.Cursor, gsi2Cursor, func(m map[string]string) bool {
		// A cursor from another window would point outside the key range.
		return m["gsi2pk"] == publishedPartition && m["gsi2sk"] >= lower && m["gsi2sk"] <= upper
	})
}

func (s *Catalog) eventPage(ctx context.Context, in *dynamodb.QueryInput, limit int, cursor string, names []string, valid func(map[string]string) bool) (catalog.Page[catalog.Event], error) {
	page, err := queryPage(ctx, &s.tableClient, in, limit, cursor, names, valid, fromEventItem)
	if err != nil {
		return page, err
	}
	// A sharded event's own counters are frozen at publication: its seats are its shards'
	// (one BatchGetItem each, only for the sharded events of the page).
	for i, e := range page.Items {
		if page.Items[i], err = s.withShardTotals(ctx, e, false); err != nil {
			return catalog.Page[catalog.Event]{}, err
		}
	}
	return page, nil
}

// UpdateEvent writes after's catalogue fields if the event is still at before's version.
// Capacity and available move by the same delta with ADD, and a decrease also requires
// available >= -delta, so the write itself guards the seat invariant. A venue change
// (drafts only) also moves the usage counters and checks the new venue, in one transaction.
func (s *Catalog) UpdateEvent(ctx context.Context, before, after catalog.Event) (catalog.Event, error) {
	delta := after.Capacity - before.Capacity
	set := []string{
		"#name = :name", "#description = :description", "#category = :category", "venue_id = :venue_id",
		"#venue = :venue", "city_key = :city_key", "starts_at = :starts_at", "ends_at = :ends_at",
		"price_amount = :price_amount", "price_currency = :price_currency",
		"max_tickets_per_booking = :max_tickets", "updated_at = :updated_at", "write_id = :write_id",
	}
	token := newToken()
	venue, err := attributevalue.Marshal(venueSummaryRecord{Name: after.Venue.Name, City: after.Venue.City, Address: after.Venue.Address})
	if err != nil {
		return catalog.Event{}, err
	}
	values := item{
		":name": str(after.Name), ":description": str(after.Description), ":category": str(after.Category),
		":venue_id": str(after.VenueID), ":venue": venue, ":city_key": str(fold(after.Venue.City)),
		":starts_at": str(formatTime(after.StartsAt)), ":ends_at": str(formatTime(after.EndsAt)),
		":price_amount": num(after.Price.Amount), ":price_currency": str(after.Price.Currency),
		":max_tickets": num(after.MaxTicketsPerBooking), ":updated_at": str(formatTime(after.UpdatedAt)),
		":delta": num(delta), ":one": num(1), ":v": num(before.Version), ":write_id": str(token),
	}
	if before.Status == catalog.Published {
		set = append(set, "gsi2sk = :gsi2sk")
		values[":gsi2sk"] = str(publicSortKey(after.StartsAt, after.ID))
	}
	cond := "#version = :v"
	shardedNow := sharded(string(before.Status), before.Shards())
	set = append(set, "inventory_shards = :shards")
	values[":shards"] = num(int64(after.Shards()))
	if delta < 0 && !shardedNow {
		cond += " AND #available >= :min_available"
		values[":min_available"] = num(-delta)
	}
	if delta > 0 {
		// New seats may belong to a waitlist: listing the event under OFFERING has the
		// sweeper wake the waitlist worker, which claims them if anyone waits.
		set = append(set, "gsi3pk = :offering_pk", "gsi3sk = if_not_exists(gsi3sk, :updated_at)")
		values[":offering_pk"] = str(offeringGSI3PK)
	}
	if wr := toWaitingRoomRecord(after.WaitingRoom); wr != nil {
		if values[":waiting_room"], err = attributevalue.Marshal(wr); err != nil {
			return catalog.Event{}, err
		}
		set = append(set, "waiting_room = :waiting_room")
	}
	remove := ""
	if after.OfferWindowMinutes > 0 {
		set = append(set, "offer_minutes = :offer_minutes")
		values[":offer_minutes"] = num(after.OfferWindowMinutes)
	} else {
		remove = " REMOVE offer_minutes"
	}
	update := "SET " + strings.Join(set, ", ") + remove + " ADD #capacity :delta, #available :delta, #version :one"

	if shardedNow {
		return s.updateShardedEvent(ctx, before, after, &types.Update{TableName: &s.table, Key: eventKey(before.ID),
			UpdateExpression: &update, ConditionExpression: &cond,
			ExpressionAttributeNames: aliases(update, cond), ExpressionAttributeValues: values}, token)
	}
	if after.VenueID == before.VenueID {
		out, err := s.update(ctx, &dynamodb.UpdateItemInput{
			Key:              eventKey(before.ID),
			UpdateExpression: &update, ConditionExpression: &cond,
			ExpressionAttributeNames: aliases(update, cond), ExpressionAttributeValues: values,
			ReturnValues:                        types.ReturnValueAllNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if ccf, failed := conditionFailed(err); failed {
			return s.whyUpdateFailed(ctx, ccf, before, after, token)
		}
		if err != nil {
			return catalog.Event{}, err
		}
		e, _, err := fromEventItem(out.Attributes)
		return joinTypes(e, before.Types), err
	}

	// Only drafts move; the condition says so again in case the event was just published.
	values[":draft"] = str(string(catalog.Draft))
	err = s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: &s.table, Key: eventKey(before.ID),
			UpdateExpression: &update, ConditionExpression: aws.String(cond + " AND #status = :draft"),
			ExpressionAttributeNames: aliases(update, cond, "#status"), ExpressionAttributeValues: values,
		}},
		venueFits(s.table, after.VenueID, after.Capacity),
		countUsage(s.table, before.VenueID, -1),
		countUsage(s.table, after.VenueID, 1),
	}, &token)
	reasons, cancelled := cancellation(err)
	switch {
	case !cancelled && err != nil:
		return catalog.Event{}, err
	case !cancelled:
		return s.GetEvent(ctx, before.ID)
	case reasons.failed(0):
		return s.whyUpdateFailed(ctx, nil, before, after, token)
	case reasons.failed(1):
		return catalog.Event{}, venueChanged()
	}
	return catalog.Event{}, err
}

// updateShardedEvent writes an edit of an event whose seats are in shards: the event
// update ev (conditioned on the If-Match version) and, in the same transaction, every
// shard's copy of the guarded attributes and its part of a capacity change, planned by
// inventory.Resize from a fresh read: growth spread evenly, a cut taken from shards with
// available seats (each shard's condition says it still has them). A shard that sold
// meanwhile fails its condition and the plan is made again from a new read.
func (s *Catalog) updateShardedEvent(ctx context.Context, before, after catalog.Event, ev *types.Update, token string) (catalog.Event, error) {
	delta := after.Capacity - before.Capacity
	for attempt := 0; ; attempt++ {
		shards, err := s.readShards(ctx, before.ID, before.Shards(), true)
		if err != nil {
			return catalog.Event{}, err
		}
		available := make([]int64, len(shards))
		for k, sh := range shards {
			available[k] = sh.Available
		}
		per, ok := inventory.Resize(available, delta)
		if !ok {
			return catalog.Event{}, capacityTaken(before, shards, after.Capacity)
		}
		items := []types.TransactWriteItem{{Update: ev}}
		for k, u := range shardGuards(s.table, after) {
			if per[k] != 0 {
				*u.Update.UpdateExpression += ", #capacity = #capacity + :d, available = available + :d"
				u.Update.ExpressionAttributeNames["#capacity"] = "capacity"
				u.Update.ExpressionAttributeValues[":d"] = num(per[k])
			}
			if per[k] < 0 {
				u.Update.ConditionExpression = aws.String("available >= :cut")
				u.Update.ExpressionAttributeValues[":cut"] = num(-per[k])
			}
			items = append(items, u)
		}
		tok := token + "-" + strconv.Itoa(attempt)
		ev.ExpressionAttributeValues[":write_id"] = str(tok)
		err = s.transact(ctx, items, &tok)
		reasons, cancelled := cancellation(err)
		switch {
		case !cancelled && err != nil:
			return catalog.Event{}, err
		case !cancelled:
			return s.GetEvent(ctx, before.ID)
		case reasons.failed(0):
			return s.whyUpdateFailed(ctx, nil, before, after, tok)
		case attempt >= 4:
			return catalog.Event{}, busy()
		}
	}
}

// capacityTaken is the answer to a cut below what the shards have taken.
func capacityTaken(before catalog.Event, shards []shardRecord, capacity int64) error {
	t := sumShards(shards)
	before.Capacity, before.Available, before.Held, before.Sold, before.Offering = t.Capacity, t.Available, t.Held, t.Sold, t.Offering
	if _, err := catalog.CapacityDelta(before, capacity); err != nil {
		return err
	}
	return catalog.StaleVersion("Event")
}

// whyUpdateFailed names the condition an event update failed: the event is gone, it was
// changed since it was read, or (the version still matching) the seats it would cut are
// taken; or it did not fail: the item carries this call's write (a retry of an attempt
// whose answer was lost).
func (s *Catalog) whyUpdateFailed(ctx context.Context, ccf *types.ConditionalCheckFailedException, before, after catalog.Event, token string) (catalog.Event, error) {
	old, err := s.current(ctx, ccf, eventKey(before.ID))
	if err != nil {
		return catalog.Event{}, err
	}
	if old == nil {
		return catalog.Event{}, catalog.EventNotFound()
	}
	now, _, err := fromEventItem(old)
	if err != nil {
		return catalog.Event{}, err
	}
	if wroteIt(old, token) {
		return s.withShardTotals(ctx, joinTypes(now, before.Types), true)
	}
	if now, err = s.withShardTotals(ctx, now, true); err != nil {
		return catalog.Event{}, err
	}
	if now.Version != before.Version {
		return catalog.Event{}, catalog.StaleVersion("Event")
	}
	if _, err := catalog.CapacityDelta(now, after.Capacity); err != nil {
		return catalog.Event{}, err
	}
	return catalog.Event{}, catalog.StaleVersion("Event")
}

// Publish moves a draft to published and into the public index. The condition repeats
// what the caller checked (status draft, the starts_at the sort key is built from, and
// the version if the caller sent one), so a concurrent change cannot slip in between.
func (s *Catalog) Publish(ctx context.Context, e catalog.Event, version int64) (catalog.Event, error) {
	cond := "#status = :draft AND starts_at = :starts_at"
	token := newToken()
	values := item{
		":draft": str(string(catalog.Draft)), ":published": str(string(catalog.Published)),
		":starts_at": str(formatTime(e.StartsAt)), ":p": str(publishedPartition),
		":sk": str(publicSortKey(e.StartsAt, e.ID)), ":updated_at": str(formatTime(e.UpdatedAt)), ":one": num(1),
		":write_id": str(token), ":queue_buckets": num(int64(waitroom.BucketsFor(e.Capacity))),
	}
	if version > 0 {
		cond += " AND #version = :v"
		values[":v"] = num(version)
	}
	// queue_buckets is fixed here for good: a waiting room's joins and its admitter must
	// agree on it while the line exists (Queue.bucketsOf).
	update := "SET #status = :published, gsi2pk = :p, gsi2sk = :sk, updated_at = :updated_at, write_id = :write_id, " +
		"queue_buckets = :queue_buckets ADD #version :one"
	if e.Shards() > 1 {
		// The shard items are made with the publication, in one transaction (at most
		// 65 actions).
		puts, err := shardPuts(s.table, e, catalog.Published)
		if err != nil {
			return catalog.Event{}, err
		}
		err = s.transact(ctx, append([]types.TransactWriteItem{{Update: &types.Update{TableName: &s.table, Key: eventKey(e.ID),
			UpdateExpression: &update, ConditionExpression: &cond,
			ExpressionAttributeNames: aliases(update, cond), ExpressionAttributeValues: values}}}, puts...), &token)
		if reasons, cancelled := cancellation(err); cancelled && reasons.failed(0) {
			return s.whyTransitionFailed(ctx, nil, e.ID, version, catalog.Published, token)
		}
		if err != nil {
			return catalog.Event{}, err
		}
		return s.GetEvent(ctx, e.ID)
	}
	out, err := s.update(ctx, &dynamodb.UpdateItemInput{
		Key:                                 eventKey(e.ID),
		UpdateExpression:                    &update,
		ConditionExpression:                 &cond,
		ExpressionAttributeNames:            aliases(update, cond),
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, failed := conditionFailed(err); failed {
		return s.whyTransitionFailed(ctx, ccf, e.ID, version, catalog.Published, token)
	}
	if err != nil {
		return catalog.Event{}, err
	}
	published, _, err := fromEventItem(out.Attributes)
	return joinTypes(published, e.Types), err
}

// Cancel moves a draft or published event to cancelled and removes it from the public
// index, in one conditional write.
func (s *Catalog) Cancel(ctx context.Context, id string, version int64, now time.Time) (catalog.Event, error) {
	cond := "#status IN (:draft, :published)"
	token := newToken()
	values := item{
		":draft": str(string(catalog.Draft)), ":published": str(string(catalog.Published)),
		":cancelled": str(string(catalog.Cancelled)), ":updated_at": str(formatTime(now)), ":one": num(1),
		":write_id": str(token),
	}
	if version > 0 {
		cond += " AND #version = :v"
		values[":v"] = num(version)
	}
	update := "SET #status = :cancelled, updated_at = :updated_at, write_id = :write_id REMOVE gsi2pk, gsi2sk ADD #version :one"
	if old, err := s.get(ctx, eventKey(id)); err != nil {
		return catalog.Event{}, err
	} else if e, _, err := fromEventItem(old); old != nil && err == nil && sharded(string(e.Status), e.Shards()) {
		// The shards stop selling in the same transaction.
		cond += " AND #status = :published"
		e.Status = catalog.Cancelled
		err = s.transact(ctx, append([]types.TransactWriteItem{{Update: &types.Update{TableName: &s.table, Key: eventKey(id),
			UpdateExpression: &update, ConditionExpression: &cond,
			ExpressionAttributeNames: aliases(update, cond), ExpressionAttributeValues: values}}}, shardGuards(s.table, e)...), &token)
		if reasons, cancelled := cancellation(err); cancelled && reasons.failed(0) {
			return s.whyTransitionFailed(ctx, nil, id, version, catalog.Cancelled, token)
		}
		if err != nil {
			return catalog.Event{}, err
		}
		return s.GetEvent(ctx, id)
	}
	out, err := s.update(ctx, &dynamodb.UpdateItemInput{
		Key:                                 eventKey(id),
		UpdateExpression:                    &update,
		ConditionExpression:                 &cond,
		ExpressionAttributeNames:            aliases(update, cond),
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, failed := conditionFailed(err); failed {
		return s.whyTransitionFailed(ctx, ccf, id, version, catalog.Cancelled, token)
	}
	if err != nil {
		return catalog.Event{}, err
	}
	cancelled, _, err := fromEventItem(out.Attributes)
	return cancelled, err
}

// whyTransitionFailed names the condition a status change failed, or recognises the
// retried write that had in fact gone through.
func (s *Catalog) whyTransitionFailed(ctx context.Context, ccf *types.ConditionalCheckFailedException, id string, version int64, to catalog.Status, token string) (catalog.Event, error) {
	old, err := s.current(ctx, ccf, eventKey(id))
	if err != nil {
		return catalog.Event{}, err
	}
	if old == nil {
		return catalog.Event{}, catalog.EventNotFound()
	}
	e, _, err := fromEventItem(old)
	if err != nil {
		return catalog.Event{}, err
	}
	if wroteIt(old, token) {
		return e, nil
	}
	if version > 0 && e.Version != version {
		return catalog.Event{}, catalog.StaleVersion("Event")
	}
	if err := catalog.CheckTransition(e.Status, to); err != nil {
		return catalog.Event{}, err
	}
	return catalog.Event{}, fault.New(fault.Conflict, "The event changed while it was being %s; read it again", to)
}

// Availability reads the counters and the type definitions (one Query of the event's
// partition from EVENT to TYPE#~), eventually consistent: the caller caches the answer
// for longer than replication takes, and it costs half a strongly consistent read.
func (s *Catalog) Availability(ctx context.Context, id string) (catalog.Availability, error) {
	e, err := s.readEvent(ctx, id, false)
	if err != nil {
		return catalog.Availability{}, err
	}
	return catalog.AvailabilityOf(e), nil
}
