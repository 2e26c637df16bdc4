package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Stadium is the waiting room's on-sale: distinct buyers join the pre-queue before the
// sale, poll queue/me as a client would (retry_after, 0-20 % jitter) until they are
// admitted or told the event sold out, then reserve one seat with their admission token
// and confirm it.
type Stadium struct {
	Buyers             int           `json:"buyers"`
	Capacity           int           `json:"capacity"`
	AdmissionPerSecond int           `json:"admission_per_second"`
	JoinLead           time.Duration `json:"join_lead_ns"` // sale start this long after the joins begin
	// MaxPoll caps a client's wait between polls, so a local run does not sit out a
	// 300 s pre-queue retry_after; 0 obeys retry_after.
	MaxPoll time.Duration `json:"max_poll_ns"`
	// Workers bounds requests in flight over all buyers; 0 leaves each buyer its own
	// client, one request at a time, as real buyers are: a shared bound makes buyers
	// wait on each other's polls, so admitted buyers reserve late and see the line late.
	Workers int `json:"workers"`
	// Timeout ends the polling this long after the sale start.
	Timeout time.Duration `json:"timeout_ns"`
}

// StadiumResult is what a stadium run measured.
type StadiumResult struct {
	Stadium    Stadium        `json:"stadium"`
	EventID    string         `json:"event_id"`
	OnSaleAt   time.Time      `json:"on_sale_at"`
	Joined     int            `json:"joined"`
	PreQueue   int            `json:"pre_queue"` // joins answered pre_queue
	Admitted   int            `json:"admitted"`
	NotServed  int            `json:"not_served"` // still waiting at the timeout
	Errors     map[string]int `json:"errors"`
	Join       Latency        `json:"join_latency"`
	Poll       Latency        `json:"poll_latency"`
	Polls      int            `json:"polls"`
	QueueWait  Latency        `json:"queue_wait"` // sale start -> admitted, as clients saw it
	Admission  []int          `json:"admission_per_second"`
	OutOfOrder int            `json:"out_of_order"` // admitted users seen admitted after a later position was
	Tokens     int            `json:"distinct_tokens"`
	Reserved   int            `json:"reserved"`
	Sold       int            `json:"sold"`
	// SoldOut counts buyers told nothing was left: by queue/me while waiting, or by a
	// reservation answered sold_out.
	SoldOut  int             `json:"told_sold_out"`
	Reserve  Latency         `json:"reservation_latency"`
	Confirm  Latency         `json:"confirmation_latency"`
	Timeline []StadiumSecond `json:"timeline"`
}

// StadiumSecond is the on-sale at one second since the sale start.
type StadiumSecond struct {
	T        int `json:"t"`
	Queue    int `json:"queue_length"` // joined, neither admitted nor told sold out
	Admitted int `json:"admitted"`
	Sold     int `json:"sold"`
}

type queueAnswer struct {
	State          string `json:"state"`
	Position       int64  `json:"position"`
	RetryAfter     int    `json:"retry_after"`
	QueuePass      string `json:"queue_pass"`
	AdmissionToken string `json:"admission_token"`
	SoldOut        bool   `json:"sold_out"`
}

