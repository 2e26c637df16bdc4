package waitroom

import (
	"testing"
	"time"
)

func TestStep(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	base := StepInput{Now: t0.Add(time.Second), Last: t0, Serving: 1000, Numbered: 100_000, Rate: 500, Remaining: -1, PerBuyer: 2}
	with := func(f func(*StepInput)) StepInput { in := base; f(&in); return in }
	tests := []struct {
		name string
		in   StepInput
		want StepResult
	}{
		{"one second at the rate", base, StepResult{Serving: 1500, Admitted: 500, Reason: Advanced}},
		{"first step admits one second", with(func(in *StepInput) { in.Last = time.Time{} }), StepResult{Serving: 1500, Admitted: 500, Reason: Advanced}},
		{"half a second", with(func(in *StepInput) { in.Now = t0.Add(500 * time.Millisecond) }), StepResult{Serving: 1250, Admitted: 250, Reason: Advanced}},
		{"a 30 s outage admits one second, not thirty", with(func(in *StepInput) { in.Now = t0.Add(30 * time.Second) }),
			StepResult{Serving: 1500, Admitted: 500, Reason: Advanced}},
		{"clock went back", with(func(in *StepInput) { in.Now = t0.Add(-time.Second) }), StepResult{Serving: 1000, Reason: Idle}},
		{"fractions carry over", with(func(in *StepInput) { in.Rate, in.Now, in.Carry = 3, t0.Add(250*time.Millisecond), 0.5 }),
			StepResult{Serving: 1001, Admitted: 1, Carry: 0.25, Reason: Advanced}},
		{"never past the numbered tail", with(func(in *StepInput) { in.Numbered = 1200 }), StepResult{Serving: 1200, Admitted: 200, Reason: CaughtUp}},
		{"nobody new", with(func(in *StepInput) { in.Numbered = 1000 }), StepResult{Serving: 1000, Reason: CaughtUp}},
		{"sold out pauses", with(func(in *StepInput) { in.SoldOut = true }), StepResult{Serving: 1000, Reason: SoldOut}},
		{"no seats left pauses", with(func(in *StepInput) { in.Remaining = 0 }), StepResult{Serving: 1000, Reason: SoldOut}},
		{"throttling pauses", with(func(in *StepInput) { in.Throttled, in.Carry = true, 0.9 }), StepResult{Serving: 1000, Reason: Throttled}},
		{"rate 0 admits nothing", with(func(in *StepInput) { in.Rate = 0 }), StepResult{Serving: 1000, Reason: Disabled}},
		// 100 seats at 2 a buyer serve 50 buyers; twice that may be active, 80 already are.
		{"near the end, capped by the seats left", with(func(in *StepInput) { in.Remaining, in.Active = 100, 80 }),
			StepResult{Serving: 1020, Admitted: 20, Reason: Capped}},
		{"capped to nothing while enough buyers are active", with(func(in *StepInput) { in.Remaining, in.Active = 100, 250 }),
			StepResult{Serving: 1000, Reason: Capped}},
		{"plenty of seats: the rate decides", with(func(in *StepInput) { in.Remaining, in.Active = 10_000, 3000 }),
			StepResult{Serving: 1500, Admitted: 500, Reason: Advanced}},
		{"over-admission set", with(func(in *StepInput) { in.Remaining, in.Active, in.OverAdmit = 100, 0, 1 }),
			StepResult{Serving: 1050, Admitted: 50, Reason: Capped}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Step(tt.in)
			if got.Serving != tt.want.Serving || got.Admitted != tt.want.Admitted || got.Reason != tt.want.Reason ||
				got.Carry < tt.want.Carry-1e-9 || got.Carry > tt.want.Carry+1e-9 {
				t.Fatalf("Step = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestAdmissionNeverStalls runs the admitter for an hour of one-second steps with 10
// seats left and buyers who are admitted but never reserve (abandoned tabs). Their
// tokens lapse after the TTL, which frees their place in the count of active buyers, so
// admission goes on in waves instead of stopping for good (the AWS solution's failure).
func TestAdmissionNeverStalls(t *testing.T) {
	const ttl = 600 * time.Second
	t0 := time.Unix(1_800_000_000, 0)
	var log Log
	in := StepInput{Serving: 0, Numbered: 1_000_000, Rate: 1000, Remaining: 10, PerBuyer: 1}
	last := time.Time{}
	waves := 0
	for s := range 3600 {
		now := t0.Add(time.Duration(s) * time.Second)
		in.Now, in.Last = now, last
		in.Active = log.Active(now, ttl, in.Serving, 0) // nobody reserves
		r := Step(in)
		if r.Admitted > 0 {
			waves++
		}
		if r.Admitted > int64(in.Rate) {
			t.Fatalf("second %d admitted %d at a rate of %d", s, r.Admitted, in.Rate)
		}
		in.Serving, in.Carry, last = r.Serving, r.Carry, now
		log = log.Append(Mark{At: now, Serving: in.Serving}, ttl)
	}
	// 20 buyers may be active (10 seats x 2); each wave lasts until their tokens lapse.
	if in.Serving != 20*6 || waves != 6 {
		t.Fatalf("after an hour: serving %d in %d waves, want 120 in 6 (one per TTL)", in.Serving, waves)
	}
}

func TestLog(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	var l Log
	for s, serving := range []int64{0, 100, 200, 200, 300} {
		l = l.Append(Mark{At: t0.Add(time.Duration(s) * time.Second), Serving: serving}, time.Hour)
	}
	if len(l) != 4 {
		t.Fatalf("marks that do not move the serving position are not kept: %v", l)
	}
	tests := []struct {
		pos int64
		at  time.Duration
		ok  bool
	}{{1, time.Second, true}, {100, time.Second, true}, {101, 2 * time.Second, true}, {300, 4 * time.Second, true}, {301, 0, false}, {0, 0, false}}
	for _, tt := range tests {
		at, ok := l.AdmittedAt(tt.pos)
		if ok != tt.ok || (ok && !at.Equal(t0.Add(tt.at))) {
			t.Errorf("AdmittedAt(%d) = %v, %v; want +%v, %v", tt.pos, at, ok, tt.at, tt.ok)
		}
	}
	if l.ServingAt(t0.Add(2500*time.Millisecond)) != 200 || l.ServingAt(t0.Add(-time.Second)) != 0 {
		t.Fatal("ServingAt")
	}
	l = l.Append(Mark{At: t0.Add(5 * time.Second), Serving: 300, Reserved: 40}, time.Hour)
	activeTests := []struct {
		now               time.Duration
		ttl               time.Duration
		serving, reserved int64
		want              int64
	}{
		{6 * time.Second, time.Hour, 300, 40, 260},      // everyone admitted is in the window
		{6 * time.Second, 4 * time.Second, 300, 40, 60}, // 200 admitted by +2 s lapsed; 40 of the rest reserved
		{6 * time.Second, time.Second, 300, 40, 0},      // nobody admitted in the last second
		{6 * time.Second, time.Second, 300, 500, 0},     // repeat buyers never make it negative
	}
	for _, tt := range activeTests {
		if got := l.Active(t0.Add(tt.now), tt.ttl, tt.serving, tt.reserved); got != tt.want {
			t.Errorf("Active(+%v, ttl %v) = %d, want %d", tt.now, tt.ttl, got, tt.want)
		}
	}
	// Trimming keeps one mark before the window: positions admitted earlier read as old
	// enough to have lapsed.
	l = l.Append(Mark{At: t0.Add(2 * time.Hour), Serving: 400}, time.Hour)
	if len(l) != 2 || l[0].Serving != 300 || l[0].Reserved != 40 {
		t.Fatalf("trimmed log %v", l)
	}
	if at, ok := l.AdmittedAt(1); !ok || t0.Add(2*time.Hour).Sub(at) < time.Hour {
		t.Fatalf("an old position reads as admitted at %v", at)
	}
}

func TestThrottling(t *testing.T) {
	for _, c := range []struct {
		retries, reservations float64
		want                  bool
	}{
		{0, 0, false}, {5, 10, false}, // too few to tell
		{1, 100, false}, {5, 100, false}, {6, 100, true}, {500, 1000, true},
	} {
		if got := Throttling(c.retries, c.reservations); got != c.want {
			t.Errorf("Throttling(%v, %v) = %v, want %v", c.retries, c.reservations, got, c.want)
		}
	}
}

func TestSealDue(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cfg := Config{AdmissionPerSecond: 10}
	for _, c := range []struct {
		name          string
		sealedThrough int64
		numbered      int64
		dry           bool
		since         time.Duration // since the last seal
		want          bool
	}{
		{"the pre-queue is sealed at once", -1, 0, false, 0, true},
		{"admission near the numbered end", 100, 110, false, time.Second, true},
		{"far ahead of admission", 100, 500, false, time.Second, false},
		{"far ahead, but SealEvery passed", 100, 500, false, SealEvery, true},
		{"line served and the last seal found nobody", 100, 100, true, time.Second, false},
		{"line served, nobody found, SealEvery passed", 100, 100, true, SealEvery, true},
	} {
		r := &roomRun{dry: c.dry, sealed: now.Add(-c.since)}
		st := Serving{SealedThrough: c.sealedThrough, Numbered: c.numbered, Serving: 100}
		if got := r.sealDue(st, cfg, now); got != c.want {
			t.Errorf("%s: sealDue = %v, want %v", c.name, got, c.want)
		}
	}
}
