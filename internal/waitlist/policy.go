package waitlist

// Plan decides which waiting entries the free seats (offering) serve now, given the
// waiting entries in FIFO order. Partial offers are never made.
//
// Policy: first fit in FIFO order with a starvation guard. Entries are served in order;
// when the first entry in line wants more seats than are free it is skipped for now and
// later entries that fit are served, because holding seats idle for it would leave them
// unsold while people who could use them wait. But a large entry must not wait forever
// behind a stream of small ones: once the seats handed past the head reach the head's
// own quantity (Passed >= Quantity), nobody behind it is served and freed seats collect
// for the head until it fits. So the head waits for at most its own quantity in seats
// given to others, plus the seats it needs itself.
//
// It returns the entries to offer, in order, and the seats given past a blocked head in
// this plan (Skip.EntryID is "" when none), to add to that entry's Passed.
func Plan(free int, line []Entry) (offers []Entry, skip Skip) {
	for len(line) > 0 && line[0].Quantity <= free {
		offers = append(offers, line[0])
		free -= line[0].Quantity
		line = line[1:]
	}
	if len(line) == 0 || free <= 0 {
		return offers, Skip{}
	}
	head := line[0]
	passed := head.Passed
	for _, e := range line[1:] {
		if passed >= head.Quantity || free <= 0 {
			break
		}
		if e.Quantity <= free {
			offers = append(offers, e)
			free -= e.Quantity
			passed += e.Quantity
		}
	}
	if passed == head.Passed {
		return offers, Skip{}
	}
	return offers, Skip{EntryID: head.ID, Seats: passed - head.Passed}
}

// Skip records seats given to later entries while EntryID, first in line, did not fit.
type Skip struct {
	EntryID string
	Seats   int
}
