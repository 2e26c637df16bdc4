package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/promo"
)

func typeInput(name string, price, capacity int64) catalog.TicketTypeInput {
	return catalog.TicketTypeInput{Name: name, Price: &catalog.Money{Amount: price, Currency: "USD"}, Capacity: capacity}
}

func (f *fixture) typedEvent(v catalog.Venue, capacity int64, types ...catalog.TicketTypeInput) catalog.Event {
	f.t.Helper()
	in := f.eventInput(v, "Typed", "live-music", 48*time.Hour, capacity)
	in.Price = nil
	in.TicketTypes = types
	e, err := f.svc.CreateEvent(f.ctx, "admin-1", "typed-"+v.ID, in)
	if err != nil {
		f.t.Fatalf("create typed event: %v", err)
	}
	return e
}

func typeNamed(t testing.TB, e catalog.Event, name string) catalog.TicketType {
	t.Helper()
	for _, ty := range e.Types {
		if ty.Name == name {
			return ty
		}
	}
	t.Fatalf("event has no type %q: %+v", name, e.Types)
	return catalog.TicketType{}
}

// An event created with ticket_types is stored with its type items and the tt map in one
// transaction, reads back with them, and a replay of the create names the same types.
func TestCreateEventWithTicketTypes(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Hall", "Lisbon", 500)
	e := f.typedEvent(v, 320, typeInput("General", 3000, 300), typeInput("VIP", 9000, 50))
	if !e.Typed() || len(e.Types) != 2 || e.Price.Amount != 3000 {
		t.Fatalf("created %+v", e)
	}
	got, err := f.store.GetEvent(f.ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	vip := typeNamed(t, got, "VIP")
	if vip.Counters != (catalog.TypeCounters{Capacity: 50, Available: 50}) || vip.Version != 1 || vip.Price.Amount != 9000 {
		t.Fatalf("stored VIP = %+v", vip)
	}
	if got.Available != 320 || got.Price.Amount != 3000 {
		t.Fatalf("event counters %d price %d", got.Available, got.Price.Amount)
	}
	again := f.typedEvent(v, 320, typeInput("General", 3000, 300), typeInput("VIP", 9000, 50))
	if again.ID != e.ID || typeNamed(t, again, "VIP").ID != vip.ID {
		t.Fatalf("replayed create gave %s / %+v", again.ID, again.Types)
	}
	// The event's price and per-booking limit are the types' now.
	_, err = f.svc.UpdateEvent(f.ctx, e.ID, got.Version, catalog.EventPatch{Price: &catalog.Money{Amount: 1, Currency: "USD"}})
	wantCode(t, err, fault.Validation)
}

// An event without ticket_types is stored exactly as before: no tt, and it reads as its
// default type.
func TestLegacyEventReadsAsDefaultType(t *testing.T) {
	f := newFixture(t)
	e := f.event(f.venue("Hall", "Lisbon", 500), "Plain", "live-music", 48*time.Hour, 100)
	out, err := f.db.GetItem(f.ctx, &dynamodb.GetItemInput{TableName: &f.table,
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + e.ID}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.Item["tt"]; ok {
		t.Fatal("a legacy event was stored with a tt map")
	}
	got, _ := f.store.GetEvent(f.ctx, e.ID)
	ts := got.SellingTypes()
	if got.Typed() || len(ts) != 1 || ts[0].ID != catalog.DefaultTypeID(e.ID) || ts[0].Counters.Available != 100 {
		t.Fatalf("legacy event types %+v", ts)
	}
}

// Adding a type to a legacy event materialises its default type with the counters as
// read; the default keeps its id.
func TestAddTypeMaterialisesTheDefault(t *testing.T) {
	f := newFixture(t)
	types := catalog.NewTypeService(f.store, time.Now)
	e := f.event(f.venue("Hall", "Lisbon", 500), "Plain", "live-music", 48*time.Hour, 100)
	f.takeSeats(e.ID, 3, 7, 0)
	vip, err := types.CreateTicketType(f.ctx, "admin-1", "k1", e.ID, typeInput("VIP", 9000, 20))
	if err != nil {
		t.Fatal(err)
	}
	again, err := types.CreateTicketType(f.ctx, "admin-1", "k1", e.ID, typeInput("VIP", 9000, 20))
	if err != nil || again.ID != vip.ID {
		t.Fatalf("replay: %v %+v", err, again)
	}
	_, err = types.CreateTicketType(f.ctx, "admin-1", "k1", e.ID, typeInput("VIP", 9500, 20))
	wantCode(t, err, fault.IdempotencyMismatch)
	_, err = types.CreateTicketType(f.ctx, "admin-1", "k2", e.ID, typeInput("vip", 9500, 20))
	wantCode(t, err, fault.Validation)

	got, err := f.store.GetEvent(f.ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	def := typeNamed(t, got, catalog.DefaultTypeName)
	if def.ID != catalog.DefaultTypeID(e.ID) || def.Counters != (catalog.TypeCounters{Capacity: 100, Available: 90, Held: 3, Sold: 7}) {
		t.Fatalf("materialised default %+v", def)
	}
	if len(got.Types) != 2 || got.Price.Amount != 2500 {
		t.Fatalf("types %+v price %d", got.Types, got.Price.Amount)
	}
	// An edit keeps what the create recorded: its replay still finds its type.
	if _, err := types.UpdateTicketType(f.ctx, e.ID, vip.ID, vip.Version, catalog.TicketTypePatch{Description: ptr("Front rows")}); err != nil {
		t.Fatal(err)
	}
	if again, err := types.CreateTicketType(f.ctx, "admin-1", "k1", e.ID, typeInput("VIP", 9000, 20)); err != nil || again.ID != vip.ID {
		t.Fatalf("replay after an edit: %v %+v", err, again)
	}
	// The default type cannot go: seats of it are taken.
	err = types.DeleteTicketType(f.ctx, e.ID, def.ID, def.Version)
	wantCode(t, err, fault.Conflict)
}

// A capacity change moves the type's available, never below what is taken; If-Match is
// the type's version, and sales (the event's version) do not stale it.
func TestPatchTicketTypeCapacity(t *testing.T) {
	f := newFixture(t)
	types := catalog.NewTypeService(f.store, time.Now)
	e := f.typedEvent(f.venue("Hall", "Lisbon", 500), 320, typeInput("General", 3000, 300), typeInput("VIP", 9000, 50))
	vip := typeNamed(t, e, "VIP")
	f.takeTypeSeats(e.ID, vip.ID, 40)

	_, err := types.UpdateTicketType(f.ctx, e.ID, vip.ID, vip.Version, catalog.TicketTypePatch{Capacity: ptr(int64(39))})
	wantCode(t, err, fault.Conflict)
	up, err := types.UpdateTicketType(f.ctx, e.ID, vip.ID, vip.Version, catalog.TicketTypePatch{Capacity: ptr(int64(45)), Price: &catalog.Money{Amount: 8000, Currency: "usd"}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.Counters.Capacity != 45 || up.Counters.Available != 5 || up.Price.Amount != 8000 {
		t.Fatalf("patched %+v", up)
	}
	_, err = types.UpdateTicketType(f.ctx, e.ID, vip.ID, vip.Version, catalog.TicketTypePatch{Capacity: ptr(int64(46))})
	wantCode(t, err, fault.VersionConflict)
	got, _ := f.store.GetEvent(f.ctx, e.ID)
	if c := got.TypeCounts[vip.ID]; c.Capacity != 45 || c.Available != 5 || c.Held != 40 {
		t.Fatalf("stored counters %+v", c)
	}
	// A type with seats taken cannot be deleted; one without can, on its version.
	wantCode(t, types.DeleteTicketType(f.ctx, e.ID, vip.ID, 2), fault.Conflict)
	gen := typeNamed(t, got, "General")
	wantCode(t, types.DeleteTicketType(f.ctx, e.ID, gen.ID, 7), fault.VersionConflict)
	if err := types.DeleteTicketType(f.ctx, e.ID, gen.ID, gen.Version); err != nil {
		t.Fatal(err)
	}
	got, _ = f.store.GetEvent(f.ctx, e.ID)
	if len(got.Types) != 1 || len(got.TypeCounts) != 1 || got.Price.Amount != 8000 {
		t.Fatalf("after delete %+v / %+v, price %d", got.Types, got.TypeCounts, got.Price.Amount)
	}
}

// Two admins adding types at once: both land (the second re-reads), and the map holds both.
func TestConcurrentTypeAdds(t *testing.T) {
	f := newFixture(t)
	types := catalog.NewTypeService(f.store, time.Now)
	e := f.typedEvent(f.venue("Hall", "Lisbon", 500), 320, typeInput("General", 3000, 300))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, name := range []string{"Student", "Early"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = types.CreateTicketType(f.ctx, "admin-1", name, e.ID, typeInput(name, 1000, 10))
		}()
	}
	wg.Wait()
	got, _ := f.store.GetEvent(f.ctx, e.ID)
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !fault.Is(err, fault.Conflict) {
			t.Fatalf("concurrent add: %v", err)
		}
	}
	if len(got.Types) != 1+ok || len(got.TypeCounts) != 1+ok || ok == 0 {
		t.Fatalf("%d adds succeeded, stored %d types / %d entries", ok, len(got.Types), len(got.TypeCounts))
	}
}

// takeTypeSeats holds n seats of a type as the reservation will (phase 2b): both the
// event's and the type's counters.
func (f *fixture) takeTypeSeats(eventID, typeID string, n int64) {
	f.t.Helper()
	_, err := f.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: &f.table,
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + eventID},
			"sk": &types.AttributeValueMemberS{Value: "EVENT"}},
		UpdateExpression:         aws.String("SET #available = #available - :n, #held = #held + :n, tt.#t.#available = tt.#t.#available - :n, tt.#t.#held = tt.#t.#held + :n ADD #version :one"),
		ExpressionAttributeNames: map[string]string{"#t": typeID, "#available": "available", "#held": "held", "#version": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": &types.AttributeValueMemberN{Value: itoa(n)}, ":one": &types.AttributeValueMemberN{Value: "1"}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func itoa(n int64) string { return fmt.Sprint(n) }

// Promo codes are unique per event case-insensitively, edited on rev (uses do not stale
// an If-Match), and deleted softly.
func TestPromoCodes(t *testing.T) {
	f := newFixture(t)
	codes := promo.NewService(f.store, f.store, time.Now)
	e := f.typedEvent(f.venue("Hall", "Lisbon", 500), 320, typeInput("General", 3000, 300), typeInput("VIP", 9000, 50))
	vip := typeNamed(t, e, "VIP")
	in := promo.Input{Code: "early20", PercentOffBP: ptr(int64(2000)), MaxUses: 10, TicketTypeIDs: []string{vip.ID}}
	c, err := codes.Create(f.ctx, "admin-1", "k1", e.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if c.Code != "EARLY20" || c.Rev != 1 || c.Uses != 0 {
		t.Fatalf("created %+v", c)
	}
	again, err := codes.Create(f.ctx, "admin-1", "k1", e.ID, in)
	if err != nil || again.Code != "EARLY20" {
		t.Fatalf("replay: %v", err)
	}
	in.Code = " Early20 "
	_, err = codes.Create(f.ctx, "admin-1", "k2", e.ID, in)
	wantCode(t, err, fault.Conflict)
	_, err = codes.Create(f.ctx, "admin-1", "k3", e.ID, promo.Input{Code: "BAD", PercentOffBP: ptr(int64(10)), TicketTypeIDs: []string{"nope"}})
	wantCode(t, err, fault.Validation)

	// Uses move version but not rev.
	f.useCode(e.ID, "EARLY20", 4)
	up, err := codes.Update(f.ctx, e.ID, "early20", 1, promo.Patch{MaxUses: ptr(int64(5))})
	if err != nil {
		t.Fatal(err)
	}
	if up.Rev != 2 || up.MaxUses != 5 || up.Uses != 4 {
		t.Fatalf("updated %+v", up)
	}
	_, err = codes.Update(f.ctx, e.ID, "EARLY20", 1, promo.Patch{MaxUses: ptr(int64(6))})
	wantCode(t, err, fault.VersionConflict)
	_, err = codes.Update(f.ctx, e.ID, "EARLY20", 2, promo.Patch{MaxUses: ptr(int64(3))})
	wantCode(t, err, fault.Validation)

	if _, err := codes.Create(f.ctx, "admin-1", "k4", e.ID, promo.Input{Code: "VIPONLY", UnlocksHidden: true}); err != nil {
		t.Fatal(err)
	}
	page, err := codes.List(f.ctx, e.ID, "", 1)
	if err != nil || len(page.Items) != 1 || page.Items[0].Code != "EARLY20" || page.NextCursor == "" {
		t.Fatalf("list page 1: %v %+v", err, page)
	}
	page, err = codes.List(f.ctx, e.ID, page.NextCursor, 10)
	if err != nil || len(page.Items) != 1 || page.Items[0].Code != "VIPONLY" {
		t.Fatalf("list page 2: %v %+v", err, page)
	}

	wantCode(t, codes.Delete(f.ctx, e.ID, "EARLY20", 1), fault.VersionConflict)
	if err := codes.Delete(f.ctx, e.ID, "EARLY20", 2); err != nil {
		t.Fatal(err)
	}
	got, err := codes.Get(f.ctx, e.ID, "early20")
	if err != nil || got.DeletedAt == nil {
		t.Fatalf("deleted code reads %v %+v", err, got)
	}
	wantCode(t, codes.Delete(f.ctx, e.ID, "EARLY20", 3), fault.NotFound)
	// The name stays taken.
	in.Code = "EARLY20"
	_, err = codes.Create(f.ctx, "admin-1", "k5", e.ID, in)
	wantCode(t, err, fault.Conflict)
}

// useCode counts uses as the reservation will: ADD uses, version.
func (f *fixture) useCode(eventID, code string, n int64) {
	f.t.Helper()
	_, err := f.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: &f.table,
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + eventID + "#PROMO"},
			"sk": &types.AttributeValueMemberS{Value: code}},
		UpdateExpression:          aws.String("ADD uses :n, #version :n"),
		ExpressionAttributeNames:  map[string]string{"#version": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: itoa(n)}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// Editing the default type of an event without stored types materialises it first; its
// id and version 1 (what the admin read) carry over.
func TestPatchTheDefaultTypeMaterialisesIt(t *testing.T) {
	f := newFixture(t)
	types := catalog.NewTypeService(f.store, time.Now)
	e := f.event(f.venue("Hall", "Lisbon", 500), "Plain", "live-music", 48*time.Hour, 100)
	f.takeSeats(e.ID, 0, 30, 0)
	def := catalog.DefaultTypeID(e.ID)
	up, err := types.UpdateTicketType(f.ctx, e.ID, def, 1, catalog.TicketTypePatch{Name: ptr("Standing"), Capacity: ptr(int64(80))})
	if err != nil {
		t.Fatal(err)
	}
	if up.ID != def || up.Version != 2 || up.Counters.Capacity != 80 || up.Counters.Available != 50 {
		t.Fatalf("patched default %+v", up)
	}
	got, _ := f.store.GetEvent(f.ctx, e.ID)
	if !got.Typed() || len(got.Types) != 1 || got.Types[0].Name != "Standing" || got.Capacity != 100 {
		t.Fatalf("after materialising %+v", got)
	}
	// The event's own price is the type's now.
	_, err = f.svc.UpdateEvent(f.ctx, e.ID, got.Version, catalog.EventPatch{MaxTicketsPerBooking: ptr(int64(2))})
	wantCode(t, err, fault.Validation)
	wantCode(t, types.DeleteTicketType(f.ctx, e.ID, def, 2), fault.Conflict) // the last type
}
