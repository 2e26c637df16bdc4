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
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/dynamo/dynamotest"
	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// fixture is a catalogue service on a fresh table in moto.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	db    *dynamodb.Client
	table string
	store *dynamo.Catalog
	svc   *catalog.Service
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, table := localtest.Table(t)
	store := dynamo.New(db, table)
	now := time.Now().UTC()
	return &fixture{t: t, ctx: context.Background(), db: db, table: table, store: store, now: now,
		svc: catalog.NewService(store, time.Now)}
}

func (f *fixture) venue(name, city string, capacity int64) catalog.Venue {
	f.t.Helper()
	v, err := f.svc.CreateVenue(f.ctx, "admin-1", "", catalog.VenueInput{
		Name: name, Address: "1 Main St", City: city, Country: "US", Capacity: capacity})
	if err != nil {
		f.t.Fatalf("create venue: %v", err)
	}
	return v
}

func (f *fixture) eventInput(venue catalog.Venue, name, category string, startsIn time.Duration, capacity int64) catalog.EventInput {
	starts := f.now.Add(startsIn)
	return catalog.EventInput{
		Name: name, Category: category, VenueID: venue.ID,
		StartsAt: starts.Format(time.RFC3339), EndsAt: starts.Add(3 * time.Hour).Format(time.RFC3339),
		Capacity: capacity, Price: &catalog.Money{Amount: 2500, Currency: "USD"},
	}
}

func (f *fixture) event(venue catalog.Venue, name, category string, startsIn time.Duration, capacity int64) catalog.Event {
	f.t.Helper()
	e, err := f.svc.CreateEvent(f.ctx, "admin-1", "", f.eventInput(venue, name, category, startsIn, capacity))
	if err != nil {
		f.t.Fatalf("create event: %v", err)
	}
	return e
}

func (f *fixture) publish(e catalog.Event) catalog.Event {
	f.t.Helper()
	p, err := f.svc.Publish(f.ctx, e.ID, 0)
	if err != nil {
		f.t.Fatalf("publish: %v", err)
	}
	return p
}

