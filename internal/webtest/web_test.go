package webtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/bookmyevent/bookmyevent/internal/localstack/identity"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// The scenarios of issue 13 in a real browser against the whole local stack: the site
// comes from web/dist through the gateway, sign-up and sign-in go to the local Cognito.

// One browser serves every test of the binary (a tab each); TestMain stops it.
var (
	browserMu sync.Mutex
	browser   *Browser
)

func TestMain(m *testing.M) {
	// Each run's screenshots replace the last run's.
	if dir, err := workspace.Local("screens"); err == nil {
		_ = os.RemoveAll(dir)
	}
	code := m.Run()
	if browser != nil {
		browser.Close()
	}
	os.Exit(code)
}

// stack is what a scenario needs of the local stack: the site's origin and tokens.
type stack struct {
	BaseURL string
	token   func(t testing.TB, user string, admin bool) string
}

func (s stack) Token(t testing.TB, user string, admin bool) string { return s.token(t, user, admin) }

func setup(t *testing.T) (stack, *Browser) {
	t.Helper()
	ensureBuilt(t)
	st := localtest.Stack(t, localtest.StackOptions{})
	return stack{st.BaseURL, st.Token}, sharedBrowser(t)
}

func sharedBrowser(t *testing.T) *Browser {
	t.Helper()
	browserMu.Lock()
	defer browserMu.Unlock()
	if browser == nil {
		browser = NewBrowser(t)
	}
	return browser
}

var buildOnce sync.Once

// ensureBuilt builds web/ when make has not (go test run on its own).
func ensureBuilt(t *testing.T) {
	t.Helper()
	root, err := workspace.Root()
	if err != nil {
		t.Fatal(err)
	}
	buildOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(root, "web", "dist", "index.html")); err == nil {
			if _, err := os.Stat(filepath.Join(root, "web", "node_modules", "axe-core")); err == nil {
				return
			}
		}
		cmd := exec.Command("make", "web")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make web: %v\n%s", err, out)
		}
	})
}

func suffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type api struct {
	t     *testing.T
	base  string
	token string
}

func (c api) call(want int, method, path string, body any, headers ...string) map[string]any {
	c.t.Helper()
	status, out, raw := c.try(method, path, body, headers...)
	if status != want {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, status, raw, want)
	}
	return out
}

