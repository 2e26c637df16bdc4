// Package gateway is the local HTTP API: it matches requests to the template's routes
// like API Gateway (most specific route wins), runs the JWT authorizer before any
// function, hands the function a payload 2.0 event and turns its answer back into HTTP.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/localstack/runtime"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// MaxBody is API Gateway's request payload limit.
const MaxBody = 10 << 20

// Invoker runs one event through a function (a *runtime.Pool).
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) (runtime.Result, error)
}

// Route is one HTTP API route bound to its function.
type Route struct {
	Method   string // GET, POST, ... or ANY
	Path     string // /events/{eventId}, /files/{proxy+} or $default
	Function string
	// Authorizer is nil for a public route (Auth.Authorizer NONE).
	Authorizer *Authorizer
	Invoker    Invoker

	segments []string
}

// RouteKey is "GET /events/{eventId}".
func (r *Route) RouteKey() string {
	if r.Path == "$default" {
		return "$default"
	}
	return r.Method + " " + r.Path
}

// Gateway serves an HTTP API.
type Gateway struct {
	routes []*Route
	cors   *template.Cors
	apiID  string
	log    io.Writer
	now    func() time.Time
	// timeout is the integration timeout (IntegrationTimeout; tests shorten it).
	timeout time.Duration
}

// New builds a gateway over routes; cors may be nil.
func New(apiID string, routes []*Route, cors *template.Cors, log io.Writer) *Gateway {
	if log == nil {
		log = io.Discard
	}
	for _, r := range routes {
		r.segments = splitPath(r.Path)
	}
	return &Gateway{routes: routes, cors: cors, apiID: apiID, log: log, now: time.Now, timeout: IntegrationTimeout}
}

func splitPath(p string) []string {
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}

// match finds the route for a request as API Gateway does: full matches only, literal
// segments beat {param} beat {proxy+}, an explicit method beats ANY, $default last.
func (g *Gateway) match(method, path string) (*Route, map[string]string) {
	segs := splitPath(path)
	var best *Route
	var bestParams map[string]string
	var bestScore []int
	for _, r := range g.routes {
		if r.Path == "$default" || (r.Method != method && r.Method != "ANY") {
			continue
		}
		params, score, ok := matchSegments(r.segments, segs)
		if !ok {
			continue
		}
		methodScore := 1
		if r.Method == "ANY" {
			methodScore = 0
		}
		score = append(score, methodScore)
		if best == nil || less(bestScore, score) {
			best, bestParams, bestScore = r, params, score
		}
	}
	if best == nil {
		for _, r := range g.routes {
			if r.Path == "$default" {
				return r, nil
			}
		}
	}
	return best, bestParams
}

// matchSegments scores each segment 2 (literal), 1 ({param}) or 0 ({proxy+}).
func matchSegments(route, path []string) (map[string]string, []int, bool) {
	params := map[string]string{}
	var score []int
	for i, seg := range route {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}") {
			if i >= len(path) || (len(path) == 1 && path[0] == "") {
				return nil, nil, false
			}
			params[seg[1:len(seg)-2]] = strings.Join(path[i:], "/")
			return params, append(score, 0), true
		}
		if i >= len(path) {
			return nil, nil, false
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if path[i] == "" {
				return nil, nil, false
			}
			v, err := url.PathUnescape(path[i])
			if err != nil {
				v = path[i]
			}
			params[seg[1:len(seg)-1]] = v
			score = append(score, 1)
			continue
		}
		if seg != path[i] {
			return nil, nil, false
		}
		score = append(score, 2)
	}
	if len(route) != len(path) {
		return nil, nil, false
	}
	return params, score, true
}

func less(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := requestID()
	w.Header().Set("Apigw-Requestid", reqID)
	status, fn := g.serve(w, r, reqID, start.Add(g.timeout))
	fmt.Fprintf(g.log, "gateway: %s %s -> %d %s %.1f ms\n", r.Method, r.URL.RequestURI(), status, fn, float64(time.Since(start).Microseconds())/1000)
}

