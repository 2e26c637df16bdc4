package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// Expression is a parsed EventBridge schedule: rate(...) or cron(...).
type Expression struct {
	every time.Duration // rate; zero for cron
	cron  *cronSpec
}

// ParseExpression parses "rate(5 minutes)" or "cron(0/5 * * * ? *)" (EventBridge's six
// fields: minutes hours day-of-month month day-of-week year, in UTC).
func ParseExpression(s string) (Expression, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "rate(") && strings.HasSuffix(s, ")"):
		f := strings.Fields(s[5 : len(s)-1])
		if len(f) != 2 {
			return Expression{}, fmt.Errorf("%q: want rate(<n> <unit>)", s)
		}
		n, err := strconv.Atoi(f[0])
		if err != nil || n <= 0 {
			return Expression{}, fmt.Errorf("%q: rate must be a positive integer", s)
		}
		unit := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour,
			"hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}[f[1]]
		if unit == 0 || (n == 1) != !strings.HasSuffix(f[1], "s") {
			return Expression{}, fmt.Errorf("%q: unit must be minute(s), hour(s) or day(s), singular only for 1", s)
		}
		return Expression{every: time.Duration(n) * unit}, nil
	case strings.HasPrefix(s, "cron(") && strings.HasSuffix(s, ")"):
		c, err := parseCron(s[5 : len(s)-1])
		if err != nil {
			return Expression{}, fmt.Errorf("%q: %w", s, err)
		}
		return Expression{cron: c}, nil
	}
	return Expression{}, fmt.Errorf("%q is neither rate(...) nor cron(...)", s)
}

// Next returns the first firing time after t (rates fire every period from start).
func (e Expression) Next(start, t time.Time) time.Time {
	if e.every > 0 {
		n := t.Sub(start)/e.every + 1
		return start.Add(n * e.every)
	}
	return e.cron.next(t.UTC())
}

// cronSpec holds the allowed values of each field.
type cronSpec struct {
	minute, hour, dom, month, dow, year map[int]bool
	anyDOM, anyDOW                      bool
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

func parseCron(s string) (*cronSpec, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron needs 6 fields, got %d", len(f))
	}
	c := &cronSpec{}
	var err error
	fields := []struct {
		dst     *map[int]bool
		lo, hi  int
		names   map[string]int
		anyFlag *bool
		src     string
		label   string
	}{
		{&c.minute, 0, 59, nil, nil, f[0], "minutes"},
		{&c.hour, 0, 23, nil, nil, f[1], "hours"},
		{&c.dom, 1, 31, nil, &c.anyDOM, f[2], "day-of-month"},
		{&c.month, 1, 12, monthNames, nil, f[3], "month"},
		{&c.dow, 1, 7, dayNames, &c.anyDOW, f[4], "day-of-week"},
		{&c.year, 1970, 2199, nil, nil, f[5], "year"},
	}
	for _, fd := range fields {
		if fd.src == "?" || fd.src == "*" {
			if fd.anyFlag != nil {
				*fd.anyFlag = true
			}
		}
		if *fd.dst, err = parseField(fd.src, fd.lo, fd.hi, fd.names); err != nil {
			return nil, fmt.Errorf("%s: %w", fd.label, err)
		}
	}
	if f[2] != "?" && f[4] != "?" {
		return nil, fmt.Errorf("one of day-of-month and day-of-week must be ?")
	}
	return c, nil
}

func parseField(s string, lo, hi int, names map[string]int) (map[int]bool, error) {
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			var err error
			if step, err = strconv.Atoi(stepStr); err != nil || step <= 0 {
				return nil, fmt.Errorf("bad step %q", stepStr)
			}
		}
		from, to := lo, hi
		switch {
		case rng == "*" || rng == "?":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err1, err2 error
			from, err1 = value(a, names)
			to, err2 = value(b, names)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("bad range %q", rng)
			}
		default:
			v, err := value(rng, names)
			if err != nil {
				return nil, err
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		if from < lo || to > hi || from > to {
			return nil, fmt.Errorf("%q outside %d-%d", part, lo, hi)
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	return set, nil
}

func value(s string, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not supported locally (L, W and # are not)", s)
	}
	return v, nil
}

func (c *cronSpec) next(t time.Time) time.Time {
	t = t.Truncate(time.Minute).Add(time.Minute)
	// Five years of minutes bounds the search; a spec that never fires returns zero.
	for limit := t.AddDate(5, 0, 0); t.Before(limit); {
		switch {
		case !c.year[t.Year()]:
			t = time.Date(t.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
		case !c.month[int(t.Month())]:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !c.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case !c.hour[t.Hour()]:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, time.UTC)
		case !c.minute[t.Minute()]:
			t = t.Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

func (c *cronSpec) dayMatches(t time.Time) bool {
	dom := c.anyDOM || c.dom[t.Day()]
	dow := c.anyDOW || c.dow[int(t.Weekday())+1]
	return dom && dow
}

// Schedule invokes a function on its schedule with the event EventBridge sends.
type Schedule struct {
	Function string
	Rule     template.ScheduleEvent
	Invoker  Invoker
	Log      io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Run fires the schedule until ctx ends.
func (s *Schedule) Run(ctx context.Context) error {
	expr, err := ParseExpression(s.Rule.Expression)
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	start := now()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		at := expr.Next(start, now())
		if at.IsZero() {
			return fmt.Errorf("schedule %s never fires", s.Rule.Expression)
		}
		t := time.NewTimer(time.Until(at))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		payload, err := s.Payload(at)
		if err != nil {
			return err
		}
		// EventBridge fires on time whether or not the last invocation has ended: a
		// function that runs longer than its rate (the waiting room's admitter, 90 s on
		// rate(1 minute)) overlaps the next one, and relies on it.
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Invoker.Invoke(ctx, payload)
			switch {
			case ctx.Err() != nil:
				// stopping cut the invocation short; not the function's failure
			case err != nil:
				fmt.Fprintf(s.Log, "schedule %s -> %s: %v\n", s.Rule.RuleName, s.Function, err)
			case res.FunctionError != "":
				fmt.Fprintf(s.Log, "schedule %s -> %s: function error: %s\n", s.Rule.RuleName, s.Function, res.Payload)
			}
		}()
	}
}

// Payload is what the rule delivers at time at: the rule's Input when it has one,
// otherwise a "Scheduled Event".
func (s *Schedule) Payload(at time.Time) ([]byte, error) {
	if s.Rule.Input != "" {
		return []byte(s.Rule.Input), nil
	}
	return json.Marshal(events.EventBridgeEvent{
		Version:    "0",
		ID:         runtimeID(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  template.AccountID,
		Time:       at.UTC().Truncate(time.Second),
		Region:     template.Region,
		Resources:  []string{template.ARN("events", "rule/"+s.Rule.RuleName)},
		Detail:     json.RawMessage("{}"),
	})
}