func (c api) try(method, path string, body any, headers ...string) (int, map[string]any, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if method == "POST" {
		req.Header.Set("Idempotency-Key", "webtest-"+suffix())
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, raw
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// publishedEvent creates a venue and a published event through the API: with the ticket
// types given, else priced at $45 as its one default type.
func publishedEvent(t *testing.T, admin api, name string, capacity int, types ...map[string]any) string {
	t.Helper()
	v := admin.call(201, "POST", "/admin/venues", map[string]any{"name": "Hall " + suffix(), "address": "1 Main St",
		"city": "Austin", "country": "US", "capacity": 1000})
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Hour)
	body := map[string]any{"name": name, "description": "An evening of music.",
		"venue_id": str(v, "venue_id"), "category": "concert", "starts_at": start.Format(time.RFC3339),
		"ends_at": start.Add(3 * time.Hour).Format(time.RFC3339), "capacity": capacity}
	if len(types) > 0 {
		body["ticket_types"] = types
	} else {
		body["price"] = map[string]any{"amount": 4500, "currency": "USD"}
	}
	e := admin.call(201, "POST", "/admin/events", body)
	id := str(e, "event_id")
	admin.call(200, "POST", "/admin/events/"+id+"/publish", nil)
	return id
}

func ticketType(name string, amount, capacity int, hidden bool) map[string]any {
	return map[string]any{"name": name, "price": map[string]any{"amount": amount, "currency": "USD"}, "capacity": capacity, "hidden": hidden}
}

// typeID finds an event's ticket type by name in the admin view.
func typeID(t *testing.T, admin api, eventID, name string) string {
	t.Helper()
	e := admin.call(200, "GET", "/admin/events/"+eventID, nil)
	types, _ := e["ticket_types"].([]any)
	for _, x := range types {
		if m, _ := x.(map[string]any); str(m, "name") == name {
			return str(m, "ticket_type_id")
		}
	}
	t.Fatalf("event %s has no ticket type %q: %v", eventID, name, e["ticket_types"])
	return ""
}

// buy holds and pays for n seats through the API and returns the booking id: of the
// ticket type typeID, or of the event's one type when typeID is empty.
func buy(t *testing.T, buyer api, eventID string, n int, typeID ...string) string {
	t.Helper()
	body := map[string]any{"quantity": n}
	if len(typeID) > 0 {
		body = map[string]any{"items": []map[string]any{{"ticket_type_id": typeID[0], "quantity": n}}}
	}
	b := buyer.call(201, "POST", "/events/"+eventID+"/bookings", body)
	id := str(b, "booking_id")
	buyer.call(200, "POST", "/bookings/"+id+"/confirm", map[string]any{"payment_method": "pm_card_visa"})
	return id
}

func signIn(p *Page, email string) {
	p.t.Helper()
	p.Go("/signin")
	p.Fill("input[name=email]", email)
	p.Fill("input[name=password]", identity.Password)
	p.Check("signin")
	p.Click("Sign in")
	p.WaitJS("signed in", `!location.pathname.startsWith("/signin") && document.body.innerText.includes("Sign out")`, 30*time.Second)
}

func TestBuyerSignsUpFindsAMisspeltEventAndBuysTwoTickets(t *testing.T) {
	st, b := setup(t)
	buyerBuysTwoTickets(t, st, b)
}

func buyerBuysTwoTickets(t *testing.T, st stack, b *Browser) {
	admin := api{t, st.BaseURL, st.Token(t, "web-admin-1", true)}
	name := "Moonlight Symphony " + suffix()
	// Two ticket types: General on show, Balcony hidden until a code unlocks it.
	eventID := publishedEvent(t, admin, name, 50, ticketType("General admission", 4500, 50, false), ticketType("Balcony", 3000, 10, true))
	admin.call(201, "POST", "/admin/events/"+eventID+"/promo-codes", map[string]any{"code": "FRIENDS10",
		"percent_off_bp": 1000, "unlocks_hidden": true})
	// The index is fed by the table's stream; wait until the misspelt word finds it.
	deadline := time.Now().Add(90 * time.Second)
	for {
		// A search node still warming up answers 503 search_unavailable; wait it out too.
		status, res, _ := api{t, st.BaseURL, ""}.try("GET", "/events/search?q=symphny", nil)
		if status == http.StatusOK && strings.Contains(fmt.Sprint(res["items"]), eventID) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the search index never found %s by a misspelt word: %v", eventID, res)
		}
		time.Sleep(time.Second)
	}

	p := b.NewPage(t, st.BaseURL, "buyer", Phone)
	email := "web-buyer-" + suffix() + "@example.com"
	p.Go("/signup")
	p.Fill("input[name=email]", email)
	p.Fill("input[name=password]", identity.Password)
	p.Check("signup")
	p.Click("Create account")
	p.WaitText("Confirm your email", 30*time.Second)
	p.Fill("input[name=code]", "123456")
	p.Check("confirm")
	p.Click("Confirm")
	p.WaitJS("signed in", `location.pathname === "/" && document.body.innerText.includes("Sign out")`, 30*time.Second)

	p.Fill("input[name=q]", "symphny")
	p.Click("Search")
	p.WaitText(name, 30*time.Second)
	p.Check("search")
	p.Click(name)
	p.WaitPath("/e/" + eventID)
	p.WaitText("50 of 50 left", 30*time.Second)
	p.Check("event")

	if Eval[bool](p, `!!document.querySelector("tr[data-type=Balcony]")`) {
		t.Fatal("the hidden Balcony type shows without its code")
	}
	// The code unlocks the hidden type; its discount shows on the hold.
	p.Fill("input[name=promo_code]", "friends10")
	p.Click("Apply code")
	p.WaitText("Code FRIENDS10 applied", 30*time.Second)
	p.WaitJS("hidden type unlocked", `!!document.querySelector("tr[data-type=Balcony] input")`, 30*time.Second)
	p.Check("event-code")
	p.Fill("tr[data-type='General admission'] input", "2")
	p.WaitText("$90.00", 10*time.Second)
	p.Click("Reserve tickets")
	p.WaitPath("/checkout/")
	p.WaitJS("countdown", `/^1[0-5]:\d\d$/.test(document.querySelector("[data-testid=countdown]")?.textContent || "")`, 30*time.Second)
	p.WaitText("General admission × 2", 10*time.Second)
	p.WaitJS("discounted total", `document.querySelector("[data-testid=subtotal]")?.textContent.includes("90.00") &&
		document.querySelector("[data-testid=discount]")?.textContent.includes("9.00") &&
		document.querySelector("[data-testid=total]")?.textContent.includes("81.00")`, 10*time.Second)
	p.Check("checkout")
	p.Click("Pay $81.00")
	p.WaitPath("/orders/")
	p.WaitJS("two QR codes", `document.querySelectorAll("svg.qr").length === 2`, 30*time.Second)
	p.Check("order")

	decoded, meant := p.DecodeQRCodes()
	if len(decoded) != 2 || decoded[0] == decoded[1] {
		t.Fatalf("decoded %q, want two different codes", decoded)
	}
	for i := range decoded {
		if decoded[i] == "" || decoded[i] != meant[i] {
			t.Errorf("QR %d decodes to %q, the ticket's code is %q", i, decoded[i], meant[i])
		}
		// A valid ticket code is one check-in accepts.
		admin.call(200, "POST", "/admin/events/"+eventID+"/checkins", map[string]any{"code": decoded[i]})
	}

	p.Go("/account/bookings")
	p.WaitText("confirmed", 30*time.Second)
	p.Check("bookings")
}

