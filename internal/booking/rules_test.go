package booking

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

func TestRefundPercent(t *testing.T) {
	start := time.Date(2027, 6, 1, 20, 0, 0, 0, time.UTC)
	custom := RefundPolicy{Tiers: []RefundTier{{HoursBefore: 1, Percent: 10}, {HoursBefore: 72, Percent: 80}}}
	cases := []struct {
		name   string
		policy RefundPolicy
		left   time.Duration
		want   int
	}{
		{"a week before", DefaultRefundPolicy, 7 * 24 * time.Hour, 100},
		{"exactly 24h", DefaultRefundPolicy, 24 * time.Hour, 100},
		{"just under 24h", DefaultRefundPolicy, 24*time.Hour - time.Second, 50},
		{"exactly 2h", DefaultRefundPolicy, 2 * time.Hour, 50},
		{"just under 2h", DefaultRefundPolicy, 2*time.Hour - time.Second, 0},
		{"after start", DefaultRefundPolicy, -time.Hour, 0},
		{"custom, unordered tiers, early", custom, 100 * time.Hour, 80},
		{"custom, middle", custom, 5 * time.Hour, 10},
		{"custom, late", custom, 30 * time.Minute, 0},
		{"no tiers", RefundPolicy{}, 100 * time.Hour, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.policy.Percent(start, start.Add(-c.left)); got != c.want {
				t.Fatalf("Percent = %d, want %d", got, c.want)
			}
		})
	}
}

func TestRefundAmountRoundsForBuyer(t *testing.T) {
	cases := []struct {
		total   int64
		percent int
		want    int64
	}{
		{1000, 100, 1000}, {1000, 50, 500}, {1001, 50, 501}, {999, 33, 330}, {1000, 0, 0}, {0, 50, 0}, {1, 50, 1}, {1000, 150, 1000},
	}
	for _, c := range cases {
		got := RefundAmount(Money{Amount: c.total, Currency: "USD"}, c.percent)
		if got.Amount != c.want || got.Currency != "USD" {
			t.Errorf("RefundAmount(%d, %d%%) = %+v, want %d", c.total, c.percent, got, c.want)
		}
	}
}

func TestTransitions(t *testing.T) {
	cases := []struct {
		from, to Status
		want     Move
		ok       bool
	}{
		{"", Held, Move{Available: -2, Held: 2}, true},
		{Held, Confirmed, Move{Held: -2, Sold: 2}, true},
		{Expired, Confirmed, Move{Available: -2, Sold: 2}, true},
		{Held, Cancelled, Move{Held: -2, Available: 2}, true},
		{Held, Expired, Move{Held: -2, Available: 2}, true},
		{Confirmed, Cancelled, Move{Sold: -2, Available: 2}, true},
		{Confirmed, Expired, Move{}, false},
		{Cancelled, Confirmed, Move{}, false},
		{Cancelled, Held, Move{}, false},
		{Expired, Cancelled, Move{}, false},
	}
	for _, c := range cases {
		got, err := Transition(c.from, c.to, 2)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%q -> %q = %+v, %v", c.from, c.to, got, err)
		}
		if err != nil && !fault.Is(err, fault.InvalidTransition) {
			t.Errorf("%q -> %q: err = %v", c.from, c.to, err)
		}
		// Every legal move keeps the total: seats are only ever moved, never made or lost.
		if got.Available+got.Held+got.Sold != 0 {
			t.Errorf("%q -> %q creates or destroys seats: %+v", c.from, c.to, got)
		}
	}
}

func TestCheckInvariant(t *testing.T) {
	bk := func(s Status, q int) Booking { return Booking{Status: s, Quantity: q} }
	books := []Booking{bk(Held, 2), bk(Confirmed, 3), bk(Cancelled, 4), bk(Expired, 1)}
	cases := []struct {
		name string
		c    Counters
		b    []Booking
		bad  int
	}{
		{"consistent", Counters{Capacity: 10, Available: 5, Held: 2, Sold: 3}, books, 0},
		{"empty event", Counters{Capacity: 10, Available: 10}, nil, 0},
		{"oversold", Counters{Capacity: 10, Available: -1, Held: 2, Sold: 9}, nil, 3},
		{"lost seats", Counters{Capacity: 10, Available: 4, Held: 2, Sold: 3}, books, 1},
		{"booking missing", Counters{Capacity: 10, Available: 3, Held: 4, Sold: 3}, books, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := CheckInvariant(c.c, c.b); len(got) != c.bad {
				t.Fatalf("violations = %q, want %d", got, c.bad)
			}
		})
	}
}

