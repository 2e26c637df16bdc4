package dynamo

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/inventory"
)

// Ticket types (docs/ticket-types.md): a type's definition is an item TYPE#<id> in its
// event's partition, written by admins only; its counters are the entry tt.<id> of the
// event item, which every sale writes. Every admin write of a type writes both, in one
// transaction, and copies the type's version into the entry's rev; on a published
// sharded event, where each shard has its slice of the entry, every shard's too
// (transactTypes).

const typePrefix = "TYPE#"

func typeKey(eventID, typeID string) item { return key(eventPrefix+eventID, typePrefix+typeID) }

// typeCountsRecord is one entry of the event item's tt map. All seven numbers are always
// present, so updates need no if_not_exists and a condition on a deleted entry fails.
type typeCountsRecord struct {
	Capacity  int64 `dynamodbav:"capacity"`
	Available int64 `dynamodbav:"available"`
	Held      int64 `dynamodbav:"held"`
	Sold      int64 `dynamodbav:"sold"`
	Offering  int64 `dynamodbav:"offering"`
	Waiting   int64 `dynamodbav:"waiting"`
	Rev       int64 `dynamodbav:"rev"`
}

func toCounts(t catalog.TicketType) typeCountsRecord {
	c := t.Counters
	return typeCountsRecord{Capacity: c.Capacity, Available: c.Available, Held: c.Held, Sold: c.Sold,
		Offering: c.Offering, Waiting: c.Waiting, Rev: t.Version}
}

func (r typeCountsRecord) counters() catalog.TypeCounters {
	return catalog.TypeCounters{Capacity: r.Capacity, Available: r.Available, Held: r.Held, Sold: r.Sold,
		Offering: r.Offering, Waiting: r.Waiting}
}

// typeMap is the tt map of an event selling types.
func typeMap(ts []catalog.TicketType) map[string]typeCountsRecord {
	if len(ts) == 0 {
		return nil
	}
	m := make(map[string]typeCountsRecord, len(ts))
	for _, t := range ts {
		m[t.ID] = toCounts(t)
	}
	return m
}

// typeRecord is a ticket type's definition as stored.
type typeRecord struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	ID            string `dynamodbav:"ticket_type_id"`
	EventID       string `dynamodbav:"event_id"`
	Name          string `dynamodbav:"name"`
	Description   string `dynamodbav:"description,omitempty"`
	PriceAmount   int64  `dynamodbav:"price_amount"`
	PriceCurrency string `dynamodbav:"price_currency"`
	MaxPerOrder   int64  `dynamodbav:"max_per_order"`
	SaleStartsAt  string `dynamodbav:"sale_starts_at,omitempty"`
	SaleEndsAt    string `dynamodbav:"sale_ends_at,omitempty"`
	Hidden        bool   `dynamodbav:"hidden"`
	Status        string `dynamodbav:"status"`
	SortOrder     int64  `dynamodbav:"sort_order"`
	Version       int64  `dynamodbav:"version"`
	CreatedAt     string `dynamodbav:"created_at"`
	UpdatedAt     string `dynamodbav:"updated_at"`
	WriteID       string `dynamodbav:"write_id,omitempty"`
	RequestHash   string `dynamodbav:"request_hash,omitempty"`
}

func toTypeRecord(t catalog.TicketType, hash, writeID string) typeRecord {
	r := typeRecord{
		PK: eventPrefix + t.EventID, SK: typePrefix + t.ID, ID: t.ID, EventID: t.EventID, Name: t.Name,
		Description: t.Description, PriceAmount: t.Price.Amount, PriceCurrency: t.Price.Currency,
		MaxPerOrder: t.MaxPerOrder, Hidden: t.Hidden, Status: string(t.Status), SortOrder: t.SortOrder,
		Version: t.Version, CreatedAt: formatTime(t.CreatedAt), UpdatedAt: formatTime(t.UpdatedAt),
		WriteID: writeID, RequestHash: hash,
	}
	if t.SaleStartsAt != nil {
		r.SaleStartsAt = formatTime(*t.SaleStartsAt)
	}
	if t.SaleEndsAt != nil {
		r.SaleEndsAt = formatTime(*t.SaleEndsAt)
	}
	return r
}