func wantCode(t *testing.T, err error, code fault.Code) {
	t.Helper()
	if !fault.Is(err, code) {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

func ptr[T any](v T) *T { return &v }

func TestEventCreateIsDraftWithAllSeatsAvailable(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	e := f.event(v, "Show", "live-music", 48*time.Hour, 300)
	got, err := f.svc.GetEvent(f.ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != catalog.Draft || got.Version != 1 || got.Capacity != 300 || got.Available != 300 ||
		got.Held != 0 || got.Sold != 0 || got.MaxTicketsPerBooking != 10 || got.Venue.City != "Austin" {
		t.Fatalf("created event = %+v", got)
	}
	if !got.StartsAt.Equal(e.StartsAt) || got.Price != (catalog.Money{Amount: 2500, Currency: "USD"}) {
		t.Fatalf("stored event differs from created: %+v vs %+v", got, e)
	}
}

func TestEventCapacityMustFitVenue(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Club", "Austin", 100)
	_, err := f.svc.CreateEvent(f.ctx, "admin-1", "", f.eventInput(v, "Too big", "live-music", time.Hour, 101))
	wantCode(t, err, fault.Validation)
	if fe, _ := fault.As(err); fe.Fields["capacity"] == "" {
		t.Fatalf("capacity not named: %v", fe.Fields)
	}
	in := f.eventInput(v, "Nowhere", "live-music", time.Hour, 10)
	in.VenueID = catalog.NewID()
	_, err = f.svc.CreateEvent(f.ctx, "admin-1", "", in)
	wantCode(t, err, fault.Validation)
}

func TestIdempotentCreates(t *testing.T) {
	f := newFixture(t)
	in := catalog.VenueInput{Name: "Hall", Address: "2 Side St", City: "Boston", Country: "US", Capacity: 500}
	first, err := f.svc.CreateVenue(f.ctx, "admin-1", "key-1", in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.CreateVenue(f.ctx, "admin-1", "key-1", in)
	if err != nil {
		t.Fatalf("repeat with the same key and body: %v", err)
	}
	if again.ID != first.ID || again.Version != 1 || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("repeat returned %+v, want %+v", again, first)
	}
	other := in
	other.Capacity = 600
	_, err = f.svc.CreateVenue(f.ctx, "admin-1", "key-1", other)
	wantCode(t, err, fault.IdempotencyMismatch)
	// The same key from another admin is another request.
	theirs, err := f.svc.CreateVenue(f.ctx, "admin-2", "key-1", in)
	if err != nil || theirs.ID == first.ID {
		t.Fatalf("another caller's key: %v, id %s", err, theirs.ID)
	}

	ein := f.eventInput(first, "Gig", "live-music", 24*time.Hour, 100)
	e1, err := f.svc.CreateEvent(f.ctx, "admin-1", "key-1", ein)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := f.svc.CreateEvent(f.ctx, "admin-1", "key-1", ein)
	if err != nil || e2.ID != e1.ID {
		t.Fatalf("repeat event create: %v, %s vs %s", err, e2.ID, e1.ID)
	}
	ein.Name = "Other gig"
	_, err = f.svc.CreateEvent(f.ctx, "admin-1", "key-1", ein)
	wantCode(t, err, fault.IdempotencyMismatch)
	// Only one event counts against the venue: deleting it is blocked by exactly that one.
	page, err := f.svc.ListEvents(f.ctx, catalog.EventFilter{Limit: 10})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("events after repeated creates: %v, %d", err, len(page.Items))
	}
}

func TestVenueUpdateAndDelete(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Old Name", "Denver", 200)
	before, _ := f.svc.GetVenue(f.ctx, v.ID)

	_, err := f.svc.UpdateVenue(f.ctx, v.ID, v.Version+1, catalog.VenuePatch{Name: ptr("Stale")})
	wantCode(t, err, fault.VersionConflict)
	after, _ := f.svc.GetVenue(f.ctx, v.ID)
	if after != before {
		t.Fatalf("stale If-Match changed the venue: %+v", after)
	}

	updated, err := f.svc.UpdateVenue(f.ctx, v.ID, v.Version, catalog.VenuePatch{Name: ptr("New Name"), Capacity: ptr(int64(250))})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Version != v.Version+1 || updated.Name != "New Name" || updated.Capacity != 250 {
		t.Fatalf("updated = %+v", updated)
	}
	page, err := f.svc.ListVenues(f.ctx, catalog.VenueFilter{Query: "new", Limit: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != v.ID {
		t.Fatalf("renamed venue not found by name: %v %+v", err, page)
	}

	e := f.event(v, "Uses it", "talks", time.Hour, 10)
	wantCode(t, f.svc.DeleteVenue(f.ctx, v.ID), fault.VenueInUse)
	if _, err := f.svc.GetVenue(f.ctx, v.ID); err != nil {
		t.Fatalf("blocked delete removed the venue: %v", err)
	}

	// Moving the (draft) event elsewhere frees the venue.
	other := f.venue("Other", "Denver", 50)
	moved, err := f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{VenueID: &other.ID})
	if err != nil {
		t.Fatal(err)
	}
	if moved.VenueID != other.ID || moved.Venue.Name != "Other" || moved.Version != e.Version+1 {
		t.Fatalf("moved = %+v", moved)
	}
	if err := f.svc.DeleteVenue(f.ctx, v.ID); err != nil {
		t.Fatalf("delete of an unused venue: %v", err)
	}
	_, err = f.svc.GetVenue(f.ctx, v.ID)
	wantCode(t, err, fault.NotFound)
	wantCode(t, f.svc.DeleteVenue(f.ctx, v.ID), fault.NotFound)
	wantCode(t, f.svc.DeleteVenue(f.ctx, other.ID), fault.VenueInUse)
}

func TestVenueListFiltersAndPages(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		city := "Chicago"
		if i%2 == 1 {
			city = "Miami"
		}
		f.venue(fmt.Sprintf("Venue %02d", i), city, 100)
	}
	var names []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		page, err := f.svc.ListVenues(f.ctx, catalog.VenueFilter{City: "chicago", Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Items {
			names = append(names, v.Name)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	want := []string{"Venue 00", "Venue 02", "Venue 04", "Venue 06"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("chicago venues = %v, want %v", names, want)
	}
	_, err := f.svc.ListVenues(f.ctx, catalog.VenueFilter{Cursor: "not-a-cursor", Limit: 2})
	wantCode(t, err, fault.Validation)
}

func TestPublicListByStartTime(t *testing.T) {
	f := newFixture(t)
	austin := f.venue("Arena", "Austin", 1000)
	boston := f.venue("Hall", "Boston", 1000)
	day := 24 * time.Hour
	f.publish(f.event(austin, "A1", "live-music", 1*day, 10))
	e2 := f.publish(f.event(boston, "B2", "live-music", 2*day, 10))
	e3 := f.publish(f.event(austin, "A3", "sports", 3*day, 10))
	e4 := f.publish(f.event(austin, "A4", "live-music", 4*day, 10))
	f.event(austin, "Draft", "live-music", 2*day, 10)
	cancelled := f.publish(f.event(austin, "Cancelled", "live-music", 2*day, 10))
	if _, err := f.svc.Cancel(f.ctx, cancelled.ID, 0); err != nil {
		t.Fatal(err)
	}

	ids := func(filter catalog.PublicFilter) []string {
		t.Helper()
		var out []string
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("too many pages")
			}
			page, err := f.svc.ListPublished(f.ctx, filter)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Items {
				out = append(out, e.Name)
			}
			if filter.Cursor = page.NextCursor; filter.Cursor == "" {
				return out
			}
		}
	}
	cases := []struct {
		name   string
		filter catalog.PublicFilter
		want   []string
	}{
		{"all, by start time, paged", catalog.PublicFilter{Limit: 2}, []string{"A1", "B2", "A3", "A4"}},
		{"one page", catalog.PublicFilter{Limit: 10}, []string{"A1", "B2", "A3", "A4"}},
		{"city", catalog.PublicFilter{City: "AUSTIN", Limit: 1}, []string{"A1", "A3", "A4"}},
		{"category", catalog.PublicFilter{Category: "live-music", Limit: 2}, []string{"A1", "B2", "A4"}},
		{"city and category", catalog.PublicFilter{City: "austin", Category: "sports", Limit: 2}, []string{"A3"}},
		{"from", catalog.PublicFilter{From: e2.StartsAt, Limit: 2}, []string{"B2", "A3", "A4"}},
		{"to (inclusive)", catalog.PublicFilter{To: e3.StartsAt, Limit: 2}, []string{"A1", "B2", "A3"}},
		{"from and to", catalog.PublicFilter{From: e2.StartsAt.Add(time.Second), To: e4.StartsAt.Add(-time.Second), Limit: 5}, []string{"A3"}},
		{"nothing", catalog.PublicFilter{City: "Nowhere", Limit: 5}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(c.filter); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}

	// A cursor past the end of another window does not work in it.
	page, err := f.svc.ListPublished(f.ctx, catalog.PublicFilter{From: e3.StartsAt, Limit: 1})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("first page: %v %+v", err, page)
	}
	_, err = f.svc.ListPublished(f.ctx, catalog.PublicFilter{To: e2.StartsAt, Cursor: page.NextCursor, Limit: 1})
	wantCode(t, err, fault.Validation)
	_, err = f.svc.ListPublished(f.ctx, catalog.PublicFilter{Cursor: "eyJ4IjoieSJ9", Limit: 1})
	wantCode(t, err, fault.Validation)
}

func TestLifecycleTransitions(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	e := f.event(v, "Show", "live-music", 48*time.Hour, 100)

	_, err := f.svc.Publish(f.ctx, e.ID, e.Version+5)
	wantCode(t, err, fault.VersionConflict)
	p, err := f.svc.Publish(f.ctx, e.ID, e.Version)
	if err != nil || p.Status != catalog.Published || p.Version != e.Version+1 {
		t.Fatalf("publish: %v %+v", err, p)
	}
	_, err = f.svc.Publish(f.ctx, e.ID, 0)
	wantCode(t, err, fault.InvalidTransition)

	_, err = f.svc.Cancel(f.ctx, e.ID, p.Version-1)
	wantCode(t, err, fault.VersionConflict)
	c, err := f.svc.Cancel(f.ctx, e.ID, p.Version)
	if err != nil || c.Status != catalog.Cancelled || c.Version != p.Version+1 {
		t.Fatalf("cancel: %v %+v", err, c)
	}
	_, err = f.svc.Cancel(f.ctx, e.ID, 0)
	wantCode(t, err, fault.InvalidTransition)
	_, err = f.svc.Publish(f.ctx, e.ID, 0)
	wantCode(t, err, fault.InvalidTransition)
	_, err = f.svc.UpdateEvent(f.ctx, e.ID, c.Version, catalog.EventPatch{Name: ptr("Renamed")})
	wantCode(t, err, fault.InvalidTransition)

	// The cancelled event left the public index: its gsi2 attributes are gone.
	out, err := f.db.GetItem(f.ctx, &dynamodb.GetItemInput{TableName: &f.table,
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#" + e.ID}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.Item["gsi2pk"]; ok {
		t.Fatal("cancelled event still has gsi2pk")
	}

	d := f.event(v, "Draft", "live-music", 48*time.Hour, 100)
	if _, err := f.svc.Cancel(f.ctx, d.ID, 0); err != nil {
		t.Fatalf("cancel a draft: %v", err)
	}
	_, err = f.svc.Cancel(f.ctx, catalog.NewID(), 0)
	wantCode(t, err, fault.NotFound)
}

func TestStaleIfMatchChangesNothing(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	e := f.publish(f.event(v, "Show", "live-music", 48*time.Hour, 100))
	before, _ := f.svc.GetEvent(f.ctx, e.ID)
	_, err := f.svc.UpdateEvent(f.ctx, e.ID, e.Version-1, catalog.EventPatch{Name: ptr("Changed"), Capacity: ptr(int64(50))})
	wantCode(t, err, fault.VersionConflict)
	after, _ := f.svc.GetEvent(f.ctx, e.ID)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("stale PATCH changed the event:\n%+v\n%+v", before, after)
	}
}

func TestConcurrentPatchesOneWins(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	e := f.publish(f.event(v, "Show", "live-music", 48*time.Hour, 100))
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{
				Name: ptr(fmt.Sprintf("Admin %d", i)), Capacity: ptr(int64(100 + i))})
		})
	}
	wg.Wait()
	wins, winner := 0, -1
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
			winner = i
		case !fault.Is(err, fault.VersionConflict):
			t.Fatalf("patch %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d patches won, want exactly 1", wins)
	}
	got, _ := f.svc.GetEvent(f.ctx, e.ID)
	if got.Version != e.Version+1 || got.Name != fmt.Sprintf("Admin %d", winner) ||
		got.Capacity != int64(100+winner) || got.Available != got.Capacity {
		t.Fatalf("after the race: %+v (winner %d)", got, winner)
	}
}

