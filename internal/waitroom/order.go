package waitroom

import (
	"crypto/rand"
	"encoding/binary"
	"hash/fnv"
	"sort"
	"time"
)

// Entry is one user's place in an event's line as a join writes it, and never changes
// after: the slot it joined in and a random draw. Positions are derived from these when a
// slot is sealed, so nothing rewrites entries.
type Entry struct {
	UserID string
	// Slot is PreQueue for a join before the sale starts, else the Unix second of the
	// join: the line is served slot by slot.
	Slot int64
	// Draw is 64 random bits (crypto/rand) drawn at the join. It orders a slot: the
	// pre-queue's random order, and within a later second (where arrival order across
	// Lambda clocks and networks means nothing) a fair tie-break.
	Draw uint64
}

// PreQueue is the slot of everyone who joined before the pre-queue closed.
const PreQueue int64 = 0

// SealDelay is how long after a slot closes the admitter seals it: longer than a join's
// write may take (its deadline is 2 s) plus the index's lag. The pre-queue closes
// SealDelay before the sale starts, so its order is fixed when the sale starts and the
// first buyers are admitted at the start; a join in those last seconds lines up right
// behind it.
const SealDelay = 3 * time.Second

// NewDraw returns 64 bits from crypto/rand: users cannot predict or steer their place.
func NewDraw() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return binary.BigEndian.Uint64(b[:])
}

// SlotOf is the slot of a join at joinedAt for a sale starting at onSaleAt.
func SlotOf(joinedAt, onSaleAt time.Time) int64 {
	if joinedAt.Before(onSaleAt.Add(-SealDelay)) {
		return PreQueue
	}
	return joinedAt.Unix()
}

// Bucket spreads an event's entries over n partition keys by a hash of the user, so one
// user always lands on the same item (a second join finds the first) and a burst of
// joins spreads evenly.
func Bucket(userID string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(userID))
	return int(h.Sum32() % uint32(max(n, 1)))
}

// How many buckets a line spreads over (docs/waiting-room.md §4). A join writes 1 WCU to
// its bucket's key and 1 to that key's gsi2 partition, each good for 1,000 WCU/s; a
// bucket is planned at JoinsPerBucket a second, so repeat joins and uneven hashing fit
// in what is left. A room expects at most JoinsPerSeat joins a second per seat at its
// busiest (100,000 in the first second for 50,000 seats).
const (
	JoinsPerSeat   = 2
	JoinsPerBucket = 400
	MinBuckets     = 16 // 6,400 joins a second for the smallest room
	MaxBuckets     = 256
)

// BucketsFor is how many buckets the line of an event with capacity seats spreads over:
// enough for JoinsPerSeat joins a second per seat, a power of two from MinBuckets to
// MaxBuckets. Every seal queries every bucket, so a small room does not pay a
// stadium's 256 queries per seal. It is fixed when the event is published: the join
// and the admitter must agree on it for as long as the line exists.
func BucketsFor(capacity int64) int {
	need := int((JoinsPerSeat*max(capacity, 1) + JoinsPerBucket - 1) / JoinsPerBucket)
	n := MinBuckets
	for n < need && n < MaxBuckets {
		n *= 2
	}
	return n
}

// Less is the line's order: slot, then draw, then user id (two equal draws among a
// million entries have odds of about 1 in 3.7e7; the user id keeps the order total).
func Less(a, b Entry) bool {
	if a.Slot != b.Slot {
		return a.Slot < b.Slot
	}
	if a.Draw != b.Draw {
		return a.Draw < b.Draw
	}
	return a.UserID < b.UserID
}

// Placed is an entry with its position in line (1 = first).
type Placed struct {
	Entry
	Position int64
}

// Number seals one slot: it orders the slot's entries and numbers them from first on.
// It is a pure function of the set of entries (their order in the argument does not
// matter), so sealing a slot again after a crash gives every user the same position: the
// pre-queue shuffle happens once, however often it runs. Ranking by independent uniform
// draws is a uniform random permutation: every order of the entries is equally likely,
// whatever the order they joined in.
func Number(first int64, entries []Entry) []Placed {
	out := make([]Placed, len(entries))
	for i, e := range entries {
		out[i].Entry = e
	}
	sort.Slice(out, func(i, j int) bool { return Less(out[i].Entry, out[j].Entry) })
	for i := range out {
		out[i].Position = first + int64(i)
	}
	return out
}

// Page is a run of consecutive positions of one sealed slot, as stored: the draws and
// users in line order and the first position. Pages never change once written, so a
// Lambda instance caches them for good.
type Page struct {
	Slot  int64
	First int64
	Draws []uint64
	Users []string
}

// Paginate cuts a numbered slot into pages of at most size entries.
func Paginate(placed []Placed, size int) []Page {
	var pages []Page
	for start := 0; start < len(placed); start += size {
		end := min(start+size, len(placed))
		p := Page{Slot: placed[start].Slot, First: placed[start].Position}
		for _, e := range placed[start:end] {
			p.Draws = append(p.Draws, e.Draw)
			p.Users = append(p.Users, e.UserID)
		}
		pages = append(pages, p)
	}
	return pages
}

// PageFor is the page of a slot's pages that holds e, given each page's first draw (in
// order): the last page whose first entry is not after e.
func PageFor(firstDraws []uint64, firstUsers []string, e Entry) int {
	i := sort.Search(len(firstDraws), func(i int) bool {
		return Less(e, Entry{Slot: e.Slot, Draw: firstDraws[i], UserID: firstUsers[i]})
	})
	return max(i-1, 0)
}

// PositionOf finds e on the page; ok is false when the page does not hold it.
func (p Page) PositionOf(e Entry) (pos int64, ok bool) {
	i := sort.Search(len(p.Draws), func(i int) bool {
		return !Less(Entry{Slot: p.Slot, Draw: p.Draws[i], UserID: p.Users[i]}, e)
	})
	if i == len(p.Draws) || p.Draws[i] != e.Draw || p.Users[i] != e.UserID || p.Slot != e.Slot {
		return 0, false
	}
	return p.First + int64(i), true
}

// SealedSlot is a sealed slot's index as stored: where its positions start and each
// page's first entry, so a user's page is found without reading the others. It never
// changes once written.
type SealedSlot struct {
	Slot       int64
	First      int64
	Count      int64
	FirstDraws []uint64
	FirstUsers []string
}
