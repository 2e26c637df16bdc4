// Package stripemock runs stripe-mock (Stripe's own mock of its API, validated against
// its OpenAPI spec) for the local stack and the tests, installed with `go install` into
// .local/bin on first use, behind a small front that adds the documented behaviours a
// stateless mock lacks and the product depends on:
//   - Idempotency-Key: a POST repeated under a key gets the first answer again
//     (Idempotent-Replayed: true); one arriving while the first is in flight gets 409,
//     and one with other parameters 400, both idempotency_error, as from Stripe.
//   - Stripe's test payment methods: a confirmed PaymentIntent with pm_card_visa
//     succeeds, pm_card_chargeDeclined (and pm_card_declined) is a 402 card_error,
//     pm_card_authenticationRequired (and pm_card_threeDSecure2Required) requires action.
//   - metadata sent on a PaymentIntent or Refund comes back on it.
//
// GET /__local/counts says how many PaymentIntents and Refunds were really created
// (replays not counted), so tests can check that money moved once.
package stripemock

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/child"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// Version is the pinned stripe-mock release (the newest the module proxy serves).
const Version = "v0.203.0"

// Module is what `go install` fetches.
const Module = "github.com/stripe/stripe-mock"

// EnvURL is the variable cmd/local exec sets to the running front, for tests.
const EnvURL = "BME_STRIPE_URL"

// SecretKey is the API key the local stack uses; stripe-mock accepts any sk_test_ key.
const SecretKey = "sk_test_local"

// WebhookSecret is the local webhook signing secret; the project's own test events are
// signed with it (stripe-mock sends no webhooks).
const WebhookSecret = "whsec_local"

// Ensure installs stripe-mock into .local/bin unless that version is there and returns
// the binary. A file lock serialises concurrent installers.
func Ensure(ctx context.Context, log io.Writer) (string, error) {
	bin, err := workspace.Local("bin")
	if err != nil {
		return "", err
	}
	exe := filepath.Join(bin, "stripe-mock")
	marker := filepath.Join(bin, ".stripe-mock-"+Version)
	if fileExists(marker) && fileExists(exe) {
		return exe, nil
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(bin, ".stripe-mock.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close() // closing releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("stripe-mock: lock: %w", err)
	}
	if fileExists(marker) && fileExists(exe) {
		return exe, nil
	}
	fmt.Fprintf(log, "stripe-mock: go install %s@%s into %s (first run only)\n", Module, Version, bin)
	cmd := exec.CommandContext(ctx, "go", "install", Module+"@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+bin)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("stripe-mock: go install %s@%s: %w", Module, Version, err)
	}
	return exe, os.WriteFile(marker, nil, 0o644)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Options configure Start.
type Options struct {
	// Addr is host:port for the front; empty or port 0 picks a free port on 127.0.0.1.
	Addr string
	// Log receives stripe-mock's output; nil discards it.
	Log io.Writer
}

// Server is a running stripe-mock and its front.
type Server struct {
	// URL is the front's base URL, what STRIPE_API_BASE points at.
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	http *http.Server
	stop sync.Once
	f    *front
}

// Start installs stripe-mock if needed, starts it on a Unix socket (no port to race for)
// and serves the front on Addr. The child dies with its parent (Pdeathsig).
func Start(ctx context.Context, opts Options) (*Server, error) {
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	exe, err := Ensure(ctx, logw)
	if err != nil {
		return nil, err
	}
	sock, err := workspace.Local("stripe-mock", strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano(), 36)+".sock")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(sock), 0o755); err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("stripe-mock: listen %s: %w", addr, err)
	}
	cmd := exec.Command(exe, "-http-unix", sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		ln.Close()
		return nil, err
	}
	cmd.Stderr = logw
	if err := cmd.Start(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("stripe-mock: start: %w", err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			fmt.Fprintln(logw, sc.Text())
			if !signalled && strings.Contains(sc.Text(), "Listening for HTTP") {
				close(ready)
				signalled = true
			}
		}
	}()
	go func() { _ = cmd.Wait(); _ = os.Remove(sock); close(s.done) }()
	select {
	case <-ready:
	case <-s.done:
		ln.Close()
		return nil, errors.New("stripe-mock: exited before listening (see its log)")
	case <-time.After(30 * time.Second):
		ln.Close()
		s.Stop()
		return nil, errors.New("stripe-mock: did not start within 30s")
	case <-ctx.Done():
		ln.Close()
		s.Stop()
		return nil, ctx.Err()
	}
	s.f = newFront(sock)
	s.http = &http.Server{Handler: s.f, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	s.URL = "http://" + ln.Addr().String()
	return s, nil
}

// Stop ends the front and stripe-mock.
func (s *Server) Stop() {
	s.stop.Do(func() {
		if s.http != nil {
			_ = s.http.Close()
		}
		child.Stop(s.cmd, s.done, 3*time.Second)
	})
}

// Counts are the objects the front saw created, replays excluded.
type Counts struct {
	PaymentIntents int `json:"payment_intents"`
	Refunds        int `json:"refunds"`
}