func fromTypeItem(it item) (catalog.TicketType, string, error) {
	var r typeRecord
	if err := attributevalue.UnmarshalMap(it, &r); err != nil {
		return catalog.TicketType{}, "", fmt.Errorf("ticket type item: %w", err)
	}
	t := catalog.TicketType{
		ID: r.ID, EventID: r.EventID, Name: r.Name, Description: r.Description,
		Price: catalog.Money{Amount: r.PriceAmount, Currency: r.PriceCurrency}, MaxPerOrder: r.MaxPerOrder,
		Hidden: r.Hidden, Status: catalog.TypeStatus(r.Status), SortOrder: r.SortOrder, Version: r.Version,
		CreatedAt: parseTime(r.CreatedAt), UpdatedAt: parseTime(r.UpdatedAt),
	}
	if r.SaleStartsAt != "" {
		at := parseTime(r.SaleStartsAt)
		t.SaleStartsAt = &at
	}
	if r.SaleEndsAt != "" {
		at := parseTime(r.SaleEndsAt)
		t.SaleEndsAt = &at
	}
	return t, r.RequestHash, nil
}

func marshalType(t catalog.TicketType, hash, writeID string) (item, error) {
	return attributevalue.MarshalMap(toTypeRecord(t, hash, writeID))
}

// typePuts are the puts of a new event's type items, in its create transaction.
func (s *Catalog) typePuts(ts []catalog.TicketType) ([]types.TransactWriteItem, error) {
	var out []types.TransactWriteItem
	for _, t := range ts {
		it, err := marshalType(t, "", "")
		if err != nil {
			return nil, err
		}
		out = append(out, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")}})
	}
	return out, nil
}

// eventWithTypes reads the event, its stats and its type items in one consistent Query
// (sk from EVENT to TYPE#~ holds exactly those), and joins each type with its counters.
func (s *Catalog) eventWithTypes(ctx context.Context, id string) (catalog.Event, error) {
	return s.readEvent(ctx, id, true)
}

func (s *Catalog) readEvent(ctx context.Context, id string, consistent bool) (catalog.Event, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: item{
			":pk": str(eventPrefix + id), ":from": str(eventSK), ":to": str(typePrefix + "~")},
		ConsistentRead: aws.Bool(consistent),
	})
	if err != nil {
		return catalog.Event{}, err
	}
	var (
		e     catalog.Event
		found bool
		ts    []catalog.TicketType
	)
	for _, it := range out.Items {
		sk, _ := it["sk"].(*types.AttributeValueMemberS)
		switch {
		case sk == nil:
		case sk.Value == eventSK:
			if e, _, err = fromEventItem(it); err != nil {
				return catalog.Event{}, err
			}
			found = true
		case strings.HasPrefix(sk.Value, typePrefix):
			t, _, err := fromTypeItem(it)
			if err != nil {
				return catalog.Event{}, err
			}
			ts = append(ts, t)
		}
	}
	if !found {
		return catalog.Event{}, catalog.EventNotFound()
	}
	return s.withShardTotals(ctx, joinTypes(e, ts), consistent)
}

// joinTypes gives the event the stored types its tt map lists, with their counters. A
// type item without an entry (or the reverse) cannot come from one transaction; it is left
// out rather than shown with made-up counters.
func joinTypes(e catalog.Event, ts []catalog.TicketType) catalog.Event {
	if !e.Typed() {
		return e
	}
	e.Types = nil
	for _, t := range ts {
		c, ok := e.TypeCounts[t.ID]
		if !ok {
			continue
		}
		t.Counters = c
		e.Types = append(e.Types, t)
	}
	catalog.SortTypes(e.Types)
	return e
}

