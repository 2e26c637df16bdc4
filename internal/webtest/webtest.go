// Package webtest drives the web app in headless Chromium (Debian's chromium, installed
// when missing) against the local stack: it watches every page for console errors,
// uncaught exceptions and failed requests, runs axe-core on each page, and saves a
// screenshot of each to .local/screens/.
package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// ChromiumPath is where Debian's chromium package puts the browser.
const ChromiumPath = "/usr/bin/chromium"

var installOnce sync.Once

// Chromium returns the browser's path, installing Debian's package first when it is
// missing (the machines run as root); it fails the test when there is no browser after.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("BME_CHROMIUM"); p != "" {
		return p
	}
	installOnce.Do(func() {
		if _, err := os.Stat(ChromiumPath); err == nil {
			return
		}
		t.Logf("webtest: %s is missing; installing Debian's chromium", ChromiumPath)
		cmd := exec.Command("sh", "-c", "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("webtest: apt-get: %v\n%s", err, out)
		}
	})
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Fatalf("webtest: no browser at %s and it could not be installed (apt-get install chromium): %v", ChromiumPath, err)
	}
	return ChromiumPath
}

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
}

// NewBrowser starts Chromium with a profile of its own; Close stops it.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	dir, err := os.MkdirTemp("", "bme-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{ctx: ctx, cancel: func() { cancel(); acancel() }, dir: dir}
	if err := chromedp.Do(ctx); err != nil {
		b.Close()
		t.Fatalf("webtest: start chromium: %v", err)
	}
	return b
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	b.cancel()
	_ = os.RemoveAll(b.dir)
}

// Page is one tab, with its own sessionStorage (so its own signed-in user).
type Page struct {
	t       testing.TB
	ctx     context.Context
	base    string
	name    string
	shots   int
	phone   bool
	mu      sync.Mutex
	errs    []string
	allowed []allowance
	routes  []route
}

// route is a stand-in answer for the requests whose URL starts with prefix.
type route struct {
	prefix, contentType string
	body                []byte
}

type allowance struct {
	status int
	path   string
}

// Phone is the viewport of a phone-width page.
var Phone = [2]int64{390, 844}

// Desktop is a laptop's viewport.
var Desktop = [2]int64{1280, 900}

// NewPage opens a tab at base (the site's origin) with the given viewport. name prefixes
// its screenshots.
func (b *Browser) NewPage(t testing.TB, base, name string, viewport [2]int64) *Page {
	t.Helper()
	p := &Page{t: t, base: strings.TrimRight(base, "/"), name: name, phone: viewport == Phone}
	requests := map[network.RequestID]string{}
	var rmu sync.Mutex
	listen := func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				p.fail("console.%s: %s", e.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			p.fail("uncaught exception: %s", msg)
		case *cdplog.EventEntryAdded:
			// Network errors are judged by status below, where expected answers are allowed.
			if e.Entry.Level == cdplog.EntryLevelError && e.Entry.Source != cdplog.EntrySourceNetwork {
				p.fail("console (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			rmu.Lock()
			requests[e.RequestID] = e.Request.Method + " " + e.Request.URL
			rmu.Unlock()
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 && !p.isAllowed(int(e.Response.Status), e.Response.URL) {
				rmu.Lock()
				req := requests[e.RequestID]
				rmu.Unlock()
				p.fail("request failed: %s -> %d", req, e.Response.Status)
			}
		case *fetch.EventRequestPaused:
			r, ok := p.route(e.Request.URL)
			params := fetch.FulfillRequestParams{RequestID: e.RequestID, ResponseCode: 200, Body: r.body,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: r.contentType}, {Name: "Cache-Control", Value: "no-store"}}}
			// A listener must not block the tab's event loop: answer from a goroutine.
			go func() {
				if !ok {
					_, _ = chromedp.Call(p.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
					return
				}
				if _, err := chromedp.Call(p.ctx, fetch.FulfillRequest, params); err != nil {
					p.fail("serve %s: %v", e.Request.URL, err)
				}
			}()
		case *network.EventLoadingFailed:
			// A fetch cut short by leaving the page is not a failure.
			if e.Canceled || e.ErrorText == "net::ERR_ABORTED" {
				return
			}
			rmu.Lock()
			req := requests[e.RequestID]
			rmu.Unlock()
			p.fail("request failed: %s: %s", req, e.ErrorText)
		}
	}
	// chromedp enables the Runtime, Log and Network domains of every tab.
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(listen))
	t.Cleanup(cancel)
	p.ctx = ctx
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewport[0], viewport[1])); err != nil {
		t.Fatalf("webtest: open tab: %v", err)
	}
	t.Cleanup(func() { p.CheckClean() })
	return p
}