// serve answers r by deadline: a client is never left waiting longer than API Gateway
// would let it, whatever the function or the local machine is doing.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, reqID string, deadline time.Time) (int, string) {
	if g.preflight(w, r) {
		return http.StatusNoContent, "(cors preflight)"
	}
	g.corsHeaders(w, r)
	route, params := g.match(r.Method, r.URL.Path)
	if route == nil {
		return message(w, http.StatusNotFound, "Not Found"), ""
	}
	var claims map[string]string
	if route.Authorizer != nil {
		token := bearer(r.Header.Get("Authorization"))
		if token == "" {
			w.Header().Set("Www-Authenticate", "Bearer")
			return message(w, http.StatusUnauthorized, "Unauthorized"), route.Function + " (no token)"
		}
		ctx, cancel := context.WithDeadline(r.Context(), deadline)
		var err error
		claims, err = route.Authorizer.Verify(ctx, token)
		cancel()
		if err != nil {
			var bad errToken
			if !errors.As(err, &bad) {
				fmt.Fprintf(g.log, "gateway: authorizer error: %v\n", err)
				return message(w, http.StatusInternalServerError, "Internal Server Error"), route.Function
			}
			w.Header().Set("Www-Authenticate", `Bearer scope="" error="invalid_token" error_description="`+bad.reason+`"`)
			return message(w, http.StatusUnauthorized, "Unauthorized"), route.Function + " (" + bad.reason + ")"
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return message(w, http.StatusBadRequest, "Bad Request"), ""
	}
	if len(body) > MaxBody {
		return message(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large"), ""
	}
	ev := g.Event(r, route, params, claims, body, reqID)
	payload, err := json.Marshal(ev)
	if err != nil {
		return message(w, http.StatusInternalServerError, "Internal Server Error"), route.Function
	}
	res, err := invokeWithin(r.Context(), route.Invoker, payload, deadline)
	if errors.Is(err, errIntegrationTimeout) || errors.Is(err, runtime.ErrQueueTimeout) {
		return message(w, http.StatusServiceUnavailable, "Service Unavailable"), route.Function + " (integration timeout)"
	}
	if err != nil || res.FunctionError != "" {
		if err != nil {
			fmt.Fprintf(g.log, "gateway: invoke %s: %v\n", route.Function, err)
		}
		return message(w, http.StatusInternalServerError, "Internal Server Error"), route.Function
	}
	status, err := writeResponse(w, res.Payload)
	if err != nil {
		fmt.Fprintf(g.log, "gateway: %s returned a malformed response: %v\n", route.Function, err)
		return message(w, http.StatusInternalServerError, "Internal Server Error"), route.Function
	}
	return status, route.Function
}

// IntegrationTimeout is API Gateway's limit on waiting for a function (HTTP APIs: 30 s,
// also the maximum). Past it API Gateway answers 503 {"message":"Service Unavailable"};
// the local gateway counts it from the request's arrival, so waiting for the authorizer
// or for a free instance counts too.
const IntegrationTimeout = 30 * time.Second

var errIntegrationTimeout = errors.New("integration timeout")

// invokeWithin runs the function detached from the client's request, as API Gateway
// does (a client hanging up does not stop the invocation, so no warm instance is lost),
// and gives up waiting at deadline. An invocation still queued for an instance then is
// dropped (runtime.StartBy); one already running goes on to its own Timeout.
func invokeWithin(ctx context.Context, inv Invoker, payload []byte, deadline time.Time) (runtime.Result, error) {
	type result struct {
		res runtime.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := inv.Invoke(runtime.StartBy(context.WithoutCancel(ctx), deadline), payload)
		done <- result{res, err}
	}()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case r := <-done:
		return r.res, r.err
	case <-t.C:
		return runtime.Result{}, errIntegrationTimeout
	}
}