// RunStadium plays the queue part of a stadium on-sale.
func RunStadium(ctx context.Context, o Options, s Stadium) (StadiumResult, error) {
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: max(512, s.Buyers)}}
	}
	if o.TokenWorkers <= 0 {
		o.TokenWorkers = 16
	}
	if s.Timeout <= 0 {
		s.Timeout = time.Duration(s.Buyers/max(s.AdmissionPerSecond, 1))*time.Second + 3*time.Minute
	}
	a := api{base: o.BaseURL, http: o.HTTP}
	tag := randomID()
	res := StadiumResult{Stadium: s, Errors: map[string]int{}}
	admin, err := o.Tokens.Token(ctx, "load-admin", true)
	if err != nil {
		return res, fmt.Errorf("admin token: %w", err)
	}
	tokens, err := buyerTokens(ctx, o, "stadium-"+tag, s.Buyers)
	if err != nil {
		return res, err
	}
	res.OnSaleAt = time.Now().Add(s.JoinLead).UTC().Truncate(time.Second).Add(time.Second)
	if res.EventID, err = setUpRoom(ctx, a, admin, tag, s, res.OnSaleAt); err != nil {
		return res, err
	}
	time.Sleep(1100 * time.Millisecond) // the queue functions cache the event for a second

	var (
		mu        sync.Mutex
		joins     []time.Duration
		polls     []time.Duration
		waits     []time.Duration
		admitted  = map[int64]time.Time{}
		distinct  = map[string]bool{}
		nAdmitted atomic.Int64
		nJoined   atomic.Int64
		nSold     atomic.Int64
		nGone     atomic.Int64 // told sold out while waiting
		reserves  []time.Duration
		confirms  []time.Duration
	)
	fail := func(what string) { mu.Lock(); res.Errors[what]++; mu.Unlock() }
	var sem chan struct{}
	if s.Workers > 0 {
		sem = make(chan struct{}, s.Workers)
	}
	acquire := func() {
		if sem != nil {
			sem <- struct{}{}
		}
	}
	release := func() {
		if sem != nil {
			<-sem
		}
	}
	request := func(method, path, token string, headers map[string]string, want ...int) (queueAnswer, time.Duration, bool) {
		acquire()
		r, err := a.do(ctx, method, path, token, headers, nil)
		release()
		if err != nil {
			fail("transport")
			return queueAnswer{}, 0, false
		}
		for _, w := range want {
			if r.status == w {
				var q queueAnswer
				if json.Unmarshal(r.body, &q) != nil {
					fail("bad_body")
					return q, r.latency, false
				}
				return q, r.latency, true
			}
		}
		fail(strconv.Itoa(r.status) + ":" + errorCode(r.body))
		return queueAnswer{}, r.latency, false
	}
	stop := stadiumProgress(o.Progress, s, &nJoined, &nAdmitted, &nSold, res.OnSaleAt)
	stopTimeline := sampleTimeline(&res.Timeline, &nJoined, &nAdmitted, &nGone, &nSold, res.OnSaleAt)
	deadline := res.OnSaleAt.Add(s.Timeout)
	var wg sync.WaitGroup
	for _, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/events/" + res.EventID + "/queue"
			q, d, ok := request(http.MethodPost, path, tok, nil, http.StatusCreated)
			if !ok {
				return
			}
			nJoined.Add(1)
			mu.Lock()
			joins = append(joins, d)
			res.Joined++
			if q.State == "pre_queue" {
				res.PreQueue++
			}
			mu.Unlock()
			for q.State != "admitted" {
				if q.SoldOut && q.State == "waiting" {
					nGone.Add(1)
					mu.Lock()
					res.SoldOut++
					mu.Unlock()
					return
				}
				wait := time.Duration(q.RetryAfter) * time.Second
				if s.MaxPoll > 0 {
					wait = min(wait, s.MaxPoll)
				}
				wait += time.Duration(rand.Float64() * 0.2 * float64(wait))
				if time.Now().Add(wait).After(deadline) || q.State == "expired" {
					mu.Lock()
					res.NotServed++
					mu.Unlock()
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
				next, d, ok := request(http.MethodGet, path+"/me", tok, map[string]string{"X-Queue-Pass": q.QueuePass}, http.StatusOK)
				mu.Lock()
				polls = append(polls, d)
				mu.Unlock()
				if ok {
					q = next
				}
			}
			now := time.Now()
			nAdmitted.Add(1)
			mu.Lock()
			admitted[q.Position] = now
			distinct[q.AdmissionToken] = true
			waits = append(waits, now.Sub(res.OnSaleAt))
			mu.Unlock()
			buy := func(method, path string, hdr map[string]string, body any) (reply, bool) {
				acquire()
				r, err := a.do(ctx, method, path, tok, hdr, body)
				release()
				if err != nil {
					fail("transport")
				}
				return r, err == nil
			}
			key := "stadium-" + tag + "-" + strconv.FormatInt(q.Position, 10)
			r, ok := buy(http.MethodPost, "/events/"+res.EventID+"/bookings",
				map[string]string{"Idempotency-Key": key, "X-Admission-Token": q.AdmissionToken}, map[string]any{"quantity": 1, "waitlist": false})
			if !ok {
				return
			}
			mu.Lock()
			reserves = append(reserves, r.latency)
			mu.Unlock()
			var held struct {
				ID string `json:"booking_id"`
			}
			switch {
			case r.status == http.StatusConflict && errorCode(r.body) == "sold_out":
				mu.Lock()
				res.SoldOut++
				mu.Unlock()
				return
			case r.status != http.StatusCreated || json.Unmarshal(r.body, &held) != nil:
				fail("reserve " + strconv.Itoa(r.status) + ":" + errorCode(r.body))
				return
			}
			mu.Lock()
			res.Reserved++
			mu.Unlock()
			c, ok := buy(http.MethodPost, "/bookings/"+held.ID+"/confirm", map[string]string{"Idempotency-Key": key + "-pay"},
				map[string]any{"payment_method": "pm_card_visa"})
			if !ok {
				return
			}
			mu.Lock()
			confirms = append(confirms, c.latency)
			mu.Unlock()
			if c.status != http.StatusOK {
				fail("confirm " + strconv.Itoa(c.status) + ":" + errorCode(c.body))
				return
			}
			nSold.Add(1)
		}()
	}
	wg.Wait()
	stop()
	stopTimeline()
	res.Sold = int(nSold.Load())
	res.Reserve, res.Confirm = Summarise(reserves), Summarise(confirms)
	res.Join, res.Poll, res.QueueWait, res.Polls = Summarise(joins), Summarise(polls), Summarise(waits), len(polls)
	res.Admitted, res.Tokens = len(admitted), len(distinct)
	res.Admission, res.OutOfOrder = admissionCurve(admitted, res.OnSaleAt, s.MaxPoll+time.Duration(res.Poll.Max*float64(time.Millisecond)))
	return res, ctx.Err()
}