func TestCheckInvariantPerShard(t *testing.T) {
	books := []Booking{
		{Status: Held, Quantity: 3, Shards: map[int]int{0: 2, 1: 1}}, // a spanning order
		{Status: Confirmed, Quantity: 2, Shards: map[int]int{1: 2}},
		{Status: Held, Quantity: 1}, // on the event item: no shard's
	}
	for _, c := range []struct {
		shard int
		c     Counters
		bad   int
	}{
		{0, Counters{Capacity: 5, Available: 3, Held: 2}, 0},
		{1, Counters{Capacity: 5, Available: 2, Held: 1, Sold: 2}, 0},
		{1, Counters{Capacity: 5, Available: 1, Held: 2, Sold: 2}, 1},
		{2, Counters{Capacity: 5, Available: 5}, 0},
	} {
		if got := CheckInvariant(c.c, OnShard(books, c.shard)); len(got) != c.bad {
			t.Errorf("shard %d %+v: violations = %q, want %d", c.shard, c.c, got, c.bad)
		}
	}
	if books[0].Quantity != 3 {
		t.Fatal("OnShard changed the caller's booking")
	}
}

// A waitlist offer of a typed event is one line taken from several shards: each shard
// holds that share of the line's type.
func TestCheckTypeInvariantPerShardOfAnOffer(t *testing.T) {
	offer := Booking{Status: Held, Quantity: 3, Shards: map[int]int{0: 2, 2: 1},
		Lines: []Line{{TicketTypeID: "vip", Quantity: 3}}}
	for k, want := range map[int]int64{0: 2, 1: 0, 2: 1} {
		var seats []OrderSeats
		for _, b := range OnShard([]Booking{offer}, k) {
			seats = append(seats, OrderSeats{Status: b.Status, Lines: b.Lines})
		}
		ev := Counters{Capacity: 4, Available: 4 - want, Held: want}
		types := map[string]Counters{"vip": {Capacity: 4, Available: 4 - want, Held: want}}
		if bad := CheckTypeInvariant(ev, types, seats); bad != nil {
			t.Errorf("shard %d: %v", k, bad)
		}
	}
	if offer.Lines[0].Quantity != 3 {
		t.Fatal("OnShard changed the caller's line")
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		id, ref := NewID()
		if !ValidID(id) || len(ref) != 10 || !strings.HasPrefix(ref, "BME-") || strings.ToUpper(id[:6]) != ref[4:] {
			t.Fatalf("NewID = %q, %q", id, ref)
		}
		if strings.ContainsAny(ref[4:], "01ILOUV") {
			t.Fatalf("ambiguous symbol in %q", ref)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "short", strings.Repeat("0", 26), strings.Repeat("a", 27)} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

func TestCheckQuantity(t *testing.T) {
	for q, ok := range map[int]bool{0: false, 1: true, 4: true, 5: false, -1: false} {
		if err := CheckQuantity(q, 4); (err == nil) != ok || (err != nil && !fault.Is(err, fault.Validation)) {
			t.Errorf("CheckQuantity(%d, 4) = %v", q, err)
		}
	}
}

func TestDerivedID(t *testing.T) {
	a := DerivedID("alice", "k1")
	if !ValidID(a) || a != DerivedID("alice", "k1") {
		t.Fatalf("DerivedID = %q: want a valid id, the same every time", a)
	}
	for _, other := range []string{DerivedID("bob", "k1"), DerivedID("alice", "k2"), DerivedID("alicek", "1"), DerivedID("alice\x00k", "1")} {
		if other == a {
			t.Fatalf("two users or keys share the booking id %q", a)
		}
	}
}

func TestAsCreated(t *testing.T) {
	at := time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC)
	b := &Booking{ID: "b", Status: Confirmed, CreatedAt: at, UpdatedAt: at.Add(time.Minute), ConfirmedAt: at.Add(time.Minute),
		Version: 4, Payment: &Payment{Status: "succeeded"}, ExpiresAt: at.Add(15 * time.Minute)}
	c := b.AsCreated()
	if c.Status != Held || !c.UpdatedAt.Equal(at) || !c.ConfirmedAt.IsZero() || c.Payment != nil || c.Version != 1 || b.Status != Confirmed {
		t.Fatalf("AsCreated = %+v (from %+v)", c, b)
	}
}

// A refund follows the policy per line, each line rounded up for the buyer, and records
// every line's amount; a booking without lines refunds as its one default line.
func TestNewRefundPerLine(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	usd := func(n int64) Money { return Money{Amount: n, Currency: "USD"} }
	b := &Booking{EventID: "e", Total: usd(4334), Lines: []Line{
		{TicketTypeID: "vip", Quantity: 1, UnitPrice: usd(3333), Total: usd(3333)},
		{TicketTypeID: "ga", Quantity: 1, UnitPrice: usd(1001), Total: usd(1001)}}}
	r := NewRefund(b, 50, "cancelled_by_buyer", now)
	want := []LineRefund{{TicketTypeID: "vip", Amount: usd(1667)}, {TicketTypeID: "ga", Amount: usd(501)}}
	if r.Amount != usd(2168) || r.Percent != 50 || r.Status != "pending" || !reflect.DeepEqual(r.Lines, want) {
		t.Errorf("refund = %+v", r)
	}
	plain := &Booking{EventID: "e", Quantity: 3, UnitPrice: usd(999), Total: usd(2997)}
	r = NewRefund(plain, 100, "confirm_failed", now)
	if r.Amount != usd(2997) || len(r.Lines) != 1 || r.Lines[0].TicketTypeID != catalog.DefaultTypeID("e") {
		t.Errorf("refund of a booking without lines = %+v", r)
	}
}

func TestOrganiserPercent(t *testing.T) {
	start := time.Date(2027, 6, 1, 20, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		choice string
		left   time.Duration
		want   int
	}{
		{"no choice is full, even after the start", "", -time.Hour, 100},
		{"full, late", "full", time.Hour, 100},
		{"policy, a week before", "policy", 7 * 24 * time.Hour, 100},
		{"policy, under 24h", "policy", 5 * time.Hour, 50},
		{"policy, after the start", "policy", -time.Hour, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			choice, err := ParseRefundChoice(c.choice)
			if err != nil {
				t.Fatal(err)
			}
			if got := OrganiserPercent(choice, DefaultRefundPolicy, start, start.Add(-c.left)); got != c.want {
				t.Fatalf("OrganiserPercent = %d, want %d", got, c.want)
			}
		})
	}
	var fe *fault.Error
	if _, err := ParseRefundChoice("half"); !errors.As(err, &fe) || fe.Code != fault.Validation || fe.Fields["refund"] == "" {
		t.Fatalf("ParseRefundChoice(half) = %v, want validation_failed naming refund", err)
	}
}

