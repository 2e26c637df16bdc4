package dynamo

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// Stragglers counts the entries of slots from..through over every bucket (Select COUNT:
// nothing is returned, the RRU are those of the entries scanned) and, only when there
// are more than numbered, reads them and returns those on no page of their slot. A
// recount that finds what the seals numbered reads nothing more and writes nothing.
func (q *Queue) Stragglers(ctx context.Context, eventID string, from, through, numbered int64) ([]waitroom.Straggler, error) {
	_, n, err := q.slotRange(ctx, eventID, from, through, true)
	if err != nil || n <= numbered {
		return nil, err
	}
	entries, _, err := q.slotRange(ctx, eventID, from, through, false)
	if err != nil {
		return nil, err
	}
	bySlot := map[int64][]waitroom.Entry{}
	for _, e := range entries {
		bySlot[e.Slot] = append(bySlot[e.Slot], e)
	}
	var out []waitroom.Straggler
	for slot, es := range bySlot {
		sealed, err := q.Slot(ctx, eventID, slot)
		if err != nil {
			return nil, err
		}
		// Paged entries are never moved, so a slot with as many entries as it numbered
		// has none on no page.
		if sealed != nil && int64(len(es)) == sealed.Count {
			continue
		}
		pages := map[int]waitroom.Page{}
		for _, e := range es {
			if sealed != nil {
				k := waitroom.PageFor(sealed.FirstDraws, sealed.FirstUsers, e)
				p, ok := pages[k]
				if !ok {
					if p, err = q.Page(ctx, eventID, slot, k); err != nil {
						return nil, err
					}
					pages[k] = p
				}
				if _, ok := p.PositionOf(e); ok {
					continue
				}
			}
			// The index answers without versions: the entry's own item gives it, and
			// one moved since the query is left alone.
			pk, err := q.entryPK(ctx, eventID, e.UserID)
			if err != nil {
				return nil, err
			}
			out0, err := q.s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &q.s.table, ConsistentRead: aws.Bool(true),
				Key: key(pk, userPrefix+e.UserID)})
			if err != nil {
				return nil, err
			}
			if out0.Item == nil {
				continue
			}
			cur, err := fromQueueEntryItem(out0.Item)
			if err != nil {
				return nil, err
			}
			if cur.Entry == e {
				out = append(out, waitroom.Straggler{Entry: e, Version: cur.Version})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return waitroom.Less(out[i].Entry, out[j].Entry) })
	return out, nil
}

// Move puts a straggler in slot to, keeping its draw, at the version it was read: its
// slot and gsi2sk change together, so the seal of slot to finds it. An entry moved
// meanwhile (by an admitter that lost its lease) fails the condition and is left as it
// is.
func (q *Queue) Move(ctx context.Context, eventID string, s waitroom.Straggler, to int64) error {
	pk, err := q.entryPK(ctx, eventID, s.UserID)
	if err != nil {
		return err
	}
	update := "SET #slot = :to, gsi2sk = :sk ADD #version :one"
	cond := "#version = :v AND #slot = :from"
	_, err = q.s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: &q.s.table, Key: key(pk, userPrefix+s.UserID),
		UpdateExpression: &update, ConditionExpression: &cond, ExpressionAttributeNames: aliases(update, cond),
		ExpressionAttributeValues: item{":to": num(to), ":sk": str(slotSortKey(to, s.Draw, s.UserID)),
			":one": num(1), ":v": num(s.Version), ":from": num(s.Slot)},
	})
	if _, failed := conditionFailed(err); failed {
		return nil
	}
	return err
}