// admissionCurve counts admissions per second since the sale start (as clients saw
// them), and the positions seen admitted later than some position behind them by more
// than a client's longest poll interval plus the slowest poll (clients learn of their
// turn up to one poll late, so only a wider gap means the line was served out of order).
func admissionCurve(at map[int64]time.Time, start time.Time, maxPoll time.Duration) ([]int, int) {
	var curve []int
	positions := make([]int64, 0, len(at))
	for p, t := range at {
		positions = append(positions, p)
		sec := max(int(t.Sub(start)/time.Second), 0)
		for len(curve) <= sec {
			curve = append(curve, 0)
		}
		curve[sec]++
	}
	if maxPoll <= 0 {
		maxPoll = 30 * time.Second
	}
	slack := maxPoll*6/5 + 2*time.Second
	sort.Slice(positions, func(i, j int) bool { return positions[i] < positions[j] })
	out := 0
	var earliestBehind time.Time
	for i := len(positions) - 1; i >= 0; i-- {
		t := at[positions[i]]
		if !earliestBehind.IsZero() && t.Sub(earliestBehind) > slack {
			out++
		}
		if earliestBehind.IsZero() || t.Before(earliestBehind) {
			earliestBehind = t
		}
	}
	return curve, out
}

// setUpRoom creates a venue and an event with a waiting room opening now and a sale at
// onSale, and publishes it.
func setUpRoom(ctx context.Context, a api, admin, tag string, s Stadium, onSale time.Time) (string, error) {
	venueID, err := createVenue(ctx, a, admin, tag, "Load Stadium ", max(s.Capacity, 1))
	if err != nil {
		return "", err
	}
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	var ev struct {
		ID      string `json:"event_id"`
		Version int64  `json:"version"`
	}
	if _, err := a.json(ctx, http.MethodPost, "/admin/events", admin, map[string]string{"Idempotency-Key": "event-" + tag},
		map[string]any{"name": "Stadium on-sale " + tag, "category": "sport", "venue_id": venueID,
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(3 * time.Hour).Format(time.RFC3339),
			"capacity": s.Capacity, "price": map[string]any{"amount": 5000, "currency": "USD"}, "max_tickets_per_booking": 1,
			"waiting_room": map[string]any{"enabled": true, "opens_at": time.Now().UTC().Add(-time.Minute).Format(time.RFC3339),
				"on_sale_at": onSale.Format(time.RFC3339), "admission_per_second": s.AdmissionPerSecond}},
		&ev, http.StatusCreated); err != nil {
		return "", err
	}
	if _, err := a.json(ctx, http.MethodPost, "/admin/events/"+ev.ID+"/publish", admin,
		map[string]string{"If-Match": strconv.Quote(strconv.FormatInt(max(ev.Version, 1), 10))}, nil, nil, http.StatusOK); err != nil {
		return "", err
	}
	return ev.ID, nil
}