// takeSeats does what booking and waitlist code do to the counters: moves seats from
// available to held, sold and offering with a guarded write that bumps the version.
func (f *fixture) takeSeats(id string, held, sold, offering int64) {
	f.t.Helper()
	n := func(v int64) types.AttributeValue { return &types.AttributeValueMemberN{Value: fmt.Sprint(v)} }
	_, err := f.db.UpdateItem(f.ctx, &dynamodb.UpdateItemInput{
		TableName: &f.table,
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "EVENT#" + id}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}},
		UpdateExpression:         aws.String("ADD #available :minus, held :held, sold :sold, offering :offering, #version :one"),
		ConditionExpression:      aws.String("#available >= :n"),
		ExpressionAttributeNames: map[string]string{"#available": "available", "#version": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":minus": n(-(held + sold + offering)), ":n": n(held + sold + offering),
			":held": n(held), ":sold": n(sold), ":offering": n(offering), ":one": n(1),
		},
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func TestCapacityChangeKeepsSeatInvariant(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	e := f.publish(f.event(v, "Show", "live-music", 48*time.Hour, 10))
	f.takeSeats(e.ID, 3, 1, 1)
	cur, _ := f.svc.GetEvent(f.ctx, e.ID)

	_, err := f.svc.UpdateEvent(f.ctx, e.ID, cur.Version, catalog.EventPatch{Capacity: ptr(int64(4)), MaxTicketsPerBooking: ptr(int64(4))})
	wantCode(t, err, fault.Conflict)
	if again, _ := f.svc.GetEvent(f.ctx, e.ID); fmt.Sprint(again) != fmt.Sprint(cur) {
		t.Fatalf("refused change wrote something: %+v", again)
	}

	cases := []struct{ capacity, available int64 }{{5, 0}, {20, 15}, {8, 3}}
	for _, c := range cases {
		cur, _ = f.svc.GetEvent(f.ctx, e.ID)
		got, err := f.svc.UpdateEvent(f.ctx, e.ID, cur.Version, catalog.EventPatch{
			Capacity: ptr(c.capacity), MaxTicketsPerBooking: ptr(min(c.capacity, 5))})
		if err != nil {
			t.Fatalf("capacity %d: %v", c.capacity, err)
		}
		if got.Capacity != c.capacity || got.Available != c.available || got.Held != 3 || got.Sold != 1 || got.Offering != 1 ||
			got.Capacity != got.Available+got.Held+got.Sold+got.Offering {
			t.Fatalf("capacity %d: %+v", c.capacity, got)
		}
	}
	cur, _ = f.svc.GetEvent(f.ctx, e.ID)
	_, err = f.svc.UpdateEvent(f.ctx, e.ID, cur.Version, catalog.EventPatch{Capacity: ptr(int64(1001))})
	wantCode(t, err, fault.Validation)
}

