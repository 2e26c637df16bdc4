// Package load runs the classic on-sale scenarios against any base URL (the local stack
// or a deployed stage): an admin creates and publishes an event, then one distinct user
// per buyer, each with their own token, tries to book at the same instant. It measures
// what buyers saw and checks through the admin API (stats and the bookings list) that
// nothing was oversold and the seat invariant holds.
package load

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
)

// Tokens issues an access token for a user id (created on first use), as an admin or not.
type Tokens interface {
	Token(ctx context.Context, user string, admin bool) (string, error)
}

// Scenario is one on-sale.
type Scenario struct {
	Name       string `json:"name"`
	Capacity   int    `json:"capacity"`
	Buyers     int    `json:"buyers"`
	MaxWant    int    `json:"max_want"`    // buyers want 1..MaxWant seats (1: one each)
	AdminEdits bool   `json:"admin_edits"` // an admin PATCHes the event (If-Match) during the storm
}

// Want is how many seats buyer i asks for: spread evenly over 1..MaxWant, so runs are
// comparable.
func (s Scenario) Want(i int) int {
	if s.MaxWant <= 1 {
		return 1
	}
	return 1 + i%s.MaxWant
}

// Demand is the seats all buyers want together.
func (s Scenario) Demand() int {
	d := 0
	for i := range s.Buyers {
		d += s.Want(i)
	}
	return d
}

// Classic are the scenarios.
var Classic = []Scenario{
	{Name: "10 buyers -> 1 seat", Capacity: 1, Buyers: 10, MaxWant: 1},
	{Name: "300 buyers -> 10 seats", Capacity: 10, Buyers: 300, MaxWant: 1},
	{Name: "300 buyers -> 299 seats", Capacity: 299, Buyers: 300, MaxWant: 1},
	{Name: "300 buyers want 1-4 -> 500 seats", Capacity: 500, Buyers: 300, MaxWant: 4},
	{Name: "300 -> 299 with admin edits", Capacity: 299, Buyers: 300, MaxWant: 1, AdminEdits: true},
}

// Options configure a run.
type Options struct {
	BaseURL  string
	Tokens   Tokens
	HTTP     *http.Client
	Progress io.Writer // one line a second while a storm runs; nil for quiet
	// TokenWorkers bounds how many tokens are fetched at once before a storm.
	TokenWorkers int
	// JoinWaitlist lets sold-out buyers join the waitlist (the API's default); off, the
	// run measures the booking core alone.
	JoinWaitlist bool
}

// Latency summarises request latencies in milliseconds.
type Latency struct {
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Result is what one scenario did.
type Result struct {
	Scenario      Scenario       `json:"scenario"`
	EventID       string         `json:"event_id"`
	Requests      int            `json:"requests"`
	Winners       int            `json:"winners"`
	SeatsWon      int            `json:"seats_won"`
	SoldOut       int            `json:"sold_out"`
	LimitExceeded int            `json:"limit_exceeded"`
	OtherErrors   map[string]int `json:"other_errors"`
	Latency       Latency        `json:"latency"`
	DurationSec   float64        `json:"duration_s"`
	Throughput    float64        `json:"throughput_rps"`
	Stats         booking.Stats  `json:"stats"`
	Listed        int            `json:"bookings_listed"`
	Expected      int            `json:"expected_seats"` // min(demand, capacity)
	Exact         bool           `json:"exact"`          // every buyer who could be served was
	Oversold      bool           `json:"oversold"`
	Violations    []string       `json:"invariant_violations"`
	AdminEdits    int            `json:"admin_edits"`
	AdminRetries  int            `json:"admin_edit_conflicts"`
	refused       []int          // quantities of buyers told sold_out
}

// OK reports whether the scenario met the bar: exact sales, no oversell, no errors other
// than sold_out and limit_exceeded, and the invariant intact.
func (r Result) OK() bool {
	return r.Exact && !r.Oversold && len(r.OtherErrors) == 0 && len(r.Violations) == 0
}

type api struct {
	base string
	http *http.Client
}

type reply struct {
	status  int
	body    []byte
	headers http.Header
	latency time.Duration
}

func (a api) do(ctx context.Context, method, path, token string, headers map[string]string, body any) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.base, "/")+path, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := a.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: b, headers: resp.Header, latency: time.Since(start)}, err
}