// A typed order spanning two shards counts each type's share on each shard; a booking
// made before typed orders spanned (no ShardTypes) has all its lines on its one shard.
func TestCheckTypeInvariantPerShard(t *testing.T) {
	books := []Booking{
		{Status: Held, Quantity: 5, Shards: map[int]int{0: 2, 1: 3},
			Lines:      []Line{{TicketTypeID: "vip", Quantity: 3}, {TicketTypeID: "gen", Quantity: 2}},
			ShardTypes: map[int]map[string]int{0: {"vip": 2}, 1: {"vip": 1, "gen": 2}}},
		{Status: Confirmed, Quantity: 1, Shards: map[int]int{1: 1}, Lines: []Line{{TicketTypeID: "gen", Quantity: 1}}},
	}
	for _, c := range []struct {
		shard int
		event Counters
		types map[string]Counters
		bad   int
	}{
		{0, Counters{Capacity: 4, Available: 2, Held: 2},
			map[string]Counters{"vip": {Capacity: 2, Held: 2}, "gen": {Capacity: 2, Available: 2}}, 0},
		{1, Counters{Capacity: 6, Available: 2, Held: 3, Sold: 1},
			map[string]Counters{"vip": {Capacity: 2, Available: 1, Held: 1}, "gen": {Capacity: 4, Available: 1, Held: 2, Sold: 1}}, 0},
		{1, Counters{Capacity: 6, Available: 2, Held: 3, Sold: 1},
			map[string]Counters{"vip": {Capacity: 2, Held: 2}, "gen": {Capacity: 4, Available: 2, Held: 1, Sold: 1}}, 2},
	} {
		var seats []OrderSeats
		for _, b := range OnShard(books, c.shard) {
			seats = append(seats, OrderSeats{Status: b.Status, Lines: b.Lines})
		}
		if got := CheckTypeInvariant(c.event, c.types, seats); len(got) != c.bad {
			t.Errorf("shard %d: violations = %q, want %d", c.shard, got, c.bad)
		}
	}
}