// Event builds the payload 2.0 event API Gateway sends for r.
func (g *Gateway) Event(r *http.Request, route *Route, params, claims map[string]string, body []byte, reqID string) events.APIGatewayV2HTTPRequest {
	now := g.now().UTC()
	headers := map[string]string{}
	var cookies []string
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := r.Header[k]
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, line := range v {
				for _, c := range strings.Split(line, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(v, ",")
	}
	headers["host"] = r.Host
	if _, ok := headers["x-forwarded-proto"]; !ok {
		headers["x-forwarded-proto"] = "http"
	}
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	if _, ok := headers["x-forwarded-for"]; !ok {
		headers["x-forwarded-for"] = sourceIP
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers["x-forwarded-port"] = port
	}
	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = map[string]string{}
		for k, v := range q {
			query[k] = strings.Join(v, ",")
		}
	}
	if len(params) == 0 {
		params = nil
	}
	domain := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		domain = h
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              route.RouteKey(),
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     route.RouteKey(),
			AccountID:    template.AccountID,
			Stage:        "$default",
			RequestID:    reqID,
			APIID:        g.apiID,
			DomainName:   domain,
			DomainPrefix: strings.Split(domain, ".")[0],
			Time:         now.Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims}}
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

// isText reports whether API Gateway passes a body of this type as text rather than
// base64.
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType == ""
	}
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "/json"), strings.HasSuffix(mt, "+json"),
		strings.HasSuffix(mt, "/xml"), strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript", mt == "application/x-www-form-urlencoded":
		return true
	}
	return false
}

// writeResponse turns a function's answer into HTTP. Like API Gateway, an answer without
// statusCode is taken as a 200 JSON body.
func writeResponse(w http.ResponseWriter, payload []byte) (int, error) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(payload, &probe) != nil || probe["statusCode"] == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		if s := ""; json.Unmarshal(payload, &s) == nil {
			_, _ = io.WriteString(w, s)
		} else {
			_, _ = w.Write(payload)
		}
		return http.StatusOK, nil
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		return 0, err
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return 0, fmt.Errorf("status code %d", resp.StatusCode)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return 0, fmt.Errorf("body is not base64: %w", err)
		}
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		h.Set(k, strings.Join(vs, ","))
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" && len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return resp.StatusCode, nil
}

// message answers with API Gateway's own error shape, {"message": "..."}.
func message(w http.ResponseWriter, status int, msg string) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"message":%q}`, msg)
	return status
}

func bearer(h string) string {
	h = strings.TrimSpace(h)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return h
}

// preflight answers a CORS preflight from the CorsConfiguration, as API Gateway does
// for every path once CORS is configured.
func (g *Gateway) preflight(w http.ResponseWriter, r *http.Request) bool {
	if g.cors == nil || r.Method != http.MethodOptions || r.Header.Get("Origin") == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h := w.Header()
	if origin := g.allowedOrigin(r.Header.Get("Origin")); origin != "" {
		h.Set("Access-Control-Allow-Origin", origin)
		if len(g.cors.AllowMethods) > 0 {
			h.Set("Access-Control-Allow-Methods", strings.Join(g.cors.AllowMethods, ","))
		}
		if len(g.cors.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.ToLower(strings.Join(g.cors.AllowHeaders, ",")))
		}
		if g.cors.MaxAge != nil {
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(*g.cors.MaxAge)))
		}
		if g.cors.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

func (g *Gateway) corsHeaders(w http.ResponseWriter, r *http.Request) {
	if g.cors == nil || r.Header.Get("Origin") == "" {
		return
	}
	origin := g.allowedOrigin(r.Header.Get("Origin"))
	if origin == "" {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	if len(g.cors.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.ToLower(strings.Join(g.cors.ExposeHeaders, ",")))
	}
	if g.cors.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

func (g *Gateway) allowedOrigin(origin string) string {
	for _, o := range g.cors.AllowOrigins {
		if o == "*" {
			return "*"
		}
		if strings.EqualFold(o, origin) {
			return origin
		}
	}
	return ""
}

// requestID looks like API Gateway's ("Ab1cDEfGhIjKlMn=").
func requestID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b) + "="
}