func (a api) json(ctx context.Context, method, path, token string, headers map[string]string, body, out any, want int) (reply, error) {
	r, err := a.do(ctx, method, path, token, headers, body)
	if err != nil {
		return r, err
	}
	if r.status != want {
		return r, fmt.Errorf("%s %s: %d %s", method, path, r.status, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			return r, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return r, nil
}

func errorCode(body []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e) // a body that is not an error object has no code
	return e.Error.Code
}

func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Run plays each scenario in turn.
func Run(ctx context.Context, o Options, scenarios []Scenario) ([]Result, error) {
	a, admin, run, err := prepare(ctx, &o)
	if err != nil {
		return nil, err
	}
	var results []Result
	for n, s := range scenarios {
		r, err := runScenario(ctx, a, o, admin, fmt.Sprintf("%s-%d", run, n), s)
		if err != nil {
			return results, fmt.Errorf("%s: %w", s.Name, err)
		}
		results = append(results, r)
		if o.Progress != nil {
			PrintTable(o.Progress, []Result{r})
		}
	}
	return results, nil
}

func runScenario(ctx context.Context, a api, o Options, admin, tag string, s Scenario) (Result, error) {
	res := Result{Scenario: s, OtherErrors: map[string]int{}}
	eventID, err := setUp(ctx, a, admin, tag, s)
	if err != nil {
		return res, err
	}
	res.EventID = eventID
	tokens, err := buyerTokens(ctx, o, tag, s.Buyers)
	if err != nil {
		return res, err
	}

	var (
		mu        sync.Mutex
		latencies []time.Duration
		done      atomic.Int64
		won       atomic.Int64
		wg        sync.WaitGroup
		start     = make(chan struct{})
		stormOver = make(chan struct{})
	)
	record := func(q int, r reply, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Requests++
		switch {
		case err != nil:
			res.OtherErrors["transport"]++
			return
		case r.status == http.StatusCreated:
			res.Winners++
			res.SeatsWon += q
			won.Add(int64(q))
		default:
			code := errorCode(r.body)
			switch code {
			case "sold_out":
				res.SoldOut++
				res.refused = append(res.refused, q)
			case "limit_exceeded":
				res.LimitExceeded++
			case "":
				res.OtherErrors[strconv.Itoa(r.status)]++
			default:
				res.OtherErrors[code]++
			}
		}
		latencies = append(latencies, r.latency)
	}
	for i := range s.Buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer done.Add(1)
			q := s.Want(i)
			<-start
			r, err := a.do(ctx, http.MethodPost, "/events/"+eventID+"/bookings", tokens[i],
				map[string]string{"Idempotency-Key": "load-" + tag + "-" + strconv.Itoa(i)}, map[string]any{"quantity": q, "waitlist": o.JoinWaitlist})
			record(q, r, err)
		}()
	}
	var edits sync.WaitGroup
	if s.AdminEdits {
		edits.Add(1)
		go func() {
			defer edits.Done()
			res.AdminEdits, res.AdminRetries = editDuringStorm(ctx, a, admin, eventID, stormOver)
		}()
	}
	began := time.Now()
	close(start)
	stopProgress := progress(o.Progress, s, &done, &won, began)
	wg.Wait()
	close(stormOver)
	edits.Wait()
	stopProgress()
	res.DurationSec = time.Since(began).Seconds()
	if res.DurationSec > 0 {
		res.Throughput = float64(res.Requests) / res.DurationSec
	}
	res.Latency = Summarise(latencies)
	return res, check(ctx, a, admin, &res)
}

