package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// asUser is what API Gateway sends for a signed-in user.
func asUser(user string, r req) events.APIGatewayV2HTTPRequest {
	ev := r.event()
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": user}}}
	return ev
}

func callAs(t *testing.T, h api.LambdaHandler, user string, r req) answer {
	t.Helper()
	out, err := h(context.Background(), asUser(user, r))
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: out.StatusCode, headers: out.Headers, raw: out.Body}
	if err := json.Unmarshal([]byte(out.Body), &a.body); err != nil {
		t.Fatalf("body is not a JSON object: %q", out.Body)
	}
	return a
}

func (a answer) num(k string) int64 { v, _ := a.body[k].(float64); return int64(v) }

// queueStores are the catalogue and the queue (8 buckets) on a fresh moto table, and the
// admission keys.
func queueStores(t *testing.T) (*catalog.Service, *dynamo.Queue, *waitroom.Keys) {
	t.Helper()
	db, table := localtest.Table(t)
	store := dynamo.New(db, table)
	keys, err := waitroom.ParseKeys("k1:0123456789abcdef0123456789")
	if err != nil {
		t.Fatal(err)
	}
	return catalog.NewService(store, time.Now), dynamo.NewQueue(store, 8), keys
}

// TestQueueRoutes runs a small on-sale through the handlers on moto and the real clock:
// the admin turns the room on with If-Match, 20 users join the pre-queue (a repeat join
// is the same entry), the admitter seals and admits at 5 a second, and every user's
// answer is consistent: a permutation of places, admitted users hold a token the
// reservation gate accepts, the others an ETA.
func TestQueueRoutes(t *testing.T) {
	svc, queue, keys := queueStores(t)
	q := api.NewQueue(svc, queue, keys, 3)
	join, me := api.Wrap(api.User, q.Join()), api.Wrap(api.User, q.Me())
	createVenue, createEvent := api.Wrap(api.Admin, api.CreateVenue(svc)), api.Wrap(api.Admin, api.CreateEvent(svc))
	update, publish := api.Wrap(api.Admin, api.UpdateEvent(svc)), api.Wrap(api.Admin, api.PublishEvent(svc))

	v := call(t, createVenue, req{who: "admin", body: venueBody})
	e := call(t, createEvent, req{who: "admin", body: eventBody(v.str("venue_id"))})
	id := e.str("event_id")
	path := map[string]string{"eventId": id}
	expect(t, callAs(t, join, "u0", req{path: path}), 404, "not_found") // a draft is not public
	call(t, publish, req{who: "admin", path: path})
	expect(t, callAs(t, join, "u0", req{path: path}), 409, "queue_closed")

	onSale := time.Now().Add(8 * time.Second).UTC().Truncate(time.Second) // room for 20 joins on a loaded machine
	room := fmt.Sprintf(`{"waiting_room":{"enabled":true,"opens_at":%q,"on_sale_at":%q,"admission_per_second":5}}`,
		onSale.Add(-time.Hour).Format(time.RFC3339), onSale.Format(time.RFC3339))
	expect(t, call(t, update, req{who: "admin", path: path, body: room}), 428, "precondition_required")
	bad := call(t, update, req{who: "admin", path: path, headers: map[string]string{"If-Match": "2"},
		body: `{"waiting_room":{"enabled":true,"admission_per_second":5}}`})
	expect(t, bad, 400, "validation_failed")
	up := call(t, update, req{who: "admin", path: path, headers: map[string]string{"If-Match": "2"}, body: room})
	expect(t, up, 200, "")
	if wr, _ := up.body["waiting_room"].(map[string]any); wr["enabled"] != true || wr["admission_ttl_seconds"] != 600.0 {
		t.Fatalf("waiting_room = %v", up.body["waiting_room"])
	}
	time.Sleep(time.Second) // the handlers' event cache

	const n = 20
	passes := map[string]string{}
	for i := range n {
		u := "u" + strconv.Itoa(i)
		a := callAs(t, join, u, req{path: path})
		expect(t, a, 201, "")
		if a.str("state") != "pre_queue" || a.str("queue_pass") == "" || a.num("retry_after") < 1 {
			t.Fatalf("join answer = %s", a.raw)
		}
		passes[u] = a.str("queue_pass")
	}
	again := callAs(t, join, "u0", req{path: path})
	expect(t, again, 200, "")
	for range 3 {
		callAs(t, join, "u1", req{path: path})
	}
	expect(t, callAs(t, join, "u1", req{path: path}), 429, "rate_limited")
	// With its pass a repeat join writes nothing and is never rate-limited.
	expect(t, callAs(t, join, "u1", req{path: path, headers: map[string]string{api.PassHeader: passes["u1"]}}), 200, "")
	expect(t, callAs(t, me, "stranger", req{path: path}), 404, "not_found")
	// Someone else's pass is no pass: the user's own entry is read.
	if a := callAs(t, me, "u2", req{path: path, headers: map[string]string{api.PassHeader: passes["u3"]}}); a.status != 200 {
		t.Fatalf("poll with a borrowed pass = %s", a.raw)
	}

	adm := waitroom.NewAdmitter(queue, "test")
	if err := adm.Run(context.Background(), onSale.Add(2500*time.Millisecond+waitroom.StopBefore)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // SERVING's per-instance cache
	s, _, err := queue.Serving(context.Background(), id)
	// How many were admitted in 2.5 s depends on how fast moto answers on a busy machine;
	// the rate itself is TestAdmitterLoop's, on a fake clock. Here some, not all, must be in.
	if err != nil || s.Numbered != n || s.Serving < 1 || s.Serving >= n {
		t.Fatalf("SERVING = %+v, %v; want all %d numbered and some admitted", s, err, n)
	}
	gate := &waitroom.Gate{Keys: keys}
	roomCfg := waitroom.Config{Enabled: true}
	seen := map[int64]bool{}
	for i := range n {
		u := "u" + strconv.Itoa(i)
		hdr := map[string]string{}
		if i%2 == 0 {
			hdr[api.PassHeader] = passes[u] // half poll with their pass, half without
		}
		a := callAs(t, me, u, req{path: path, headers: hdr})
		expect(t, a, 200, "")
		pos := a.num("position")
		if pos < 1 || pos > n || seen[pos] {
			t.Fatalf("%s: position %d (seen %v): %s", u, pos, seen[pos], a.raw)
		}
		seen[pos] = true
		switch a.str("state") {
		case "admitted":
			if pos > s.Serving {
				t.Fatalf("%s admitted at %d past serving %d", u, pos, s.Serving)
			}
			tok := a.str("admission_token")
			if err := gate.Admit(roomCfg, u, id, tok, time.Now()); err != nil {
				t.Fatalf("%s: the gate refuses its token: %v", u, err)
			}
			if err := gate.Admit(roomCfg, "u-other", id, tok, time.Now()); err == nil {
				t.Fatalf("%s's token admitted someone else", u)
			}
			// The same admission gives the same token on every poll.
			if b := callAs(t, me, u, req{path: path, headers: map[string]string{api.PassHeader: a.str("queue_pass")}}); b.str("admission_token") != tok {
				t.Fatalf("%s: a second poll signed another token", u)
			}
		case "waiting":
			if pos <= s.Serving || a.num("ahead") != pos-s.Serving-1 || a.num("eta_seconds") < 1 || a.str("admission_token") != "" {
				t.Fatalf("%s waiting at %d with serving %d: %s", u, pos, s.Serving, a.raw)
			}
		default:
			t.Fatalf("%s: state %s", u, a.raw)
		}
	}
}

// TestReservationNeedsAdmission runs the reservation route on moto for an event whose
// waiting room is on: without a token, with a forged one, one of another user or event,
// or an expired one, it is 403 admission_required and nothing is held; with the token
// queue/me gives an admitted user it holds the seats.
func TestReservationNeedsAdmission(t *testing.T) {
	db, table := localtest.Table(t)
	store := dynamo.New(db, table)
	cat := catalog.NewService(store, time.Now)
	keys, err := waitroom.ParseKeys("k1:0123456789abcdef0123456789")
	if err != nil {
		t.Fatal(err)
	}
	bookings := dynamo.NewBookings(db, table)
	svc := booking.NewService(booking.Deps{Store: bookings, Payments: payments.NewSimulated(dynamo.NewPaymentLedger(db, table)),
		Gate: &waitroom.Gate{Keys: keys}}, booking.Config{})
	reserve := api.Wrap(api.User, api.CreateBooking(onsale.New(svc, nil, nil)))
	createVenue, createEvent := api.Wrap(api.Admin, api.CreateVenue(cat)), api.Wrap(api.Admin, api.CreateEvent(cat))
	update, publish := api.Wrap(api.Admin, api.UpdateEvent(cat)), api.Wrap(api.Admin, api.PublishEvent(cat))

	v := call(t, createVenue, req{who: "admin", body: venueBody})
	e := call(t, createEvent, req{who: "admin", body: eventBody(v.str("venue_id"))})
	id := e.str("event_id")
	path := map[string]string{"eventId": id}
	now := time.Now().UTC().Truncate(time.Second)
	room := fmt.Sprintf(`{"waiting_room":{"enabled":true,"opens_at":%q,"on_sale_at":%q}}`,
		now.Add(-time.Hour).Format(time.RFC3339), now.Add(-time.Minute).Format(time.RFC3339))
	expect(t, call(t, update, req{who: "admin", path: path, headers: map[string]string{"If-Match": "1"}, body: room}), 200, "")
	call(t, publish, req{who: "admin", path: path})

	live := now.Add(10 * time.Minute)
	other := keys
	if other, err = waitroom.ParseKeys("k1:another-secret-0123456789"); err != nil {
		t.Fatal(err)
	}
	refused := map[string]string{
		"none":          "",
		"forged":        other.Sign(waitroom.Claims{EventID: id, UserID: "buyer", ExpiresAt: live}),
		"garbage":       "BMEA1.k1.x.y.1.z",
		"foreign user":  keys.Sign(waitroom.Claims{EventID: id, UserID: "someone-else", ExpiresAt: live}),
		"foreign event": keys.Sign(waitroom.Claims{EventID: "another-event", UserID: "buyer", ExpiresAt: live}),
		"expired":       keys.Sign(waitroom.Claims{EventID: id, UserID: "buyer", ExpiresAt: now.Add(-time.Second)}),
	}
	for name, tok := range refused {
		hdr := map[string]string{"Idempotency-Key": "k-" + strings.ReplaceAll(name, " ", "-"), api.AdmissionHeader: tok}
		expect(t, callAs(t, reserve, "buyer", req{path: path, body: `{"quantity":2}`, headers: hdr}), 403, "admission_required")
	}
	st, err := bookings.Stats(context.Background(), id)
	if err != nil || st.Available != 100 || st.Held != 0 {
		t.Fatalf("after refused reservations: %+v, %v; want nothing held", st, err)
	}
	tok := keys.Sign(waitroom.Claims{EventID: id, UserID: "buyer", ExpiresAt: live})
	hdr := map[string]string{"Idempotency-Key": "k-ok", api.AdmissionHeader: tok}
	ok := callAs(t, reserve, "buyer", req{path: path, body: `{"quantity":2}`, headers: hdr})
	expect(t, ok, 201, "")
	// A retry with the same key needs the token too, and replays the hold.
	if again := callAs(t, reserve, "buyer", req{path: path, body: `{"quantity":2}`, headers: hdr}); again.status != 201 || again.str("booking_id") != ok.str("booking_id") {
		t.Fatalf("replay = %s", again.raw)
	}
	if st, _ = bookings.Stats(context.Background(), id); st.Held != 2 {
		t.Fatalf("after the admitted reservation: %+v", st)
	}
}

// TestPreQueueShuffledAndServedInOrder is the on-sale through the handlers on
// moto: 200 users join the pre-queue one after another, the admitter shuffles them at
// the sale start and admits 40 a second. Their places are a permutation unrelated to
// the order they joined in (early joiners are not systematically ahead), admission
// goes strictly by place (whenever someone is admitted, everyone ahead is too), and
// every admitted buyer reserves with their token (and is then told "used").
func TestPreQueueShuffledAndServedInOrder(t *testing.T) {
	db, table := localtest.Table(t)
	store := dynamo.New(db, table)
	cat := catalog.NewService(store, time.Now)
	queue := dynamo.NewQueue(store, 8)
	keys, err := waitroom.ParseKeys("k1:0123456789abcdef0123456789")
	if err != nil {
		t.Fatal(err)
	}
	q := api.NewQueue(cat, queue, keys, 3)
	join, me := api.Wrap(api.User, q.Join()), api.Wrap(api.User, q.Me())
	bookings := dynamo.NewBookings(db, table)
	svc := booking.NewService(booking.Deps{Store: bookings, Payments: payments.NewSimulated(dynamo.NewPaymentLedger(db, table)),
		Gate: &waitroom.Gate{Keys: keys}}, booking.Config{})
	reserve := api.Wrap(api.User, api.CreateBooking(onsale.New(svc, nil, nil)))

	const n = 200
	v := call(t, api.Wrap(api.Admin, api.CreateVenue(cat)), req{who: "admin", body: venueBody})
	body := strings.Replace(eventBody(v.str("venue_id")), `"capacity":100`, `"capacity":300`, 1)
	id := call(t, api.Wrap(api.Admin, api.CreateEvent(cat)), req{who: "admin", body: body}).str("event_id")
	path := map[string]string{"eventId": id}
	// The sale starts far enough out that 200 joins land in the pre-queue however slowly a
	// busy machine's moto answers; once they have, the admin brings it forward.
	update := api.Wrap(api.Admin, api.UpdateEvent(cat))
	setRoom := func(version int64, onSale time.Time) answer {
		room := fmt.Sprintf(`{"waiting_room":{"enabled":true,"opens_at":%q,"on_sale_at":%q,"admission_per_second":40}}`,
			onSale.Add(-time.Hour).Format(time.RFC3339), onSale.Format(time.RFC3339))
		a := call(t, update, req{who: "admin", path: path, headers: map[string]string{"If-Match": strconv.FormatInt(version, 10)}, body: room})
		expect(t, a, 200, "")
		return a
	}
	onSale := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Second)
	setRoom(1, onSale)
	published := call(t, api.Wrap(api.Admin, api.PublishEvent(cat)), req{who: "admin", path: path})
	time.Sleep(time.Second) // the handlers' event cache

	passes := make([]string, n)
	for i := range n {
		a := callAs(t, join, "u"+strconv.Itoa(i), req{path: path})
		if a.status != 201 || a.str("state") != "pre_queue" {
			t.Fatalf("join %d (the sale starts at %s): %s", i, onSale.Format(time.TimeOnly), a.raw)
		}
		passes[i] = a.str("queue_pass")
	}
	onSale = time.Now().Add(waitroom.SealDelay + 2*time.Second).UTC().Truncate(time.Second)
	setRoom(published.num("version"), onSale)
	time.Sleep(time.Second) // the handlers' event cache
	done := make(chan error, 1)
	go func() {
		done <- waitroom.NewAdmitter(queue, "test").Run(context.Background(), onSale.Add(15*time.Second+waitroom.StopBefore))
	}()

	pos := make([]int64, n) // by join order
	token := make([]string, n)
	for round := 0; ; round++ {
		if round > 60 {
			t.Fatalf("not everyone admitted after %d rounds", round)
		}
		time.Sleep(time.Second)
		answers := make([]answer, n)
		for i := range n {
			answers[i] = callAs(t, me, "u"+strconv.Itoa(i), req{path: path, headers: map[string]string{api.PassHeader: passes[i]}})
			passes[i] = answers[i].str("queue_pass")
			if p := answers[i].num("position"); p > 0 {
				pos[i] = p
			}
		}
		if pos[0] == 0 {
			continue // not sealed yet
		}
		// Poll again, from the back of the line to the front: serving only grows, so
		// once someone is seen admitted, everyone ahead of them must be too.
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return pos[order[a]] > pos[order[b]] })
		admitted, seenAdmitted := 0, false
		for _, i := range order {
			a := callAs(t, me, "u"+strconv.Itoa(i), req{path: path, headers: map[string]string{api.PassHeader: passes[i]}})
			switch a.str("state") {
			case "admitted":
				seenAdmitted = true
				admitted++
				token[i] = a.str("admission_token")
			case "waiting":
				if seenAdmitted {
					t.Fatalf("round %d: place %d waits while a place behind it is admitted", round, pos[i])
				}
			default:
				t.Fatalf("round %d: u%d: %s", round, i, a.raw)
			}
		}
		if admitted == n {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, p := range pos {
		if p < 1 || p > n || seen[p] {
			t.Fatalf("positions are not a permutation of 1..%d: %v", n, pos)
		}
		seen[p] = true
	}
	// Spearman's rank correlation of join order and place: about N(0, 1/sqrt(n-1)) for
	// a uniform shuffle (sd 0.071 at 200); 0.35 is five of those.
	var d2 float64
	for i, p := range pos {
		d := float64(i+1) - float64(p)
		d2 += d * d
	}
	if rho := 1 - 6*d2/(n*(n*n-1)); rho > 0.35 || rho < -0.35 {
		t.Fatalf("join order and place correlate: rho = %.3f", rho)
	}
	for i := range n {
		hdr := map[string]string{"Idempotency-Key": "k-" + strconv.Itoa(i), api.AdmissionHeader: token[i]}
		expect(t, callAs(t, reserve, "u"+strconv.Itoa(i), req{path: path, body: `{"quantity":1}`, headers: hdr}), 201, "")
	}
	if st, err := bookings.Stats(context.Background(), id); err != nil || st.Held != n {
		t.Fatalf("after the admitted buyers reserved: %+v, %v", st, err)
	}
	// Having reserved, they are "used": no token is handed out any more.
	for i := range 10 {
		a := callAs(t, me, "u"+strconv.Itoa(i), req{path: path, headers: map[string]string{api.PassHeader: passes[i]}})
		if a.str("state") != "used" || a.str("admission_token") != "" {
			t.Fatalf("u%d after reserving: %s", i, a.raw)
		}
	}
}

