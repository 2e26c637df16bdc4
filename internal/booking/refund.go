package booking

import (
	"sort"
	"time"
)

// RefundTier gives Percent back when a booking is cancelled at least HoursBefore hours
// before the event starts.
type RefundTier struct {
	HoursBefore int `json:"hours_before"`
	Percent     int `json:"percent"`
}

// RefundPolicy is an event's cancellation policy; cancellations later than every tier get
// nothing back.
type RefundPolicy struct {
	Tiers []RefundTier `json:"tiers"`
}

// DefaultRefundPolicy applies to events without a refund_policy of their own: everything
// back until 24 h before the start, half until 2 h before, then nothing.
var DefaultRefundPolicy = RefundPolicy{Tiers: []RefundTier{{HoursBefore: 24, Percent: 100}, {HoursBefore: 2, Percent: 50}}}

// Percent is the share refunded when cancelling at now for an event starting at startsAt.
// The most generous tier the cancellation qualifies for wins, so tier order in the stored
// policy does not matter.
func (p RefundPolicy) Percent(startsAt, now time.Time) int {
	left := startsAt.Sub(now)
	tiers := append([]RefundTier(nil), p.Tiers...)
	sort.Slice(tiers, func(i, j int) bool { return tiers[i].Percent > tiers[j].Percent })
	for _, t := range tiers {
		if left >= time.Duration(t.HoursBefore)*time.Hour {
			return t.Percent
		}
	}
	return 0
}

// Valid reports whether every tier is sensible: hours >= 0 and percent in 0..100.
func (p RefundPolicy) Valid() bool {
	for _, t := range p.Tiers {
		if t.HoursBefore < 0 || t.Percent < 0 || t.Percent > 100 {
			return false
		}
	}
	return true
}

// RefundAmount is percent of total in minor units. A fraction of a minor unit is rounded
// in the buyer's favour (up): the product never keeps a part-cent it would otherwise owe.
func RefundAmount(total Money, percent int) Money {
	if percent <= 0 || total.Amount <= 0 {
		return Money{Amount: 0, Currency: total.Currency}
	}
	if percent >= 100 {
		return total
	}
	n := total.Amount * int64(percent)
	amt := n / 100
	if n%100 != 0 {
		amt++
	}
	return Money{Amount: amt, Currency: total.Currency}
}

// LineRefund is one line's part of a refund.
type LineRefund struct {
	TicketTypeID string `json:"ticket_type_id"`
	Amount       Money  `json:"amount"`
}

// NewRefund is the refund of percent of b by the policy per line (LineRefunds, each line
// rounded up), recorded per line so each type's revenue moves by its own line; the
// refund's amount is the lines' sum.
func NewRefund(b *Booking, percent int, reason string, now time.Time) *Refund {
	lines := b.OrderLines()
	r := &Refund{Amount: Money{Currency: b.Total.Currency}, Percent: percent, Status: "pending", Reason: reason, At: now.UTC()}
	for i, m := range LineRefunds(lines, percent) {
		r.Amount.Amount += m.Amount
		r.Lines = append(r.Lines, LineRefund{TicketTypeID: lines[i].TicketTypeID, Amount: m})
	}
	return r
}