func TestSecondBuyerMeetsSoldOutWaitsAndConfirmsAnOffer(t *testing.T) {
	st, b := setup(t)
	secondBuyerWaits(t, st, b)
}

func secondBuyerWaits(t *testing.T, st stack, b *Browser) {
	admin := api{t, st.BaseURL, st.Token(t, "web-admin-2", true)}
	eventID := publishedEvent(t, admin, "Tiny Club Night "+suffix(), 2)
	first := api{t, st.BaseURL, st.Token(t, "web-first-"+suffix(), false)}
	booking := buy(t, first, eventID, 2)

	user := "web-second-" + suffix()
	st.Token(t, user, false) // creates the user with the local password
	p := b.NewPage(t, st.BaseURL, "waitlist", Phone)
	signIn(p, identity.Email(user))
	p.Go("/e/" + eventID)
	p.WaitText("Sold out", 30*time.Second)
	p.Check("soldout")
	p.Click("Join the waitlist")
	p.WaitText("You are on the waitlist, number 1 in line", 30*time.Second)
	p.Check("joined")

	first.call(200, "POST", "/bookings/"+booking+"/cancel", nil)
	p.Go("/account/waitlist")
	// The freed seats go to the line through the waitlist queue's worker.
	p.WaitText("Confirm offer", 120*time.Second)
	p.Check("offer")
	p.Click("Confirm offer")
	p.WaitPath("/checkout/")
	p.Check("offer-checkout")
	// A declined card says so and keeps the hold; another card then pays.
	p.ClickSelector("input[value=pm_card_chargeDeclined]")
	p.Allow(402, "/confirm")
	p.Click("Pay $45.00")
	p.WaitText("Your card was declined", 30*time.Second)
	p.Check("declined")
	p.ClickSelector("input[value=pm_card_visa]")
	p.Click("Pay $45.00")
	p.WaitPath("/orders/")
	p.WaitJS("a QR code", `document.querySelectorAll("svg.qr").length === 1`, 30*time.Second)
	order := p.Path()
	p.Check("offer-order")
	p.Go("/account/waitlist")
	p.WaitText("fulfilled", 30*time.Second)
	p.Check("waitlist-done")

	// Cancelling shows the refund first: a month before the start, all of it.
	p.Go(order)
	p.Click("Cancel booking…")
	p.WaitText("You get back $45.00 (100% of $45.00)", 10*time.Second)
	p.Check("cancel-preview")
	p.Click("Cancel and refund $45.00")
	p.WaitText("Cancelled: $45.00 (100%) refunded", 30*time.Second)
	p.Check("cancelled")
}

