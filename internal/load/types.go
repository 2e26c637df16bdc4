package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/booking"
)

// TicketTypeSpec is one type of a typed on-sale.
type TicketTypeSpec struct {
	Name     string `json:"name"`
	Price    int64  `json:"price"` // USD cents
	Capacity int    `json:"capacity"`
}

// TypedScenario is an on-sale of several ticket types under one event cap: buyer i orders
// Orders[i % len(Orders)], seats per type (by index in Types), one or several types at once.
type TypedScenario struct {
	Name     string           `json:"name"`
	Capacity int              `json:"capacity"`
	Types    []TicketTypeSpec `json:"types"`
	Buyers   int              `json:"buyers"`
	Orders   [][]int          `json:"orders"`
}

// TwoTypes is the two-type on-sale: VIP 50 and General 300 under an event cap of
// 320, buyers ordering 1 VIP, 2 General, or 1 of each.
var TwoTypes = TypedScenario{Name: "VIP 50 + General 300, cap 320", Capacity: 320,
	Types:  []TicketTypeSpec{{Name: "VIP", Price: 9000, Capacity: 50}, {Name: "General", Price: 3000, Capacity: 300}},
	Buyers: 400, Orders: [][]int{{1, 0}, {0, 2}, {1, 1}}}

// PromoRace is the code race: Buyers race for a code of Uses uses on an event with seats
// for all of them.
type PromoRace struct {
	Buyers int `json:"buyers"`
	Uses   int `json:"uses"`
}

// TypeResult is one type's outcome.
type TypeResult struct {
	Name     string `json:"name"`
	ID       string `json:"ticket_type_id"`
	Capacity int64  `json:"capacity"`
	Taken    int64  `json:"seats_taken"` // held + sold
	Won      int64  `json:"seats_won"`   // what the 201s said
}

// TypedResult is what a typed on-sale did.
type TypedResult struct {
	Scenario    TypedScenario  `json:"scenario"`
	EventID     string         `json:"event_id"`
	Requests    int            `json:"requests"`
	Winners     int            `json:"winners"`
	SoldOut     int            `json:"sold_out"`
	OtherErrors map[string]int `json:"other_errors"`
	Latency     Latency        `json:"latency"`
	DurationSec float64        `json:"duration_s"`
	Types       []TypeResult   `json:"types"`
	EventTaken  int64          `json:"event_seats_taken"`
	Listed      int            `json:"bookings_listed"`
	Exact       bool           `json:"exact"` // every refused order was short of a type or the cap at the end
	Oversold    bool           `json:"oversold"`
	Violations  []string       `json:"invariant_violations"`
	refused     [][]int
}

// OK reports whether the typed on-sale met the bar.
func (r TypedResult) OK() bool {
	return r.Exact && !r.Oversold && len(r.OtherErrors) == 0 && len(r.Violations) == 0
}

// PromoResult is what the code race did.
type PromoResult struct {
	Race        PromoRace      `json:"race"`
	EventID     string         `json:"event_id"`
	Discounted  int            `json:"discounted_holds"`
	Full        int            `json:"full_price_holds"`
	UsedUp      int            `json:"refused_used_up"`
	OtherErrors map[string]int `json:"other_errors"`
	Uses        int64          `json:"code_uses"`
	Latency     Latency        `json:"latency"`
}

// OK reports whether exactly Uses holds got the discount and the code counts them.
func (r PromoResult) OK() bool {
	return r.Discounted == r.Race.Uses && r.Uses == int64(r.Race.Uses) && r.Full == 0 &&
		r.UsedUp == r.Race.Buyers-r.Race.Uses && len(r.OtherErrors) == 0
}

type typedEvent struct {
	ID    string
	Types []string // ids, in the scenario's order
}