// typeAlias gives each type id of a tt map expression a name alias of letters only
// (aliases() finds #[a-z_]+, so digits would be cut off).
func typeAlias(i int) string {
	s := ""
	for {
		s = string(rune('a'+i%26)) + s
		i = i/26 - 1
		if i < 0 {
			return "#tt_" + s
		}
	}
}

// typeWrite builds the event item's side of an admin write of types: the condition that
// no other type's definition changed since types were read (their rev, and how many there
// are), so min_price and max_price written from them are right, plus the price range.
type typeWrite struct {
	names  map[string]string
	values item
	conds  []string
	sets   []string
	alias  map[string]string // type id -> alias
}

func newTypeWrite(read []catalog.TicketType, after []catalog.TicketType) typeWrite {
	w := typeWrite{names: map[string]string{}, values: item{":one": num(1)}, alias: map[string]string{}}
	for _, t := range append(append([]catalog.TicketType(nil), read...), after...) {
		if _, ok := w.alias[t.ID]; !ok {
			a := typeAlias(len(w.alias))
			w.alias[t.ID] = a
			w.names[a] = t.ID
		}
	}
	w.values[":n_types"] = num(int64(len(read)))
	w.conds = append(w.conds, "size(tt) = :n_types")
	for i, t := range read {
		v := fmt.Sprintf(":rev_%s", typeAlias(i)[4:])
		w.values[v] = num(t.Version)
		w.conds = append(w.conds, fmt.Sprintf("tt.%s.#rev = %s", w.alias[t.ID], v))
	}
	lo, hi, ok := catalog.PriceRange(after)
	if ok {
		w.sets = append(w.sets, "min_price = :min_price", "max_price = :max_price", "price_amount = :min_price")
		w.values[":min_price"], w.values[":max_price"] = num(lo.Amount), num(hi.Amount)
	}
	var prices []types.AttributeValue
	for _, p := range publicPrices(after) {
		prices = append(prices, num(p))
	}
	w.sets = append(w.sets, "prices = :prices")
	w.values[":prices"] = &types.AttributeValueMemberL{Value: prices}
	return w
}