func TestOrganiserSetsUpAnOnSaleWatchesItAndChecksInTwice(t *testing.T) {
	st, b := setup(t)
	organiserRunsAnOnSale(t, st, b)
}

func organiserRunsAnOnSale(t *testing.T, st stack, b *Browser) {
	user := "web-organiser-" + suffix()
	adminToken := st.Token(t, user, true)
	admin := api{t, st.BaseURL, adminToken}
	p := b.NewPage(t, st.BaseURL, "organiser", Desktop)
	signIn(p, identity.Email(user))
	p.Go("/console")
	p.Check("console")

	p.Click("New venue")
	p.WaitText("New venue", 10*time.Second)
	venue := "Riverside Hall " + suffix()
	p.Fill("input[name=name]", venue)
	p.Fill("input[name=address]", "2 River Rd")
	p.Fill("input[name=city]", "Lyon")
	p.Fill("input[name=country]", "FR")
	p.Fill("input[name=capacity]", "500")
	p.Check("venue-new")
	p.Click("Create venue")
	p.WaitJS("venue created", `/^\/console\/venues\/[0-9a-f-]{36}$/.test(location.pathname)`, 30*time.Second)
	p.WaitText("Edit venue", 30*time.Second)
	venueID := strings.TrimPrefix(p.Path(), "/console/venues/")

	// Someone else saves the venue in between: the console says so and reloads.
	v := admin.call(200, "GET", "/admin/venues/"+venueID, nil)
	admin.call(200, "PATCH", "/admin/venues/"+venueID, map[string]any{"postal_code": "69001"},
		"If-Match", fmt.Sprint(v["version"]))
	p.Allow(412, "/admin/venues/"+venueID)
	p.Fill("input[name=capacity]", "600")
	p.Click("Save venue")
	p.WaitText("changed by someone else", 30*time.Second)
	p.Check("venue-conflict")
	p.Click("Reload")
	p.WaitJS("reloaded", `document.querySelector("input[name=postal_code]")?.value === "69001"`, 30*time.Second)

	p.Go("/console/events/new")
	p.WaitJS("venues listed", fmt.Sprintf(`!!document.querySelector("select[name=venue_id] option[value='%s']")`, venueID), 30*time.Second)
	name := "Autumn Jazz " + suffix()
	start := time.Now().Add(60 * 24 * time.Hour).UTC().Truncate(time.Hour)
	p.Fill("input[name=name]", name)
	p.Fill("select[name=venue_id]", venueID)
	p.Fill("input[name=starts_at]", start.Format("2006-01-02T15:04"))
	p.Fill("input[name=ends_at]", start.Add(2*time.Hour).Format("2006-01-02T15:04"))
	p.Fill("input[name=capacity]", "40")
	// Two ticket types: General admission (the form's first row) and Balcony.
	p.Fill("input[name=type-0-price]", "30.00")
	p.Fill("input[name=type-0-capacity]", "30")
	p.Click("Add ticket type")
	p.Fill("input[name=type-1-name]", "Balcony")
	p.Fill("input[name=type-1-price]", "50.00")
	p.Fill("input[name=type-1-capacity]", "10")
	p.Check("event-new")
	p.Click("Create draft")
	p.WaitJS("event created", `/^\/console\/events\/[0-9a-f-]{36}$/.test(location.pathname)`, 30*time.Second)
	p.WaitText("draft", 30*time.Second)
	eventID := strings.TrimPrefix(p.Path(), "/console/events/")
	p.WaitJS("two types", `document.querySelectorAll("tr[data-type]").length === 2`, 30*time.Second)
	general, balcony := typeID(t, admin, eventID, "General admission"), typeID(t, admin, eventID, "Balcony")

	// A type edited by someone else in between: the console says so and reloads.
	p.Click("Edit Balcony")
	bt := admin.call(200, "GET", "/admin/events/"+eventID, nil)
	for _, x := range bt["ticket_types"].([]any) {
		if m := x.(map[string]any); str(m, "ticket_type_id") == balcony {
			admin.call(200, "PATCH", "/admin/events/"+eventID+"/ticket-types/"+balcony, map[string]any{"capacity": 12},
				"If-Match", fmt.Sprint(m["version"]))
		}
	}
	p.Allow(412, "/ticket-types/"+balcony)
	p.Fill("input[name$=-price][id^=type-]", "55.00")
	p.Click("Save Balcony")
	p.WaitText("changed by someone else", 30*time.Second)
	p.Check("type-conflict")
	p.Click("Reload")
	p.WaitJS("type reloaded", `document.querySelector("tr[data-type=Balcony]")?.children[2]?.textContent === "12"`, 30*time.Second)
	p.Click("Edit Balcony")
	p.Fill("input[name$=-price][id^=type-]", "55.00")
	p.Click("Save Balcony")
	p.WaitJS("type saved", `document.querySelector("tr[data-type=Balcony]")?.children[1]?.textContent.includes("55.00")`, 30*time.Second)

	// A third type added, then deleted (it has sold nothing).
	p.Click("Add ticket type")
	p.Fill("input[name=new-name]", "Standing")
	p.Fill("input[name=new-price]", "10.00")
	p.Fill("input[name=new-capacity]", "5")
	p.Click("Add type")
	p.WaitJS("three types", `document.querySelectorAll("tr[data-type]").length === 3`, 30*time.Second)
	Eval[bool](p, `(window.confirm = () => true, true)`) // the page asks before deleting; the test says yes
	p.Click("Delete Standing")
	p.WaitJS("two types again", `document.querySelectorAll("tr[data-type]").length === 2`, 30*time.Second)

	p.Click("Publish")
	p.WaitText("Published: the event is on sale.", 30*time.Second)
	p.Check("event-published")

	p.Click("Promo codes")
	p.WaitText("No codes yet.", 30*time.Second)
	p.Fill("input[name=code]", "jazz20")
	p.Fill("input[name=new-percent]", "20")
	p.Click("Create code")
	p.WaitJS("code listed", `!!document.querySelector("tr[data-code=JAZZ20]") && document.body.innerText.includes("20% off")`, 30*time.Second)
	p.Check("promo-codes")
	p.Click("Edit JAZZ20")
	p.Fill("input[name=edit-percent]", "25")
	p.Click("Save JAZZ20")
	p.WaitJS("code edited", `document.querySelector("tr[data-code=JAZZ20]")?.textContent.includes("25% off")`, 30*time.Second)
	Eval[bool](p, `(window.confirm = () => true, true)`)
	p.Click("Delete JAZZ20")
	p.WaitJS("code deleted", `(r => !r || r.textContent.includes("(deleted)"))(document.querySelector("tr[data-code=JAZZ20]"))`, 30*time.Second)
	p.Check("promo-code-deleted")

	p.Go("/console/events/" + eventID + "/sales")
	p.WaitJS("sales counters", `document.querySelector("[data-stat=sold]")?.textContent === "0" && document.querySelectorAll("[data-testid=by-type] tr[data-type]").length === 2`, 30*time.Second)
	p.Check("sales-before")
	buyer := api{t, st.BaseURL, st.Token(t, "web-jazz-fan-"+suffix(), false)}
	bookingID := buy(t, buyer, eventID, 2, general)
	buy(t, buyer, eventID, 1, balcony)
	p.WaitJS("sales update", `document.querySelector("[data-stat=sold]")?.textContent === "3" && document.querySelector("[data-stat=revenue]")?.textContent.includes("115.00")`, 60*time.Second)
	p.WaitJS("sales per type", `(() => { const row = n => document.querySelector("[data-testid=by-type] tr[data-type='" + n + "']");
		return row("General admission")?.querySelector("[data-stat=sold]")?.textContent === "2" &&
			row("General admission")?.querySelector("[data-stat=revenue]")?.textContent.includes("60.00") &&
			row("Balcony")?.querySelector("[data-stat=sold]")?.textContent === "1" &&
			row("Balcony")?.querySelector("[data-stat=revenue]")?.textContent.includes("55.00"); })()`, 60*time.Second)
	p.WaitJS("chart", `document.querySelectorAll(".chart svg path").length === 3`, 60*time.Second)
	p.Check("sales-after")

	tickets := buyer.call(200, "GET", "/bookings/"+bookingID+"/tickets", nil)
	code := str(tickets["tickets"].([]any)[0].(map[string]any), "code")
	p.Go("/console/events/" + eventID + "/checkin")
	p.Check("checkin")
	p.Fill("input[name=code]", code)
	p.Click("Check in")
	p.WaitJS("first scan", `document.querySelector("[data-result]")?.dataset.result === "ok"`, 30*time.Second)
	p.WaitText("General admission, ticket", 5*time.Second)
	p.Check("checkin-first")
	p.Allow(409, "/checkins")
	p.Fill("input[name=code]", code)
	p.Click("Check in")
	p.WaitJS("second scan refused", `document.querySelector("[data-result]")?.dataset.result === "again"`, 30*time.Second)
	p.WaitText("ALREADY CHECKED IN", 5*time.Second)
	p.Check("checkin-again")

	p.Go("/console/events/" + eventID + "/sales")
	p.WaitJS("checked in counted", `document.querySelector("[data-stat=checked_in]")?.textContent === "1" &&
		document.querySelector("[data-testid=by-type] tr[data-type='General admission'] [data-stat=checked_in]")?.textContent === "1"`, 30*time.Second)
	p.Go("/console/events/" + eventID + "/bookings")
	p.WaitText("confirmed", 30*time.Second)
	p.Check("bookings")
	p.Go("/console/events/" + eventID + "/waitlist")
	p.WaitText("Nobody is waiting.", 30*time.Second)
	p.Check("waitlist")
	p.Go("/console/venues")
	p.WaitText(venue, 30*time.Second)
	p.Check("venues")
}