// setUp creates a venue and an event of the scenario's capacity and publishes it.
func setUp(ctx context.Context, a api, admin, tag string, s Scenario) (string, error) {
	venueID, err := createVenue(ctx, a, admin, tag, "Load Arena ", max(s.Capacity, 1))
	if err != nil {
		return "", err
	}
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	var ev struct {
		ID      string `json:"event_id"`
		Version int64  `json:"version"`
	}
	maxWant := max(s.MaxWant, 1)
	if _, err := a.json(ctx, http.MethodPost, "/admin/events", admin, map[string]string{"Idempotency-Key": "event-" + tag},
		map[string]any{"name": "On-sale " + s.Name + " " + tag, "category": "live-music", "venue_id": venueID,
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(3 * time.Hour).Format(time.RFC3339),
			"capacity": s.Capacity, "price": map[string]any{"amount": 2500, "currency": "USD"}, "max_tickets_per_booking": maxWant},
		&ev, http.StatusCreated); err != nil {
		return "", err
	}
	if _, err := a.json(ctx, http.MethodPost, "/admin/events/"+ev.ID+"/publish", admin,
		map[string]string{"If-Match": strconv.Quote(strconv.FormatInt(max(ev.Version, 1), 10))}, nil, nil, http.StatusOK); err != nil {
		return "", err
	}
	return ev.ID, nil
}

func buyerTokens(ctx context.Context, o Options, tag string, n int) ([]string, error) {
	tokens := make([]string, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, o.TokenWorkers)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t, err := o.Tokens.Token(ctx, fmt.Sprintf("buyer-%s-%d", tag, i), false)
			if err != nil {
				errs <- err
				return
			}
			tokens[i] = t
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("buyer tokens: %w", err)
	}
	return tokens, nil
}

// editDuringStorm edits the event over and over as an admin would: read the ETag, PATCH
// with If-Match, and on 412 read again. Every reservation bumps the event's version, so
// an edit can keep losing while the storm lasts; it goes on after the storm until one
// lands (at most maxEditTries more), so the check afterwards sees an edited event. It
// returns edits landed and conflicts met.
func editDuringStorm(ctx context.Context, a api, admin, eventID string, over <-chan struct{}) (edits, conflicts int) {
	const maxEditTries = 20
	after := 0
	for n := 0; ; n++ {
		select {
		case <-over:
			if edits > 0 || after >= maxEditTries {
				return edits, conflicts
			}
			after++
		default:
		}
		if ctx.Err() != nil {
			return edits, conflicts
		}
		got, err := a.do(ctx, http.MethodGet, "/admin/events/"+eventID, admin, nil, nil)
		if err != nil || got.status != http.StatusOK {
			continue
		}
		r, err := a.do(ctx, http.MethodPatch, "/admin/events/"+eventID, admin,
			map[string]string{"If-Match": got.headers.Get("ETag")}, map[string]string{"description": "Edited during the on-sale, pass " + strconv.Itoa(n)})
		switch {
		case err != nil:
		case r.status == http.StatusOK:
			edits++
		case r.status == http.StatusPreconditionFailed:
			conflicts++
		}
	}
}