// TestStragglerPollsWithItsPass: a user whose entry landed in a slot after it was sealed
// (a straggler) is told "waiting" with no place, with or without a pass; once the
// admitter's recount has moved the entry and its new slot is sealed, the pass that still
// names the old slot finds the new place.
func TestStragglerPollsWithItsPass(t *testing.T) {
	svc, queue, keys := queueStores(t)
	me := api.Wrap(api.User, api.NewQueue(svc, queue, keys, 3).Me())
	createVenue, createEvent := api.Wrap(api.Admin, api.CreateVenue(svc)), api.Wrap(api.Admin, api.CreateEvent(svc))
	update, publish := api.Wrap(api.Admin, api.UpdateEvent(svc)), api.Wrap(api.Admin, api.PublishEvent(svc))
	v := call(t, createVenue, req{who: "admin", body: venueBody})
	id := call(t, createEvent, req{who: "admin", body: eventBody(v.str("venue_id"))}).str("event_id")
	path := map[string]string{"eventId": id}
	now := time.Now().UTC().Truncate(time.Second)
	room := fmt.Sprintf(`{"waiting_room":{"enabled":true,"opens_at":%q,"on_sale_at":%q,"admission_per_second":5}}`,
		now.Add(-time.Hour).Format(time.RFC3339), now.Add(-time.Minute).Format(time.RFC3339))
	expect(t, call(t, update, req{who: "admin", path: path, headers: map[string]string{"If-Match": "1"}, body: room}), 200, "")
	call(t, publish, req{who: "admin", path: path})
	ctx := context.Background()
	// runUntil steps the room on the real clock until done says so (generous: moto on a
	// loaded machine).
	runUntil := func(what string, done func(waitroom.Serving) bool) {
		t.Helper()
		for range 20 {
			if err := waitroom.NewAdmitter(queue, "test").Run(ctx, time.Now().Add(waitroom.StopBefore+2*time.Second)); err != nil {
				t.Fatal(err)
			}
			if s, _, err := queue.Serving(ctx, id); err != nil || done(s) {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatalf("the admitter never %s", what)
	}
	runUntil("sealed the pre-queue", func(s waitroom.Serving) bool { return s.SealedThrough >= waitroom.PreQueue })

	late := waitroom.Entry{UserID: "late", Slot: waitroom.PreQueue, Draw: 7}
	if _, _, err := queue.Join(ctx, id, late, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the handler's event and SERVING caches
	first := callAs(t, me, "late", req{path: path})
	expect(t, first, 200, "")
	if first.str("state") != "waiting" || first.num("position") != 0 || first.str("queue_pass") == "" {
		t.Fatalf("a straggler's first poll = %s; want waiting with no place", first.raw)
	}
	pass := map[string]string{api.PassHeader: first.str("queue_pass")}
	if a := callAs(t, me, "late", req{path: path, headers: pass}); a.str("state") != "waiting" || a.num("position") != 0 {
		t.Fatalf("a straggler's poll with its pass = %s", a.raw)
	}

	if err := queue.Move(ctx, id, waitroom.Straggler{Entry: late, Version: 1}, time.Now().Unix()); err != nil {
		t.Fatal(err)
	}
	runUntil("admitted the moved straggler", func(s waitroom.Serving) bool { return s.Serving >= 1 })
	time.Sleep(time.Second)
	a := callAs(t, me, "late", req{path: path, headers: pass})
	if a.str("state") != "admitted" || a.num("position") != 1 || a.str("admission_token") == "" {
		t.Fatalf("poll with the pass of the old slot = %s; want admitted at place 1", a.raw)
	}
}