// setUpTyped creates a venue and an event with the given types under capacity, and
// publishes it.
func setUpTyped(ctx context.Context, a api, admin, tag, name string, capacity int, specs []TicketTypeSpec) (typedEvent, error) {
	venueID, err := createVenue(ctx, a, admin, tag, "Load Arena ", capacity)
	if err != nil {
		return typedEvent{}, err
	}
	var types []map[string]any
	for _, t := range specs {
		types = append(types, map[string]any{"name": t.Name, "price": map[string]any{"amount": t.Price, "currency": "USD"},
			"capacity": t.Capacity, "max_per_order": 4})
	}
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	var ev struct {
		ID      string `json:"event_id"`
		Version int64  `json:"version"`
		Types   []struct {
			ID   string `json:"ticket_type_id"`
			Name string `json:"name"`
		} `json:"ticket_types"`
	}
	if _, err := a.json(ctx, http.MethodPost, "/admin/events", admin, map[string]string{"Idempotency-Key": "event-" + tag},
		map[string]any{"name": "On-sale " + name + " " + tag, "category": "live-music", "venue_id": venueID,
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(3 * time.Hour).Format(time.RFC3339),
			"capacity": capacity, "max_tickets_per_booking": 4, "ticket_types": types},
		&ev, http.StatusCreated); err != nil {
		return typedEvent{}, err
	}
	out := typedEvent{ID: ev.ID}
	for _, s := range specs {
		for _, t := range ev.Types {
			if t.Name == s.Name {
				out.Types = append(out.Types, t.ID)
			}
		}
	}
	if len(out.Types) != len(specs) {
		return typedEvent{}, fmt.Errorf("created event lists types %+v, want %d", ev.Types, len(specs))
	}
	if _, err := a.json(ctx, http.MethodPost, "/admin/events/"+ev.ID+"/publish", admin,
		map[string]string{"If-Match": strconv.Quote(strconv.FormatInt(max(ev.Version, 1), 10))}, nil, nil, http.StatusOK); err != nil {
		return typedEvent{}, err
	}
	return out, nil
}

func orderItems(ev typedEvent, seats []int) []map[string]any {
	var items []map[string]any
	for i, q := range seats {
		if q > 0 {
			items = append(items, map[string]any{"ticket_type_id": ev.Types[i], "quantity": q})
		}
	}
	return items
}

// storm sends one request per buyer at the same instant and waits for all the answers.
func storm(ctx context.Context, n int, w io.Writer, name string, send func(i int) (reply, error), record func(i int, r reply, err error)) float64 {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		done  atomic.Int64
		won   atomic.Int64
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer done.Add(1)
			<-start
			r, err := send(i)
			if err == nil && r.status == http.StatusCreated {
				won.Add(1)
			}
			record(i, r, err)
		}()
	}
	began := time.Now()
	close(start)
	stop := progress(w, Scenario{Name: name, Buyers: n}, &done, &won, began)
	wg.Wait()
	stop()
	return time.Since(began).Seconds()
}

// RunTyped plays a typed on-sale: every buyer orders at the same instant (no waitlist),
// then the admin stats and every booking's lines are checked per type.
func RunTyped(ctx context.Context, o Options, s TypedScenario) (TypedResult, error) {
	a, admin, run, err := prepare(ctx, &o)
	if err != nil {
		return TypedResult{}, err
	}
	res := TypedResult{Scenario: s, OtherErrors: map[string]int{}}
	ev, err := setUpTyped(ctx, a, admin, run, s.Name, s.Capacity, s.Types)
	if err != nil {
		return res, err
	}
	res.EventID = ev.ID
	tokens, err := buyerTokens(ctx, o, run, s.Buyers)
	if err != nil {
		return res, err
	}
	won := make([]int64, len(s.Types))
	var mu sync.Mutex
	var latencies []time.Duration
	res.DurationSec = storm(ctx, s.Buyers, o.Progress, s.Name, func(i int) (reply, error) {
		return a.do(ctx, http.MethodPost, "/events/"+ev.ID+"/bookings", tokens[i],
			map[string]string{"Idempotency-Key": "load-" + run + "-" + strconv.Itoa(i)},
			map[string]any{"items": orderItems(ev, s.Orders[i%len(s.Orders)]), "waitlist": false})
	}, func(i int, r reply, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Requests++
		order := s.Orders[i%len(s.Orders)]
		switch {
		case err != nil:
			res.OtherErrors["transport"]++
			return
		case r.status == http.StatusCreated:
			res.Winners++
			for t, q := range order {
				won[t] += int64(q)
			}
		case errorCode(r.body) == "sold_out":
			res.SoldOut++
			res.refused = append(res.refused, order)
		default:
			code := errorCode(r.body)
			if code == "" {
				code = strconv.Itoa(r.status)
			}
			res.OtherErrors[code]++
		}
		latencies = append(latencies, r.latency)
	})
	res.Latency = Summarise(latencies)
	return res, checkTyped(ctx, a, admin, ev, won, &res)
}