func TestBuyerIsToldWhichSeatsRanShort(t *testing.T) {
	st, b := setup(t)
	buyerMeetsTheEventCap(t, st, b)
}

// buyerMeetsTheEventCap: two types of 3 under an event cap of 3 (oversubscribed). With 2
// sold, each type shows 1 left, and an order of one of each is refused by the event's
// cap: the 409 says so, and one ticket then goes through. Then a type of its own runs
// short.
func buyerMeetsTheEventCap(t *testing.T, st stack, b *Browser) {
	admin := api{t, st.BaseURL, st.Token(t, "web-admin-5", true)}
	eventID := publishedEvent(t, admin, "Small Room Quartet "+suffix(), 3, ticketType("Stalls", 2000, 3, false), ticketType("Circle", 2500, 3, false))
	first := api{t, st.BaseURL, st.Token(t, "web-early-"+suffix(), false)}
	buy(t, first, eventID, 2, typeID(t, admin, eventID, "Stalls"))

	user := "web-late-" + suffix()
	st.Token(t, user, false)
	p := b.NewPage(t, st.BaseURL, "short", Phone)
	signIn(p, identity.Email(user))
	p.Go("/e/" + eventID)
	p.WaitText("1 of 3 left", 30*time.Second)
	// By keyboard alone: Tab to each quantity, type it, Enter submits the order.
	p.TabTo("tr[data-type=Stalls] input")
	p.Type(kb.ArrowUp)
	p.TabTo("tr[data-type=Circle] input")
	p.Type(kb.ArrowUp)
	p.WaitText("$45.00", 10*time.Second)
	p.Allow(409, "/events/"+eventID+"/bookings")
	p.Type(kb.Enter)
	p.WaitText("Not enough seats left at this event (1 left)", 30*time.Second)
	p.Check("short")
	p.Fill("tr[data-type=Circle] input", "0")
	p.Click("Reserve tickets")
	p.WaitPath("/checkout/")
	p.WaitText("Stalls × 1", 30*time.Second)
	p.Check("checkout")

	// A type's own quota runs out while the page still shows a seat of it (its poll
	// held back, as a page a moment old): the 409 names the type and marks its row.
	other := publishedEvent(t, admin, "Tiny Box Office "+suffix(), 10, ticketType("Box", 8000, 1, false), ticketType("Floor", 3000, 9, false))
	p.Go("/e/" + other)
	p.WaitJS("one box seat", `document.querySelector("tr[data-type=Box] input")?.max === "1"`, 30*time.Second)
	Eval[bool](p, `(Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" }), true)`)
	buy(t, first, other, 1, typeID(t, admin, other, "Box"))
	p.Fill("tr[data-type=Box] input", "1")
	p.Fill("tr[data-type=Floor] input", "2")
	p.Allow(409, "/events/"+other+"/bookings")
	p.Click("Reserve tickets")
	p.WaitText("Not enough seats: Box (0 left)", 30*time.Second)
	p.WaitJS("row marked", `document.querySelector("tr[data-type=Box]")?.classList.contains("short")`, 10*time.Second)
	p.Check("type-short")
}