func TestAvailabilityReads(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	d := f.event(v, "Draft", "live-music", 48*time.Hour, 10)
	reader := catalog.NewAvailabilityReader(f.store, 0, time.Now)
	_, err := reader.Get(f.ctx, d.ID)
	wantCode(t, err, fault.NotFound)
	p := f.publish(d)
	f.takeSeats(p.ID, 1, 2, 0)
	a, err := reader.Get(f.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.EventID != p.ID || a.Capacity != 10 || a.Available != 7 || a.Status != catalog.Published || a.Version != p.Version+1 || a.AsOf.IsZero() {
		t.Fatalf("availability = %+v", a)
	}
	_, err = reader.Get(f.ctx, catalog.NewID())
	wantCode(t, err, fault.NotFound)
}

// TestPublicCursorSurvivesTimePassing pages through the public list while the clock moves
// past the start of the event a cursor points at: the window starts at now, the cursor
// before it, and the next page must still come.
func TestPublicCursorSurvivesTimePassing(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	first := f.publish(f.event(v, "First", "talks", time.Hour, 10))
	f.publish(f.event(v, "Second", "talks", 2*time.Hour, 10))
	page, err := f.svc.ListPublished(f.ctx, catalog.PublicFilter{Limit: 1})
	if err != nil || len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("first page: %v %+v", err, page)
	}
	later := catalog.NewService(f.store, func() time.Time { return first.StartsAt.Add(time.Minute) })
	next, err := later.ListPublished(f.ctx, catalog.PublicFilter{Cursor: page.NextCursor, Limit: 1})
	if err != nil || len(next.Items) != 1 || next.Items[0].Name != "Second" {
		t.Fatalf("next page after the first event started: %v %+v", err, next)
	}
}