// publicPrices are the distinct prices of the public types, ascending: what search
// filters a budget on.
func publicPrices(ts []catalog.TicketType) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, t := range ts {
		if !t.Hidden && !seen[t.Price.Amount] {
			seen[t.Price.Amount] = true
			out = append(out, t.Price.Amount)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (w typeWrite) update(table, eventID, cond, update string) *types.Update {
	// DynamoDB refuses names and values an expression does not use.
	exprs := update + " " + cond
	used := func(k string) bool { return regexp.MustCompile(regexp.QuoteMeta(k) + `\b`).MatchString(exprs) }
	names := aliases(update, cond)
	for k, v := range w.names {
		if used(k) {
			names[k] = v
		}
	}
	values := item{}
	for k, v := range w.values {
		if used(k) {
			values[k] = v
		}
	}
	return &types.Update{
		TableName: &table, Key: eventKey(eventID),
		UpdateExpression: &update, ConditionExpression: &cond,
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}
}

// CreateTicketType adds t to e (as read, with its types). An event without stored types
// is materialised in the same transaction: its default type becomes an item too, and the
// tt map is written with the default's entry copied from the event's counters, on the
// condition that no sale moved them since the read (version). On a sharded event t's
// quota is split over the shards. When t's id exists the stored type and its request
// hash come back instead.
func (s *Catalog) CreateTicketType(ctx context.Context, e catalog.Event, t catalog.TicketType, requestHash string) (*catalog.Existing[catalog.TicketType], error) {
	it, err := marshalType(t, requestHash, "")
	if err != nil {
		return nil, err
	}
	actions := []types.TransactWriteItem{{Put: &types.Put{
		TableName: &s.table, Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)")}}}
	var update *types.Update
	if !e.Typed() {
		def := catalog.DefaultTicketType(e)
		def.Default, def.CreatedAt, def.UpdatedAt = false, t.CreatedAt, t.CreatedAt
		defItem, err := marshalType(def, "", "")
		if err != nil {
			return nil, err
		}
		actions = append(actions, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: defItem, ConditionExpression: aws.String("attribute_not_exists(pk)")}})
		all := []catalog.TicketType{def, t}
		w := newTypeWrite(nil, all)
		m, err := attributevalue.Marshal(typeMap(all))
		if err != nil {
			return nil, err
		}
		w.values[":tt"], w.values[":zero"], w.values[":v"] = m, num(0), num(e.Version)
		update = w.update(s.table, e.ID, "attribute_exists(pk) AND attribute_not_exists(tt) AND #version = :v",
			"SET tt = :tt, waiting_any = :zero, "+strings.Join(w.sets, ", ")+" ADD #version :one")
	} else {
		all := append(append([]catalog.TicketType(nil), e.Types...), t)
		w := newTypeWrite(e.Types, all)
		entry, err := attributevalue.Marshal(toCounts(t))
		if err != nil {
			return nil, err
		}
		w.values[":entry"] = entry
		a := w.alias[t.ID]
		update = w.update(s.table, e.ID, "attribute_not_exists(tt."+a+") AND "+w.eventCond(e),
			"SET tt."+a+" = :entry, "+strings.Join(w.sets, ", ")+" ADD #version :one")
	}
	actions = append(actions, types.TransactWriteItem{Update: update})
	err = s.transactTypes(ctx, e, actions, newToken(), func(shards []shardRecord) ([]types.TransactWriteItem, error) {
		quota := inventory.Split(t.Counters.Capacity, len(shards))
		out := make([]types.TransactWriteItem, len(shards))
		for k := range shards {
			entry, err := attributevalue.Marshal(typeCountsRecord{Capacity: quota[k], Available: quota[k], Rev: t.Version})
			if err != nil {
				return nil, err
			}
			out[k] = s.typeOnShard(e.ID, k, t.ID, "SET tt.#t = :entry", "attribute_exists(tt) AND attribute_not_exists(tt.#t)", item{":entry": entry})
		}
		return out, nil
	})
	codes, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return nil, err
	case codes.failed(0):
		old, err := s.get(ctx, typeKey(e.ID, t.ID))
		if err != nil {
			return nil, err
		}
		if old == nil {
			return nil, catalog.ErrTypesChanged
		}
		existing, hash, err := fromTypeItem(old)
		if err != nil {
			return nil, err
		}
		return &catalog.Existing[catalog.TicketType]{Item: existing, RequestHash: hash}, nil
	}
	// The event moved (a sale, another type written): the caller reads it again.
	return nil, catalog.ErrTypesChanged
}

// Materialize writes the default type of an event without stored types as an item and
// the tt map, so the default type can be edited like the others.
func (s *Catalog) Materialize(ctx context.Context, e catalog.Event) error {
	if e.Typed() {
		return nil
	}
	def := catalog.DefaultTicketType(e)
	def.Default, def.CreatedAt, def.UpdatedAt = false, e.UpdatedAt, e.UpdatedAt
	defItem, err := marshalType(def, "", "")
	if err != nil {
		return err
	}
	all := []catalog.TicketType{def}
	w := newTypeWrite(nil, all)
	m, err := attributevalue.Marshal(typeMap(all))
	if err != nil {
		return err
	}
	w.values[":tt"], w.values[":zero"], w.values[":v"] = m, num(0), num(e.Version)
	update := w.update(s.table, e.ID, "attribute_exists(pk) AND attribute_not_exists(tt) AND #version = :v",
		"SET tt = :tt, waiting_any = :zero, "+strings.Join(w.sets, ", ")+" ADD #version :one")
	err = s.transact(ctx, []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: defItem, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Update: update},
	}, aws.String(newToken()))
	if _, cancelled := cancellation(err); !cancelled {
		return err
	}
	return catalog.ErrTypesChanged
}