func TestBuyerWaitsInTheWaitingRoomAndGoesStraightToCheckout(t *testing.T) {
	st, b := setup(t)
	buyerQueues(t, st, b)
}

func buyerQueues(t *testing.T, st stack, b *Browser) {
	admin := api{t, st.BaseURL, st.Token(t, "web-admin-4", true)}
	v := admin.call(201, "POST", "/admin/venues", map[string]any{"name": "Arena " + suffix(), "address": "3 Park Ave",
		"city": "Austin", "country": "US", "capacity": 1000})
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Hour)
	// The sale starts a little after the buyer joins: the buyer waits in the pre-queue,
	// and the admitter (template.yaml's schedule, run by the local stack) lets them in.
	onSale := time.Now().Add(20 * time.Second).UTC()
	e := admin.call(201, "POST", "/admin/events", map[string]any{"name": "Big Arena Show " + suffix(), "venue_id": str(v, "venue_id"),
		"category": "concert", "starts_at": start.Format(time.RFC3339), "ends_at": start.Add(3 * time.Hour).Format(time.RFC3339),
		"capacity": 100, "ticket_types": []map[string]any{ticketType("Floor", 6000, 100, false)},
		"waiting_room": map[string]any{"enabled": true, "opens_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
			"on_sale_at": onSale.Format(time.RFC3339), "admission_per_second": 10, "admission_ttl_seconds": 600}})
	eventID := str(e, "event_id")
	admin.call(200, "POST", "/admin/events/"+eventID+"/publish", nil)

	user := "web-queuer-" + suffix()
	st.Token(t, user, false)
	p := b.NewPage(t, st.BaseURL, "queue", Phone)
	signIn(p, identity.Email(user))
	p.Go("/e/" + eventID)
	p.Fill("tr[data-type=Floor] input", "2")
	p.Click("Join the line")
	p.WaitPath("/e/" + eventID + "/queue")
	p.WaitJS("in line", `["pre_queue", "waiting"].includes(document.querySelector("[data-state]")?.dataset.state)`, 30*time.Second)
	p.Check("waiting")
	// Admitted, the page reserves the order chosen on the event page and goes on. The
	// admitter first runs a minute after the stack starts, so this may take that long.
	p.WaitJS("admitted and reserved", `location.pathname.startsWith("/checkout/") && !!document.getElementById("page-title")`, 180*time.Second)
	p.WaitText("Floor × 2", 30*time.Second)
	p.Check("checkout")
	p.Click("Pay $120.00")
	p.WaitPath("/orders/")
	p.WaitJS("two QR codes", `document.querySelectorAll("svg.qr").length === 2`, 30*time.Second)
	p.Check("order")
}