// check reads the admin stats and every booking of the event and judges the run.
func check(ctx context.Context, a api, admin string, r *Result) error {
	if _, err := a.json(ctx, http.MethodGet, "/admin/events/"+r.EventID+"/stats", admin, nil, nil, &r.Stats, http.StatusOK); err != nil {
		return err
	}
	var all []booking.Booking
	cursor := ""
	for {
		var page struct {
			Items []struct {
				Status   booking.Status `json:"status"`
				Quantity int            `json:"quantity"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		path := "/admin/events/" + r.EventID + "/bookings?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if _, err := a.json(ctx, http.MethodGet, path, admin, nil, nil, &page, http.StatusOK); err != nil {
			return err
		}
		for _, b := range page.Items {
			all = append(all, booking.Booking{Status: b.Status, Quantity: b.Quantity})
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	r.Listed = len(all)
	st := r.Stats
	r.Violations = booking.CheckInvariant(booking.Counters{Capacity: st.Capacity, Available: st.Available, Held: st.Held, Sold: st.Sold, Offering: st.Offering}, all)
	r.Oversold = st.Held+st.Sold > st.Capacity || st.Available < 0 || int64(r.SeatsWon) > st.Capacity
	r.Expected = min(r.Scenario.Demand(), r.Scenario.Capacity)
	// Seats only go down during a storm, so the sale was exact when every buyer turned
	// away wanted more than is left at the end (with one seat each: seats sold =
	// min(demand, capacity)), and what buyers were told matches the table.
	r.Exact = int64(r.SeatsWon) == st.Held+st.Sold && r.Winners == len(all)
	for _, q := range r.refused {
		if int64(q) <= st.Available {
			r.Exact = false
		}
	}
	return nil
}

// Summarise gives nearest-rank percentiles of latencies in milliseconds.
func Summarise(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rank := func(p float64) time.Duration {
		i := int(float64(len(s))*p+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return Latency{P50: ms(rank(0.50)), P95: ms(rank(0.95)), P99: ms(rank(0.99)), Max: ms(s[len(s)-1])}
}

func progress(w io.Writer, s Scenario, done, won *atomic.Int64, began time.Time) (stop func()) {
	if w == nil {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprintf(w, "  %-36s %4d/%d answered, %d seats won, %.1fs\n", s.Name, done.Load(), s.Buyers, won.Load(), time.Since(began).Seconds())
				return
			case <-tick.C:
				fmt.Fprintf(w, "  %-36s %4d/%d answered, %d seats won, %.1fs\n", s.Name, done.Load(), s.Buyers, won.Load(), time.Since(began).Seconds())
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

// PrintTable writes one row per result.
func PrintTable(w io.Writer, results []Result) {
	fmt.Fprintf(w, "%-34s %5s %7s %6s %8s %6s %-14s %9s %7s %7s %7s %7s %7s %-6s %-5s\n",
		"scenario", "reqs", "winners", "seats", "sold_out", "limit", "other errors", "sold/cap", "p50ms", "p95ms", "p99ms", "maxms", "req/s", "oversl", "ok")
	for _, r := range results {
		other := "-"
		if len(r.OtherErrors) > 0 {
			var parts []string
			for k, v := range r.OtherErrors {
				parts = append(parts, fmt.Sprintf("%s:%d", k, v))
			}
			sort.Strings(parts)
			other = strings.Join(parts, ",")
		}
		fmt.Fprintf(w, "%-34s %5d %7d %6d %8d %6d %-14s %9s %7.1f %7.1f %7.1f %7.1f %7.1f %-6v %-5v\n",
			r.Scenario.Name, r.Requests, r.Winners, r.SeatsWon, r.SoldOut, r.LimitExceeded, other,
			fmt.Sprintf("%d/%d", r.Stats.Held+r.Stats.Sold, r.Stats.Capacity),
			r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.Max, r.Throughput, r.Oversold, r.OK())
		if r.Scenario.AdminEdits {
			fmt.Fprintf(w, "%-34s admin edits landed %d, 412 conflicts %d\n", "", r.AdminEdits, r.AdminRetries)
		}
		for _, v := range r.Violations {
			fmt.Fprintf(w, "%-34s INVARIANT: %s\n", "", v)
		}
	}
}

// createVenue makes the venue a scenario's event is held in (idempotent by tag).
func createVenue(ctx context.Context, a api, admin, tag, name string, capacity int) (string, error) {
	var venue struct {
		ID string `json:"venue_id"`
	}
	_, err := a.json(ctx, http.MethodPost, "/admin/venues", admin, map[string]string{"Idempotency-Key": "venue-" + tag},
		map[string]any{"name": name + tag, "address": "1 Load St", "city": "Austin", "country": "US", "capacity": capacity},
		&venue, http.StatusCreated)
	return venue.ID, err
}