// UpdateTicketType writes after over before (the type as read from e): the type item on
// its version, the event's entry on its rev, capacity and available moved by delta, and
// a shrink guarded by available >= -delta so it never cuts into seats taken meanwhile.
// On a sharded event the guard is per shard, the delta spread by inventory.Resize.
func (s *Catalog) UpdateTicketType(ctx context.Context, e catalog.Event, before, after catalog.TicketType, delta int64) (catalog.TicketType, error) {
	writeID := newToken()
	it, err := marshalType(after, "", writeID)
	if err != nil {
		return catalog.TicketType{}, err
	}
	all := make([]catalog.TicketType, len(e.Types))
	for i, t := range e.Types {
		if t.ID == after.ID {
			t = after
		}
		all[i] = t
	}
	w := newTypeWrite(e.Types, all)
	a := w.alias[after.ID]
	w.values[":delta"], w.values[":new_rev"] = num(delta), num(after.Version)
	cond := w.eventCond(e)
	onShards := sharded(string(e.Status), e.Shards())
	if delta < 0 && !onShards {
		cond += " AND tt." + a + ".#available >= :min_available"
		w.values[":min_available"] = num(-delta)
	}
	sets := append([]string{"tt." + a + ".#rev = :new_rev"}, w.sets...)
	if delta > 0 {
		// New seats may belong to a waitlist, as an event capacity increase does.
		sets = append(sets, "gsi3pk = :offering_pk", "gsi3sk = if_not_exists(gsi3sk, :since)")
		w.values[":offering_pk"], w.values[":since"] = str(offeringGSI3PK), str(formatTime(after.UpdatedAt))
	}
	update := w.update(s.table, e.ID, cond, "SET "+strings.Join(sets, ", ")+
		" ADD tt."+a+".#capacity :delta, tt."+a+".#available :delta, #version :one")
	var summed typeCountsRecord
	err = s.transactTypes(ctx, e, []types.TransactWriteItem{
		{Update: s.typeDefinitionUpdate(it, before)},
		{Update: update},
	}, writeID, func(shards []shardRecord) ([]types.TransactWriteItem, error) {
		// Every shard carries the new rev; a capacity change is spread over them as
		// the shards stand now, a cut only from the type's seats still free there.
		available := make([]int64, len(shards))
		for k, sh := range shards {
			available[k] = sh.TT[after.ID].Available
		}
		summed = sumShards(shards).TT[after.ID]
		per, ok := inventory.Resize(available, delta)
		if !ok {
			_, err := catalog.TypeCapacityDelta(summed.counters(), summed.Capacity+delta)
			return nil, err
		}
		out := make([]types.TransactWriteItem, len(shards))
		for k := range shards {
			update, cond, values := "SET tt.#t.rev = :rev", "attribute_exists(tt.#t)", item{":rev": num(after.Version)}
			if per[k] != 0 {
				update += ", tt.#t.#capacity = tt.#t.#capacity + :d, tt.#t.available = tt.#t.available + :d"
				values[":d"] = num(per[k])
			}
			if per[k] < 0 {
				cond += " AND tt.#t.available >= :cut"
				values[":cut"] = num(-per[k])
			}
			out[k] = s.typeOnShard(e.ID, k, after.ID, update, cond, values)
		}
		return out, nil
	})
	codes, cancelled := cancellation(err)
	switch {
	case !cancelled && err != nil:
		return catalog.TicketType{}, err
	case !cancelled && onShards:
		after.Counters.Capacity, after.Counters.Available = summed.Capacity+delta, summed.Available+delta
		after.Counters.Held, after.Counters.Sold, after.Counters.Offering = summed.Held, summed.Sold, summed.Offering
		return after, nil
	case !cancelled:
		after.Counters.Capacity, after.Counters.Available = before.Counters.Capacity+delta, before.Counters.Available+delta
		return after, nil
	case codes.failed(0):
		old, err := s.get(ctx, typeKey(e.ID, after.ID))
		if err != nil {
			return catalog.TicketType{}, err
		}
		if old == nil {
			return catalog.TicketType{}, catalog.TicketTypeNotFound()
		}
		if wroteIt(old, writeID) {
			t, _, err := fromTypeItem(old)
			return t, err
		}
		return catalog.TicketType{}, catalog.StaleVersion("Ticket type")
	}
	// The event item refused: seats taken meanwhile (the guard) or another type's write.
	now, err := s.eventWithTypes(ctx, e.ID)
	if err != nil {
		return catalog.TicketType{}, err
	}
	if c, ok := now.TypeCounts[after.ID]; ok && delta < 0 {
		if _, err := catalog.TypeCapacityDelta(c, before.Counters.Capacity+delta); err != nil {
			return catalog.TicketType{}, err
		}
	}
	return catalog.TicketType{}, catalog.ErrTypesChanged
}