// sampleTimeline records, once a second from the sale start, the queue's length, the
// admissions and the seats sold, into tl.
func sampleTimeline(tl *[]StadiumSecond, joined, admitted, gone, sold *atomic.Int64, onSale time.Time) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	sample := func() {
		t := int(time.Since(onSale).Seconds())
		if t < 0 {
			return
		}
		ad := int(admitted.Load())
		*tl = append(*tl, StadiumSecond{T: t, Queue: max(int(joined.Load())-ad-int(gone.Load()), 0), Admitted: ad, Sold: int(sold.Load())})
	}
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				sample()
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	return func() { close(quit); <-done }
}

func stadiumProgress(w io.Writer, s Stadium, joined, admitted, sold *atomic.Int64, onSale time.Time) (stop func()) {
	if w == nil {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	line := func() {
		j, ad, so := joined.Load(), admitted.Load(), sold.Load()
		const width = 30
		bar := int(float64(width) * float64(so) / float64(max(s.Capacity, 1)))
		fmt.Fprintf(w, "  stadium [%-30s] %5d/%d joined, %5d admitted, %5d/%d sold, t%+.0fs\n",
			repeat('#', bar)+repeat('.', width-bar), j, s.Buyers, ad, so, s.Capacity, time.Since(onSale).Seconds())
	}
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				line()
				return
			case <-tick.C:
				line()
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

func repeat(c byte, n int) string {
	b := make([]byte, max(n, 0))
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// PrintStadium writes a stadium run's summary.
func PrintStadium(w io.Writer, r StadiumResult) {
	fmt.Fprintf(w, "stadium: %d buyers, %d joined (%d in the pre-queue), %d admitted at %d/s, %d not served, %d distinct tokens, errors %v\n",
		r.Stadium.Buyers, r.Joined, r.PreQueue, r.Admitted, r.Stadium.AdmissionPerSecond, r.NotServed, r.Tokens, r.Errors)
	fmt.Fprintf(w, "  join   p50 %.1f ms  p99 %.1f ms\n", r.Join.P50, r.Join.P99)
	fmt.Fprintf(w, "  poll   p50 %.1f ms  p99 %.1f ms  (%d polls, %.1f per buyer)\n", r.Poll.P50, r.Poll.P99, r.Polls, float64(r.Polls)/float64(max(r.Joined, 1)))
	fmt.Fprintf(w, "  queue wait from the sale start  p50 %.1f s  p99 %.1f s\n", r.QueueWait.P50/1000, r.QueueWait.P99/1000)
	fmt.Fprintf(w, "  admitted per second since the start: %v\n", r.Admission)
	fmt.Fprintf(w, "  admitted out of order: %d\n", r.OutOfOrder)
	fmt.Fprintf(w, "  reservation  p50 %.1f ms  p99 %.1f ms  (%d held)\n", r.Reserve.P50, r.Reserve.P99, r.Reserved)
	fmt.Fprintf(w, "  confirmation p50 %.1f ms  p99 %.1f ms\n", r.Confirm.P50, r.Confirm.P99)
	fmt.Fprintf(w, "  sold %d of %d seats; %d buyers told sold out\n", r.Sold, r.Stadium.Capacity, r.SoldOut)
}
