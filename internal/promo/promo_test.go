package promo

import (
	"math"
	"testing"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

var now = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

var event = Event{ID: "e", Currency: "EUR", TypeIDs: []string{"vip", "general", "crew"}}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	fe, ok := fault.As(err)
	if !ok || fe.Code != fault.Validation {
		t.Fatalf("not a validation fault: %v", err)
	}
	return fe.Fields
}

func sameKeys(got map[string]string, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, k := range want {
		if _, ok := got[k]; !ok {
			return false
		}
	}
	return true
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"early-bird", "EARLY-BIRD", true},
		{"  Vip_2027 ", "VIP_2027", true},
		{"abc", "ABC", true},
		{"ab", "AB", false},
		{"A23456789012345678901234567890123", "A23456789012345678901234567890123", false},
		{"A2345678901234567890123456789012", "A2345678901234567890123456789012", true},
		{"no spaces", "NO SPACES", false},
		{"ÉTÉ2027", "ÉTÉ2027", false},
		{"semi;colon", "SEMI;COLON", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, ok := Normalize(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Normalize(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	a, _ := Normalize("Summer")
	b, _ := Normalize("SUMMER")
	if a != b {
		t.Fatal("codes must compare case-insensitively")
	}
}

func TestUsable(t *testing.T) {
	from, until := now.Add(-time.Hour), now.Add(time.Hour)
	cases := []struct {
		name string
		c    Code
		ok   bool
	}{
		{"open", Code{}, true},
		{"inside the window", Code{ValidFrom: &from, ValidUntil: &until}, true},
		{"from now on", Code{ValidFrom: &now}, true},
		{"not yet", Code{ValidFrom: &until}, false},
		{"until now", Code{ValidUntil: &now}, false},
		{"expired", Code{ValidUntil: &from}, false},
		{"uses left", Code{MaxUses: 10, Uses: 9}, true},
		{"used up", Code{MaxUses: 10, Uses: 10}, false},
		{"unlimited", Code{MaxUses: 0, Uses: 1_000_000}, true},
	}
	for _, c := range cases {
		err := c.c.Usable(now)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !sameKeys(fieldsOf(t, err), []string{"promo_code"}) {
			t.Errorf("%s: the error must name promo_code: %v", c.name, err)
		}
	}
	if !sameKeys(fieldsOf(t, Unknown()), []string{"promo_code"}) {
		t.Fatal("Unknown must name promo_code")
	}
}

func TestAppliesAndUnlocks(t *testing.T) {
	all := Code{UnlocksHidden: true}
	some := Code{TicketTypeIDs: []string{"crew"}, UnlocksHidden: true}
	discountOnly := Code{TicketTypeIDs: []string{"crew"}}
	cases := []struct {
		name             string
		c                Code
		typeID           string
		applies, unlocks bool
	}{
		{"every type", all, "vip", true, true},
		{"listed type", some, "crew", true, true},
		{"unlisted type", some, "vip", false, false},
		{"discount without unlocking", discountOnly, "crew", true, false},
	}
	for _, c := range cases {
		if got := c.c.AppliesTo(c.typeID); got != c.applies {
			t.Errorf("%s: AppliesTo = %v", c.name, got)
		}
		if got := c.c.Unlocks(c.typeID); got != c.unlocks {
			t.Errorf("%s: Unlocks = %v", c.name, got)
		}
	}
}

func TestUnitDiscount(t *testing.T) {
	pct := func(bp int64) Code { return Code{Kind: Percent, BasisPoints: bp} }
	off := func(a int64) Code { return Code{Kind: Fixed, Amount: catalog.Money{Amount: a, Currency: "EUR"}} }
	cases := []struct {
		name       string
		c          Code
		unit, want int64
	}{
		{"10 % of 25.00", pct(1000), 2500, 250},
		{"12.5 % of 9.99 rounds up", pct(1250), 999, 125}, // 124.875
		{"1 bp of 1 cent rounds up to a cent", pct(1), 1, 1},
		{"33.33 % of 1.00", pct(3333), 100, 34}, // 33.33
		{"exact needs no rounding", pct(5000), 200, 100},
		{"100 % is the whole price", pct(10000), 4999, 4999},
		{"free ticket", pct(5000), 0, 0},
		{"fixed", off(500), 2500, 500},
		{"fixed above the price stops at zero", off(5000), 2500, 2500},
		{"no discount", Code{Kind: None, UnlocksHidden: true}, 2500, 0},
		{"no overflow on a huge price", pct(9999), math.MaxInt64, math.MaxInt64/10000*9999 + (math.MaxInt64%10000*9999+9999)/10000},
	}
	for _, c := range cases {
		got := c.c.UnitDiscount(c.unit)
		if got != c.want {
			t.Errorf("%s: discount = %d, want %d", c.name, got, c.want)
		}
		if got < 0 || got > max(c.unit, 0) {
			t.Errorf("%s: discount %d outside 0..price", c.name, got)
		}
	}
}

func TestInput(t *testing.T) {
	ok := func() Input { return Input{Code: "early-bird", PercentOffBP: ptr(int64(1500)), MaxUses: 10} }
	cases := []struct {
		name string
		edit func(*Input)
		bad  []string
	}{
		{"valid percent", func(*Input) {}, nil},
		{"valid fixed", func(in *Input) { in.PercentOffBP, in.AmountOff = nil, &catalog.Money{Amount: 500, Currency: "eur"} }, nil},
		{"unlock only", func(in *Input) { in.PercentOffBP, in.UnlocksHidden = nil, true }, nil},
		{"neither discount nor unlock", func(in *Input) { in.PercentOffBP = nil }, []string{"percent_off_bp"}},
		{"both discounts", func(in *Input) { in.AmountOff = &catalog.Money{Amount: 1, Currency: "EUR"} }, []string{"percent_off_bp"}},
		{"zero percent", func(in *Input) { in.PercentOffBP = ptr(int64(0)) }, []string{"percent_off_bp"}},
		{"over 100 %", func(in *Input) { in.PercentOffBP = ptr(int64(10001)) }, []string{"percent_off_bp"}},
		{"fixed zero", func(in *Input) { in.PercentOffBP, in.AmountOff = nil, &catalog.Money{Amount: 0, Currency: "EUR"} }, []string{"amount_off.amount"}},
		{"fixed other currency", func(in *Input) { in.PercentOffBP, in.AmountOff = nil, &catalog.Money{Amount: 5, Currency: "USD"} }, []string{"amount_off.currency"}},
		{"bad code", func(in *Input) { in.Code = "a b" }, []string{"code"}},
		{"negative max uses", func(in *Input) { in.MaxUses = -1 }, []string{"max_uses"}},
		{"window", func(in *Input) { in.ValidFrom, in.ValidUntil = "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z" }, nil},
		{"window reversed", func(in *Input) { in.ValidFrom, in.ValidUntil = "2027-02-01T00:00:00Z", "2027-01-01T00:00:00Z" }, []string{"valid_until"}},
		{"bad time", func(in *Input) { in.ValidFrom = "soon" }, []string{"valid_from"}},
		{"own types", func(in *Input) { in.TicketTypeIDs = []string{"vip", "crew"} }, nil},
		{"foreign type", func(in *Input) { in.TicketTypeIDs = []string{"vip", "other"} }, []string{"ticket_type_ids[1]"}},
		{"type twice", func(in *Input) { in.TicketTypeIDs = []string{"vip", "vip"} }, []string{"ticket_type_ids[1]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok()
			c.edit(&in)
			_, err := in.Build(event, now)
			if got := fieldsOf(t, err); !sameKeys(got, c.bad) {
				t.Fatalf("fields = %v, want %v", got, c.bad)
			}
		})
	}
	c, err := ok().Build(event, now)
	if err != nil || c.Code != "EARLY-BIRD" || c.Kind != Percent || c.BasisPoints != 1500 || c.Version != 1 || c.Uses != 0 || c.EventID != "e" {
		t.Fatalf("code = %+v, %v", c, err)
	}
}

func TestPatch(t *testing.T) {
	base := Code{EventID: "e", Code: "EARLY", Kind: Percent, BasisPoints: 1000, MaxUses: 10, Uses: 6, Version: 2}
	cases := []struct {
		name  string
		patch Patch
		bad   []string
		check func(Code) bool
	}{
		{"raise max uses", Patch{MaxUses: ptr(int64(20))}, nil, func(c Code) bool { return c.MaxUses == 20 }},
		{"max uses down to the uses made", Patch{MaxUses: ptr(int64(6))}, nil, func(c Code) bool { return c.MaxUses == 6 }},
		{"max uses below the uses made", Patch{MaxUses: ptr(int64(5))}, []string{"max_uses"}, nil},
		{"unlimited", Patch{MaxUses: ptr(int64(0))}, nil, func(c Code) bool { return c.MaxUses == 0 }},
		{"to fixed", Patch{AmountOff: &catalog.Money{Amount: 300, Currency: "EUR"}}, nil, func(c Code) bool {
			return c.Kind == Fixed && c.BasisPoints == 0 && c.Amount.Amount == 300
		}},
		{"clear the window", Patch{ValidUntil: ptr("")}, nil, func(c Code) bool { return c.ValidUntil == nil }},
		{"foreign type", Patch{TicketTypeIDs: &[]string{"nope"}}, []string{"ticket_type_ids[0]"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.patch.Apply(base, event, now)
			if f := fieldsOf(t, err); !sameKeys(f, c.bad) {
				t.Fatalf("fields = %v, want %v", f, c.bad)
			}
			if c.check != nil && !c.check(got) {
				t.Fatalf("patched = %+v", got)
			}
		})
	}
	if _, err := (Patch{}).Apply(base, event, now); !fault.Is(err, fault.Validation) {
		t.Fatalf("empty patch: %v", err)
	}
}