// checkTyped reads the stats per type and every booking's lines and judges the run:
// booking.CheckTypeInvariant per type and for the event, no type nor the event past its
// capacity, the 201s' seats equal to what the event holds, and every refused order short
// of a type or of the event's cap at the end (seats only go down during the storm).
func checkTyped(ctx context.Context, a api, admin string, ev typedEvent, won []int64, r *TypedResult) error {
	var st booking.Stats
	if _, err := a.json(ctx, http.MethodGet, "/admin/events/"+ev.ID+"/stats", admin, nil, nil, &st, http.StatusOK); err != nil {
		return err
	}
	per := map[string]booking.Counters{}
	avail := map[string]int64{}
	for _, t := range st.TicketTypes {
		per[t.TicketTypeID] = booking.Counters{Capacity: t.Capacity, Available: t.Available, Held: t.Held, Sold: t.Sold, Offering: t.Offering}
		avail[t.TicketTypeID] = t.Available
	}
	orders, err := listLines(ctx, a, admin, ev.ID)
	if err != nil {
		return err
	}
	r.Listed = len(orders)
	event := booking.Counters{Capacity: st.Capacity, Available: st.Available, Held: st.Held, Sold: st.Sold, Offering: st.Offering}
	r.Violations = booking.CheckTypeInvariant(event, per, orders)
	r.EventTaken = st.Held + st.Sold
	r.Oversold = r.EventTaken > st.Capacity || st.Available < 0
	var wonAll int64
	for i, id := range ev.Types {
		c := per[id]
		r.Types = append(r.Types, TypeResult{Name: r.Scenario.Types[i].Name, ID: id, Capacity: c.Capacity, Taken: c.Held + c.Sold, Won: won[i]})
		r.Oversold = r.Oversold || c.Held+c.Sold > c.Capacity
		wonAll += won[i]
	}
	r.Exact = wonAll == r.EventTaken && r.Winners == len(orders)
	for _, t := range r.Types {
		r.Exact = r.Exact && t.Won == t.Taken
	}
	for _, order := range r.refused {
		short, total := false, 0
		for i, q := range order {
			total += q
			short = short || (q > 0 && int64(q) > avail[ev.Types[i]])
		}
		if !short && int64(total) <= st.Available {
			r.Exact = false
		}
	}
	return nil
}