// TestOfferWindowReachesTheWaitlist sets an event's offer window through the catalogue and
// reads it back as the booking side sees it, which is what offers are cut from.
func TestOfferWindowReachesTheWaitlist(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	in := f.eventInput(v, "Show", "live-music", 48*time.Hour, 10)
	in.OfferWindowMinutes = 10
	e, err := f.svc.CreateEvent(f.ctx, "admin-1", "", in)
	if err != nil {
		t.Fatal(err)
	}
	bookings := dynamo.NewBookings(f.db, f.table)
	for _, minutes := range []int64{10, 0, 45} {
		cur, err := f.svc.GetEvent(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if minutes != 10 { // the first round reads what create stored
			if cur, err = f.svc.UpdateEvent(f.ctx, e.ID, cur.Version, catalog.EventPatch{OfferWindowMinutes: ptr(minutes)}); err != nil {
				t.Fatalf("offer window %d: %v", minutes, err)
			}
		}
		be, err := bookings.GetEvent(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.OfferWindowMinutes != minutes || be.OfferFor != time.Duration(minutes)*time.Minute {
			t.Fatalf("offer window %d: catalogue %d, booking %s", minutes, cur.OfferWindowMinutes, be.OfferFor)
		}
	}
}

// TestWaitingMakesAnEventSoldOut: free seats while people wait belong to the line, so the
// catalogue and the availability read both say sold out.
func TestWaitingMakesAnEventSoldOut(t *testing.T) {
	f := newFixture(t)
	v := f.venue("Arena", "Austin", 1000)
	e := f.publish(f.event(v, "Show", "live-music", 48*time.Hour, 10))
	_, err := f.db.UpdateItem(f.ctx, &dynamodb.UpdateItemInput{
		TableName: &f.table,
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "EVENT#" + e.ID}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}},
		UpdateExpression:          aws.String("SET waiting = :two ADD version :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":two": &types.AttributeValueMemberN{Value: "2"}, ":one": &types.AttributeValueMemberN{Value: "1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.GetEvent(f.ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := catalog.NewAvailabilityReader(f.store, 0, time.Now).Get(f.ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Waiting != 2 || !got.SoldOut() || got.ForSale() != 0 || a.Waiting != 2 || !a.SoldOut() {
		t.Fatalf("event %+v, availability %+v", got, a)
	}
}

// A catalogue write whose answer is lost after DynamoDB applied it (an internal error, or
// a dropped connection) is retried by the write path; the retry fails its condition
// against the write's own result, and the write_id tag turns that into the success it
// was, not a 412 or a conflict. Each write is applied once.
func TestLostAnswersOfCatalogueWritesAreSuccesses(t *testing.T) {
	db, table := localtest.Table(t)
	faults := &dynamotest.Faults{}
	store := dynamo.New(dynamodb.New(db.Options(), dynamotest.WithFaults(faults)), table)
	f := &fixture{t: t, ctx: context.Background(), db: db, table: table, store: store, now: time.Now().UTC(),
		svc: catalog.NewService(store, time.Now)}
	lose := func(op string) {
		t.Helper()
		faults.Fail(op, 1, true, dynamotest.InternalError())
	}
	applied := func() {
		t.Helper()
		if n := faults.Pending("UpdateItem") + faults.Pending("TransactWriteItems"); n != 0 {
			t.Fatalf("%d injected failures never happened", n)
		}
	}

	v := f.venue("Arena", "Austin", 1000)
	lose("UpdateItem")
	uv, err := f.svc.UpdateVenue(f.ctx, v.ID, v.Version, catalog.VenuePatch{Name: ptr("Renamed")})
	applied()
	if err != nil || uv.Version != v.Version+1 || uv.Name != "Renamed" {
		t.Fatalf("venue update with a lost answer: %v %+v", err, uv)
	}

	e := f.event(v, "Show", "live-music", 48*time.Hour, 100)
	lose("UpdateItem")
	ue, err := f.svc.UpdateEvent(f.ctx, e.ID, e.Version, catalog.EventPatch{Capacity: ptr(int64(120))})
	applied()
	if err != nil || ue.Version != e.Version+1 || ue.Capacity != 120 || ue.Available != 120 {
		t.Fatalf("event update with a lost answer: %v %+v", err, ue)
	}

	// A venue move is a transaction; its retry carries the same token (which moto does
	// not honour), and the tag recognises it all the same.
	other := f.venue("Other", "Austin", 500)
	lose("TransactWriteItems")
	moved, err := f.svc.UpdateEvent(f.ctx, e.ID, ue.Version, catalog.EventPatch{VenueID: &other.ID})
	applied()
	if err != nil || moved.Version != ue.Version+1 || moved.VenueID != other.ID {
		t.Fatalf("venue move with a lost answer: %v %+v", err, moved)
	}
	if err := f.svc.DeleteVenue(f.ctx, v.ID); err != nil {
		t.Fatalf("the old venue still counts the moved event: %v", err)
	}

	lose("UpdateItem")
	p, err := f.svc.Publish(f.ctx, e.ID, moved.Version)
	applied()
	if err != nil || p.Status != catalog.Published || p.Version != moved.Version+1 {
		t.Fatalf("publish with a lost answer: %v %+v", err, p)
	}
	lose("UpdateItem")
	c, err := f.svc.Cancel(f.ctx, e.ID, p.Version)
	applied()
	if err != nil || c.Status != catalog.Cancelled || c.Version != p.Version+1 {
		t.Fatalf("cancel with a lost answer: %v %+v", err, c)
	}

	// A stale write still fails as stale: the tag is only ever this call's own.
	_, err = f.svc.UpdateVenue(f.ctx, other.ID, other.Version+1, catalog.VenuePatch{Name: ptr("Stale")})
	wantCode(t, err, fault.VersionConflict)
}