// Serve answers every request of the page for a URL starting with prefix with body, as
// the network would have: a stand-in for a third party the test cannot reach (Stripe.js)
// or a changed /config.json. Call it before the page loads what it replaces.
func (p *Page) Serve(prefix, contentType string, body []byte) {
	p.t.Helper()
	p.mu.Lock()
	p.routes = append(p.routes, route{prefix, contentType, body})
	var patterns []*fetch.RequestPattern
	for _, r := range p.routes {
		patterns = append(patterns, &fetch.RequestPattern{URLPattern: r.prefix + "*"})
	}
	p.mu.Unlock()
	if _, err := chromedp.Call(p.ctx, fetch.Enable, fetch.EnableParams{Patterns: patterns}); err != nil {
		p.t.Fatalf("webtest: intercept %s: %v", prefix, err)
	}
}

func (p *Page) route(url string) (route, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.routes {
		if strings.HasPrefix(url, r.prefix) {
			return r, true
		}
	}
	return route{}, false
}

func (p *Page) fail(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, fmt.Sprintf(format, args...))
}

// Allow lets one expected error answer through (a 409 already_checked_in, a 412 stale
// edit): status for a URL path containing path.
func (p *Page) Allow(status int, path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allowed = append(p.allowed, allowance{status, path})
}

func (p *Page) isAllowed(status int, url string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, a := range p.allowed {
		if a.status == status && strings.Contains(url, a.path) {
			p.allowed = append(p.allowed[:i], p.allowed[i+1:]...)
			return true
		}
	}
	return false
}

// CheckClean fails the test for every console error, exception or failed request so far.
func (p *Page) CheckClean() {
	p.t.Helper()
	p.mu.Lock()
	errs := p.errs
	p.errs = nil
	p.mu.Unlock()
	for _, e := range errs {
		p.t.Errorf("%s: %s", p.name, e)
	}
}

// Do runs chromedp actions, failing the test on error.
func (p *Page) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %s: %v (page text: %q)", p.name, what, err, p.Text())
	}
}

// Run runs one action and returns its value, failing the test on error.
func Run[T any](p *Page, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 90*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%s: %s: %v (page text: %q)", p.name, what, err, p.Text())
	}
	return v
}

// ClickSelector clicks the element a CSS selector finds (a radio button, a checkbox).
func (p *Page) ClickSelector(selector string) {
	p.t.Helper()
	p.Do("click "+selector, chromedp.WaitVisible(chromedp.CSS(selector)), chromedp.Click(chromedp.CSS(selector)))
}

// Eval evaluates a JavaScript expression, awaiting a promise, into a T.
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	return Run(p, "evaluate", chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Text is the page's visible text, for failure messages.
func (p *Page) Text() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// Go opens a path of the site and waits for its heading.
func (p *Page) Go(path string) {
	p.t.Helper()
	p.Do("open "+path, chromedp.Navigate(p.base+path), chromedp.WaitVisible(chromedp.CSS("#page-title")))
}

// Path is the page's current path and query.
func (p *Page) Path() string {
	return Eval[string](p, `location.pathname + location.search`)
}

// WaitJS waits until a JavaScript expression is truthy.
func (p *Page) WaitJS(what, expr string, timeout time.Duration) {
	p.t.Helper()
	Run(p, "wait for "+what, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(200*time.Millisecond)))
}

// WaitText waits until the page shows text, in any case (CSS may capitalise it).
func (p *Page) WaitText(text string, timeout time.Duration) {
	p.t.Helper()
	p.WaitJS(fmt.Sprintf("text %q", text), fmt.Sprintf(`document.body && document.body.innerText.toLowerCase().includes(%s)`, js(strings.ToLower(text))), timeout)
}

// WaitPath waits until the location's path starts with prefix.
func (p *Page) WaitPath(prefix string) {
	p.t.Helper()
	p.WaitJS("path "+prefix, fmt.Sprintf(`location.pathname.startsWith(%s) && !!document.getElementById("page-title")`, js(prefix)), 60*time.Second)
}