// listLines reads every booking of the event with its status and lines.
func listLines(ctx context.Context, a api, admin, eventID string) ([]booking.OrderSeats, error) {
	var out []booking.OrderSeats
	cursor := ""
	for {
		var page struct {
			Items []struct {
				Status booking.Status `json:"status"`
				Lines  []booking.Line `json:"lines"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		path := "/admin/events/" + eventID + "/bookings?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if _, err := a.json(ctx, http.MethodGet, path, admin, nil, nil, &page, http.StatusOK); err != nil {
			return nil, err
		}
		for _, b := range page.Items {
			out = append(out, booking.OrderSeats{Status: b.Status, Lines: b.Lines})
		}
		if cursor = page.NextCursor; cursor == "" {
			return out, nil
		}
	}
}

// RunPromoRace creates a General-only event with a seat for every buyer and a 20 % code
// of r.Uses uses, then every buyer orders one seat with the code at the same instant:
// exactly r.Uses holds may carry the discount, the rest are refused naming promo_code.
func RunPromoRace(ctx context.Context, o Options, race PromoRace) (PromoResult, error) {
	a, admin, run, err := prepare(ctx, &o)
	if err != nil {
		return PromoResult{}, err
	}
	res := PromoResult{Race: race, OtherErrors: map[string]int{}}
	ev, err := setUpTyped(ctx, a, admin, run, "promo race", race.Buyers, []TicketTypeSpec{{Name: "General", Price: 3000, Capacity: race.Buyers}})
	if err != nil {
		return res, err
	}
	res.EventID = ev.ID
	code := "RACE" + strings.ToUpper(run[:6])
	if _, err := a.json(ctx, http.MethodPost, "/admin/events/"+ev.ID+"/promo-codes", admin, map[string]string{"Idempotency-Key": "code-" + run},
		map[string]any{"code": code, "percent_off_bp": 2000, "max_uses": race.Uses}, nil, http.StatusCreated); err != nil {
		return res, err
	}
	tokens, err := buyerTokens(ctx, o, run, race.Buyers)
	if err != nil {
		return res, err
	}
	var mu sync.Mutex
	var latencies []time.Duration
	storm(ctx, race.Buyers, o.Progress, "promo race", func(i int) (reply, error) {
		return a.do(ctx, http.MethodPost, "/events/"+ev.ID+"/bookings", tokens[i],
			map[string]string{"Idempotency-Key": "race-" + run + "-" + strconv.Itoa(i)},
			map[string]any{"items": orderItems(ev, []int{1}), "promo_code": code, "waitlist": false})
	}, func(_ int, r reply, err error) {
		mu.Lock()
		defer mu.Unlock()
		var body struct {
			Discount booking.Money `json:"discount"`
			Error    struct {
				Code   string            `json:"code"`
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		switch {
		case err != nil:
			res.OtherErrors["transport"]++
			return
		case r.status == http.StatusCreated && decode(r.body, &body) && body.Discount.Amount > 0:
			res.Discounted++
		case r.status == http.StatusCreated:
			res.Full++
		case decode(r.body, &body) && body.Error.Fields["promo_code"] != "":
			res.UsedUp++
		default:
			res.OtherErrors[strconv.Itoa(r.status)+" "+body.Error.Code]++
		}
		latencies = append(latencies, r.latency)
	})
	res.Latency = Summarise(latencies)
	var c struct {
		Uses int64 `json:"uses"`
	}
	if _, err := a.json(ctx, http.MethodGet, "/admin/events/"+ev.ID+"/promo-codes/"+code, admin, nil, nil, &c, http.StatusOK); err != nil {
		return res, err
	}
	res.Uses = c.Uses
	return res, nil
}

func decode(b []byte, v any) bool { return json.Unmarshal(b, v) == nil }

// prepare fills o's defaults and signs the admin in.
func prepare(ctx context.Context, o *Options) (api, string, string, error) {
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}}
	}
	if o.TokenWorkers <= 0 {
		o.TokenWorkers = 16
	}
	run := randomID()
	admin, err := o.Tokens.Token(ctx, "load-admin-"+run, true)
	if err != nil {
		return api{}, "", "", fmt.Errorf("admin token: %w", err)
	}
	return api{base: o.BaseURL, http: o.HTTP}, admin, run, nil
}

// PrintTyped writes the typed on-sale per type: seats taken against capacity and what
// the buyers were told, then the reservation latency.
func PrintTyped(w io.Writer, r TypedResult) {
	fmt.Fprintf(w, "%s: %d buyers, %d orders held, %d sold_out, other errors %v, %.1fs\n",
		r.Scenario.Name, r.Scenario.Buyers, r.Winners, r.SoldOut, r.OtherErrors, r.DurationSec)
	fmt.Fprintf(w, "  %-10s %9s %9s\n", "type", "sold/cap", "201 said")
	for _, t := range r.Types {
		fmt.Fprintf(w, "  %-10s %9s %9d\n", t.Name, fmt.Sprintf("%d/%d", t.Taken, t.Capacity), t.Won)
	}
	fmt.Fprintf(w, "  %-10s %9s\n", "event", fmt.Sprintf("%d/%d", r.EventTaken, r.Scenario.Capacity))
	fmt.Fprintf(w, "  reservation p50 %.1f ms, p99 %.1f ms, max %.1f ms; exact %v, oversold %v, ok %v\n",
		r.Latency.P50, r.Latency.P99, r.Latency.Max, r.Exact, r.Oversold, r.OK())
	for _, v := range r.Violations {
		fmt.Fprintf(w, "  INVARIANT: %s\n", v)
	}
}

// PrintPromo writes the code race's outcome.
func PrintPromo(w io.Writer, r PromoResult) {
	fmt.Fprintf(w, "promo race: %d buyers for a %d-use code: %d discounted holds, %d refused (promo_code used up), %d full price, code uses %d, other %v; p50 %.1f ms, p99 %.1f ms; ok %v\n",
		r.Race.Buyers, r.Race.Uses, r.Discounted, r.UsedUp, r.Full, r.Uses, r.OtherErrors, r.Latency.P50, r.Latency.P99, r.OK())
}