// stripeJS stands in for https://js.stripe.com/v3/, which the test cannot reach: it
// records what the pay step asks of Stripe.js and answers as Stripe.js would for a card
// Stripe's test mode accepts.
const stripeJS = `window.Stripe = function (key) {
	window.stripeSeen = { key: key };
	return {
		elements: function (options) {
			window.stripeSeen.elements = options;
			return {
				create: function (type) {
					return {
						mount: function (el) { window.stripeSeen.mounted = type; el.innerHTML = '<p data-testid="payment-element">Card details (Stripe)</p>'; },
						destroy: function () {},
					};
				},
				submit: function () { window.stripeSeen.submitted = true; return Promise.resolve({}); },
			};
		},
		createPaymentMethod: function () { return Promise.resolve({ paymentMethod: { id: "pm_card_visa" } }); },
		handleNextAction: function () { return Promise.resolve({ error: { message: "not in this test" } }); },
	};
};`

func TestBuyerPaysThroughStripesPaymentElement(t *testing.T) {
	st, b := setup(t)
	buyerPaysWithThePaymentElement(t, st, b)
}

// buyerPaysWithThePaymentElement: with a publishable key in config.json (as make
// deploy-web writes it), the pay step loads Stripe.js, mounts the Payment Element for
// the hold's amount and pays with the payment method it creates.
func buyerPaysWithThePaymentElement(t *testing.T, st stack, b *Browser) {
	admin := api{t, st.BaseURL, st.Token(t, "web-admin-6", true)}
	eventID := publishedEvent(t, admin, "Card Night "+suffix(), 20, ticketType("Seated", 3500, 20, false))
	status, cfg, raw := api{t, st.BaseURL, ""}.try("GET", "/config.json", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /config.json = %d %s", status, raw)
	}
	cfg["stripePublishableKey"] = "pk_test_webtest"
	withKey, _ := json.Marshal(cfg)

	user := "web-card-" + suffix()
	st.Token(t, user, false)
	p := b.NewPage(t, st.BaseURL, "stripe", Phone)
	p.Serve(st.BaseURL+"/config.json", "application/json", withKey)
	p.Serve("https://js.stripe.com/", "text/javascript", []byte(stripeJS))
	signIn(p, identity.Email(user))
	p.Go("/e/" + eventID)
	p.Fill("tr[data-type=Seated] input", "2")
	p.Click("Reserve tickets")
	p.WaitPath("/checkout/")
	p.WaitJS("payment element", `!!document.querySelector("[data-testid=payment-element]")`, 30*time.Second)
	if got := Eval[string](p, `JSON.stringify([stripeSeen.key, stripeSeen.mounted, stripeSeen.elements])`); got != `["pk_test_webtest","payment",{"mode":"payment","amount":7000,"currency":"usd"}]` {
		t.Errorf("Stripe.js was asked for %s", got)
	}
	if Eval[bool](p, `!!document.querySelector("input[value=pm_card_visa]")`) {
		t.Error("the test methods show beside the Payment Element")
	}
	p.Check("payment-element")
	p.Click("Pay $70.00")
	p.WaitPath("/orders/")
	p.WaitJS("two QR codes", `document.querySelectorAll("svg.qr").length === 2`, 30*time.Second)
	if !Eval[bool](p, `stripeSeen.submitted === true`) {
		t.Error("the pay step did not submit the Payment Element before creating the payment method")
	}
	p.Check("order")
}