// Fill sets a form control's value as typing would (an input event), or choosing for a
// select (a change event).
func (p *Page) Fill(selector, value string) {
	p.t.Helper()
	expr := fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) throw new Error("no element " + %s);
		el.focus();
		const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
		Object.getOwnPropertyDescriptor(proto, "value").set.call(el, %s);
		el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
		return true;
	})()`, js(selector), js(selector), js(value))
	p.Do("wait for "+selector, chromedp.WaitVisible(chromedp.CSS(selector)))
	Eval[bool](p, expr)
}

// Click clicks the enabled button whose text is text, or else the link.
func (p *Page) Click(text string) {
	p.t.Helper()
	find := fmt.Sprintf(`(() => { const m = e => e.textContent.trim() === %s && !e.disabled;
		return [...document.querySelectorAll("main button")].find(m) || [...document.querySelectorAll("main a")].find(m) ||
			[...document.querySelectorAll("button, a")].find(m); })()`, js(text))
	p.WaitJS("control "+text, "!!"+find, 30*time.Second)
	Eval[bool](p, `(() => { const e = `+find+`; e.click(); return true })()`)
}

// TabTo presses Tab until the focused element matches selector, as a keyboard user would
// reach it; it fails the test when 60 presses do not get there.
func (p *Page) TabTo(selector string) {
	p.t.Helper()
	for range 60 {
		p.Do("press Tab", chromedp.KeyEvent(kb.Tab))
		if Eval[bool](p, fmt.Sprintf(`!!document.activeElement?.matches(%s)`, js(selector))) {
			return
		}
	}
	p.t.Fatalf("%s: Tab never reaches %s (focus is on %s)", p.name, selector, Eval[string](p, `document.activeElement?.outerHTML.slice(0, 120) || ""`))
}

// Type sends keys to the focused element.
func (p *Page) Type(keys string) {
	p.t.Helper()
	p.Do("type", chromedp.KeyEvent(keys))
}

// Inject runs a script file from web/node_modules in the page.
func (p *Page) Inject(rel string) {
	p.t.Helper()
	root, err := workspace.Root()
	if err != nil {
		p.t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "web", "node_modules", rel))
	if err != nil {
		p.t.Fatalf("webtest: %v (npm ci in web/ installs it)", err)
	}
	Run(p, "inject "+rel, chromedp.Evaluate[bool](string(src)+"\n;true"))
}

// Violation is an axe-core finding.
type Violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// Check screenshots the page as <name>-<n>-<step>.png under .local/screens/, runs axe-core
// on it (serious and critical violations fail the test), on a phone checks that nothing
// makes the page scroll sideways, and reports errors seen so far.
func (p *Page) Check(step string) {
	p.t.Helper()
	p.shots++
	p.Do("settle", chromedp.Sleep(150*time.Millisecond))
	png := Run(p, "screenshot", chromedp.FullScreenshot(100))
	path, err := workspace.Local("screens", fmt.Sprintf("%s-%02d-%s.png", p.name, p.shots, step))
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	if !Eval[bool](p, `typeof axe !== "undefined"`) {
		p.Inject("axe-core/axe.min.js")
	}
	raw := Eval[string](p, `axe.run(document, { resultTypes: ["violations"] }).then(r => JSON.stringify(r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html.slice(0, 160)) }))))`)
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		p.t.Fatalf("axe: %v: %s", err, raw)
	}
	for _, v := range vs {
		p.t.Errorf("%s %s: axe %s (%s): %s %v", p.name, step, v.ID, v.Impact, v.Help, v.Nodes)
	}
	if p.phone {
		if wide := Eval[string](p, `document.documentElement.scrollWidth > innerWidth ? [...document.querySelectorAll("main *")]
			.filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 3).map(e => e.outerHTML.slice(0, 120)).join(" | ") || "?" : ""`); wide != "" {
			p.t.Errorf("%s %s: wider than the phone's screen: %s", p.name, step, wide)
		}
	}
	p.CheckClean()
}

// DecodeQRCodes draws every QR code on the page into a canvas and decodes it with jsQR,
// returning the decoded texts and the codes the page meant to draw (data-code).
func (p *Page) DecodeQRCodes() (decoded, meant []string) {
	p.t.Helper()
	if !Eval[bool](p, `typeof jsQR !== "undefined"`) {
		p.Inject("jsqr/dist/jsQR.js")
	}
	raw := Eval[string](p, `Promise.all([...document.querySelectorAll("svg.qr")].map(svg => new Promise((resolve, reject) => {
		const img = new Image();
		img.onload = () => {
			const c = document.createElement("canvas");
			c.width = c.height = 400;
			const g = c.getContext("2d");
			g.fillStyle = "#fff";
			g.fillRect(0, 0, 400, 400);
			g.drawImage(img, 0, 0, 400, 400);
			const d = g.getImageData(0, 0, 400, 400);
			const r = jsQR(d.data, 400, 400);
			resolve({ decoded: r ? r.data : "", meant: svg.dataset.code || "" });
		};
		img.onerror = () => reject(new Error("QR svg did not load"));
		img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(svg));
	}))).then(r => JSON.stringify(r))`)
	var out []struct{ Decoded, Meant string }
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		p.t.Fatalf("decode QR: %v: %s", err, raw)
	}
	for _, o := range out {
		decoded = append(decoded, o.Decoded)
		meant = append(meant, o.Meant)
	}
	return decoded, meant
}

func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