// typeDefinitionUpdate rewrites every definition attribute of the type item on before's
// version, keeping what only its creation wrote (created_at, request_hash, so a replayed
// create still recognises its type).
func (s *Catalog) typeDefinitionUpdate(after item, before catalog.TicketType) *types.Update {
	values := item{":v": num(before.Version)}
	var set []string
	names := aliases("#version")
	for _, attr := range []string{"ticket_type_id", "event_id", "name", "description", "price_amount", "price_currency",
		"max_per_order", "sale_starts_at", "sale_ends_at", "hidden", "status", "sort_order", "version", "updated_at", "write_id"} {
		if v, ok := after[attr]; ok {
			set = append(set, "#"+attr+" = :"+attr)
			values[":"+attr] = v
			names["#"+attr] = attr
		}
	}
	var remove []string
	for _, attr := range []string{"description", "sale_starts_at", "sale_ends_at"} {
		if _, ok := after[attr]; !ok {
			remove = append(remove, "#"+attr)
			names["#"+attr] = attr
		}
	}
	update := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	return &types.Update{TableName: &s.table, Key: typeKey(before.EventID, before.ID),
		UpdateExpression: &update, ConditionExpression: aws.String("#version = :v"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values}
}

// DeleteTicketType deletes t (as read from e) on its version and removes its entry from
// the tt map, on the condition that none of its seats is held, sold or offered, nobody
// waits for it, and another type remains; on a sharded event, on every shard.
func (s *Catalog) DeleteTicketType(ctx context.Context, e catalog.Event, t catalog.TicketType) error {
	var rest []catalog.TicketType
	for _, o := range e.Types {
		if o.ID != t.ID {
			rest = append(rest, o)
		}
	}
	w := newTypeWrite(e.Types, rest)
	a := w.alias[t.ID]
	w.values[":zero"] = num(0)
	cond := w.eventCond(e) + fmt.Sprintf(" AND size(tt) > :one AND tt.%[1]s.#held = :zero AND tt.%[1]s.#sold = :zero AND tt.%[1]s.#offering = :zero AND tt.%[1]s.#waiting = :zero", a)
	update := w.update(s.table, e.ID, cond, "SET "+strings.Join(w.sets, ", ")+" REMOVE tt."+a+" ADD #version :one")
	err := s.transactTypes(ctx, e, []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: &s.table, Key: typeKey(e.ID, t.ID), ConditionExpression: aws.String("#version = :v"),
			ExpressionAttributeNames: aliases("#version"), ExpressionAttributeValues: item{":v": num(t.Version)}}},
		{Update: update},
	}, newToken(), func(shards []shardRecord) ([]types.TransactWriteItem, error) {
		summed := sumShards(shards).TT[t.ID]
		t.Counters = summed.counters()
		if err := catalog.CheckTypeDelete(t, len(e.Types)); err != nil {
			return nil, err
		}
		out := make([]types.TransactWriteItem, len(shards))
		for k := range shards {
			out[k] = s.typeOnShard(e.ID, k, t.ID, "REMOVE tt.#t",
				"tt.#t.held = :zero AND tt.#t.sold = :zero AND tt.#t.offering = :zero AND tt.#t.waiting = :zero", item{":zero": num(0)})
		}
		return out, nil
	})
	codes, cancelled := cancellation(err)
	switch {
	case !cancelled:
		return err
	case codes.failed(0):
		old, err := s.get(ctx, typeKey(e.ID, t.ID))
		if err != nil {
			return err
		}
		if old == nil {
			return catalog.TicketTypeNotFound()
		}
		return catalog.StaleVersion("Ticket type")
	}
	now, err := s.eventWithTypes(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, o := range now.Types {
		if o.ID == t.ID {
			if err := catalog.CheckTypeDelete(o, len(now.Types)); err != nil {
				return err
			}
		}
	}
	return catalog.ErrTypesChanged
}