// ReadCounts asks the front at base for its counts: those of one booking (the
// booking_id metadata the provider tags PaymentIntents and Refunds with), or of all when
// bookingID is empty. Test binaries share one stripe-mock, so a test that counts what its
// own booking caused names the booking; a delta of the totals would count other tests'.
func ReadCounts(ctx context.Context, base, bookingID string) (Counts, error) {
	u := strings.TrimRight(base, "/") + "/__local/counts"
	if bookingID != "" {
		u += "?booking_id=" + url.QueryEscape(bookingID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Counts{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Counts{}, err
	}
	defer resp.Body.Close()
	var c Counts
	return c, json.NewDecoder(resp.Body).Decode(&c)
}

// front is the reverse proxy in front of stripe-mock.
type front struct {
	mock *http.Client
	mu   sync.Mutex
	keys map[string]*keyed
	n    Counts
	// byBooking are the counts per booking_id metadata value.
	byBooking map[string]*Counts
}

// keyed is what Stripe keeps under one Idempotency-Key.
type keyed struct {
	params [32]byte
	done   bool
	status int
	body   []byte
}

func newFront(sock string) *front {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	return &front{mock: &http.Client{Transport: tr, Timeout: 30 * time.Second}, keys: map[string]*keyed{}, byBooking: map[string]*Counts{}}
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__local/counts" {
		f.mu.Lock()
		c := f.n
		if id := r.URL.Query().Get("booking_id"); id != "" {
			c = Counts{}
			if b := f.byBooking[id]; b != nil {
				c = *b
			}
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(c)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if r.Method != http.MethodPost || key == "" {
		status, out, hdr := f.forward(r, body)
		writeResp(w, status, out, hdr, false)
		return
	}
	// Stripe scopes keys to the account; one local account, so the key alone.
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"?"), body...))
	f.mu.Lock()
	k, ok := f.keys[key]
	switch {
	case ok && k.params != sum:
		f.mu.Unlock()
		writeStripeError(w, http.StatusBadRequest, "idempotency_error",
			"Keys for idempotent requests can only be used with the same parameters they were first used with.")
		return
	case ok && !k.done:
		f.mu.Unlock()
		writeStripeError(w, http.StatusConflict, "idempotency_error",
			"There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): "+key+". Please try again later.")
		return
	case ok:
		f.mu.Unlock()
		writeResp(w, k.status, k.body, nil, true)
		return
	}
	k = &keyed{params: sum}
	f.keys[key] = k
	f.mu.Unlock()

	status, out, hdr := f.forward(r, body)
	f.mu.Lock()
	if status >= 500 {
		delete(f.keys, key) // Stripe does not keep answers to failures on its side
	} else {
		k.done, k.status, k.body = true, status, out
		if status < 300 || status == http.StatusPaymentRequired {
			form, _ := url.ParseQuery(string(body))
			id := form.Get("metadata[booking_id]")
			b := f.byBooking[id]
			if b == nil {
				b = &Counts{}
				f.byBooking[id] = b
			}
			switch {
			case r.URL.Path == "/v1/payment_intents":
				f.n.PaymentIntents++
				b.PaymentIntents++
			case r.URL.Path == "/v1/refunds":
				f.n.Refunds++
				b.Refunds++
			}
		}
	}
	f.mu.Unlock()
	writeResp(w, status, out, hdr, false)
}

func (f *front) forward(r *http.Request, body []byte) (int, []byte, http.Header) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://stripe-mock"+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return http.StatusBadGateway, []byte(err.Error()), nil
	}
	req.Header = r.Header.Clone()
	resp, err := f.mock.Do(req)
	if err != nil {
		return http.StatusBadGateway, []byte(err.Error()), nil
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return http.StatusBadGateway, []byte(err.Error()), nil
	}
	if resp.StatusCode != http.StatusOK || r.Method != http.MethodPost {
		return resp.StatusCode, out, resp.Header
	}
	form, _ := url.ParseQuery(string(body))
	status, patched := patch(r.URL.Path, form, out)
	return status, patched, resp.Header
}

// patch makes stripe-mock's fixture answer what Stripe answers for these parameters.
func patch(path string, form url.Values, out []byte) (int, []byte) {
	var obj map[string]any
	if err := json.Unmarshal(out, &obj); err != nil {
		return http.StatusOK, out
	}
	if md := metadata(form); len(md) > 0 {
		obj["metadata"] = md
	}
	status := http.StatusOK
	if obj["object"] == "payment_intent" && (form.Get("confirm") == "true" || strings.HasSuffix(path, "/confirm")) {
		if pm := form.Get("payment_method"); pm != "" {
			obj["payment_method"] = pm
		}
		obj["next_action"], obj["last_payment_error"], obj["canceled_at"] = nil, nil, nil
		switch form.Get("payment_method") {
		case "pm_card_chargeDeclined", "pm_card_declined":
			obj["status"] = "requires_payment_method"
			obj["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "generic_decline"}
			return http.StatusPaymentRequired, mustJSON(map[string]any{"error": map[string]any{
				"type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
				"message": "Your card was declined.", "payment_intent": obj,
			}})
		case "pm_card_authenticationRequired", "pm_card_threeDSecure2Required":
			obj["status"] = "requires_action"
			obj["next_action"] = map[string]any{"type": "use_stripe_sdk"}
		default:
			obj["status"] = "succeeded"
			obj["amount_received"] = obj["amount"]
		}
	}
	return status, mustJSON(obj)
}

func metadata(form url.Values) map[string]string {
	md := map[string]string{}
	for k, v := range form {
		if strings.HasPrefix(k, "metadata[") && strings.HasSuffix(k, "]") && len(v) > 0 {
			md[k[len("metadata["):len(k)-1]] = v[0]
		}
	}
	return md
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func writeStripeError(w http.ResponseWriter, status int, typ, msg string) {
	writeResp(w, status, mustJSON(map[string]any{"error": map[string]any{"type": typ, "message": msg}}), nil, false)
}

func writeResp(w http.ResponseWriter, status int, body []byte, hdr http.Header, replayed bool) {
	if v := hdr.Get("Request-Id"); v != "" {
		w.Header().Set("Request-Id", v)
	}
	w.Header().Set("Content-Type", "application/json")
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