// eventCond is the event item's side of the condition of an admin write of types: on an
// event selling from its own counters, that no other type's definition changed since the
// read (sales write the item all the time, so not its version); on a sharded event,
// whose sales write the shards, also its version, so an event edit (a capacity change
// the types' quotas are checked against) cannot slip in between.
func (w typeWrite) eventCond(e catalog.Event) string {
	cond := strings.Join(w.conds, " AND ")
	if sharded(string(e.Status), e.Shards()) {
		w.values[":v"] = num(e.Version)
		cond += " AND #version = :v"
	}
	return cond
}

// typeOnShard is shard k's part of an admin write of type typeID (named #t in update
// and cond): the shard's version grows with it.
func (s *Catalog) typeOnShard(eventID string, k int, typeID, update, cond string, values item) types.TransactWriteItem {
	update += " ADD version :one"
	values[":one"] = num(1)
	names := aliases(update, cond)
	names["#t"] = typeID
	return types.TransactWriteItem{Update: &types.Update{TableName: &s.table, Key: shardKey(eventID, k),
		UpdateExpression: &update, ConditionExpression: &cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
}

// transactTypes runs an admin write of types: the type item and the event item (base),
// and, on a sharded event, one action per shard that onShards plans from a consistent
// read of the shards, all in one transaction (at most 2 + inventory.MaxShards = 66
// actions, under DynamoDB's 100). A shard that sold meanwhile fails its condition and
// the plan is made again from a new read, a few times; a failure of base is the
// caller's to name. onShards may refuse the write with an error of its own.
func (s *Catalog) transactTypes(ctx context.Context, e catalog.Event, base []types.TransactWriteItem, token string,
	onShards func([]shardRecord) ([]types.TransactWriteItem, error)) error {
	if !sharded(string(e.Status), e.Shards()) {
		return s.transact(ctx, base, &token)
	}
	for attempt := 0; ; attempt++ {
		shards, err := s.readShards(ctx, e.ID, e.Shards(), true)
		if err != nil {
			return err
		}
		parts, err := onShards(shards)
		if err != nil {
			return err
		}
		// Each attempt writes other shard values: DynamoDB refuses a token reused with
		// other parameters.
		tok := token + "-" + strconv.Itoa(attempt)
		err = s.transact(ctx, append(append([]types.TransactWriteItem(nil), base...), parts...), &tok)
		reasons, cancelled := cancellation(err)
		if !cancelled || reasons.failed(0) || reasons.failed(1) {
			return err
		}
		if attempt >= 4 {
			return busy()
		}
	}
}

// GetTicketType reads one type's definition (without counters) and the request hash it
// was created with.
func (s *Catalog) GetTicketType(ctx context.Context, eventID, typeID string) (catalog.TicketType, string, error) {
	it, err := s.get(ctx, typeKey(eventID, typeID))
	if err != nil {
		return catalog.TicketType{}, "", err
	}
	if it == nil {
		return catalog.TicketType{}, "", catalog.TicketTypeNotFound()
	}
	return fromTypeItem(it)
}

var _ catalog.TypeStore = (*Catalog)(nil)
