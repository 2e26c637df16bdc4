package gateway

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/localstack/runtime"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// echo answers with the event it received, so tests can read what the gateway sent.
type echo struct{ name string }

func (e echo) Invoke(_ context.Context, payload []byte) (runtime.Result, error) {
	body, _ := json.Marshal(map[string]any{"function": e.name, "event": json.RawMessage(payload)})
	resp, _ := json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(body),
		Headers: map[string]string{"Content-Type": "application/json"}, Cookies: []string{"a=1", "b=2"}})
	return runtime.Result{Payload: resp}, nil
}

func testGateway(cors *template.Cors, routes ...string) *Gateway {
	var rs []*Route
	for _, key := range routes {
		m, p, _ := strings.Cut(key, " ")
		rs = append(rs, &Route{Method: m, Path: p, Function: key, Invoker: echo{key}})
	}
	return New("local", rs, cors, nil)
}

func TestMatch(t *testing.T) {
	g := testGateway(nil, "GET /events", "GET /events/{eventId}", "GET /events/{eventId}/availability",
		"GET /events/special", "ANY /files/{proxy+}", "GET /files/{proxy+}", "POST /admin/events/{eventId}/publish")
	for _, tc := range []struct {
		method, path, want string
		params             map[string]string
	}{
		{"GET", "/events", "GET /events", nil},
		{"GET", "/events/", "", nil},
		{"GET", "/events/e1", "GET /events/{eventId}", map[string]string{"eventId": "e1"}},
		{"GET", "/events/a%20b", "GET /events/{eventId}", map[string]string{"eventId": "a b"}},
		{"GET", "/events/special", "GET /events/special", map[string]string{}},
		{"GET", "/events/e1/availability", "GET /events/{eventId}/availability", map[string]string{"eventId": "e1"}},
		{"POST", "/events/e1", "", nil},
		{"GET", "/files/a/b/c", "GET /files/{proxy+}", map[string]string{"proxy": "a/b/c"}},
		{"PUT", "/files/a", "ANY /files/{proxy+}", map[string]string{"proxy": "a"}},
		{"GET", "/files", "", nil},
		{"POST", "/admin/events/e9/publish", "POST /admin/events/{eventId}/publish", map[string]string{"eventId": "e9"}},
		{"GET", "/nope", "", nil},
	} {
		r, params := g.match(tc.method, tc.path)
		got := ""
		if r != nil {
			got = r.RouteKey()
		}
		if got != tc.want || (tc.params != nil && !reflect.DeepEqual(params, tc.params)) {
			t.Errorf("%s %s: got %q %v, want %q %v", tc.method, tc.path, got, params, tc.want, tc.params)
		}
	}
}

func TestNotFoundLikeAPIGateway(t *testing.T) {
	g := testGateway(nil, "GET /events")
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("DELETE", "/events", nil))
	if rec.Code != 404 || rec.Body.String() != `{"message":"Not Found"}` {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}

func TestEventShape(t *testing.T) {
	g := testGateway(nil, "POST /events/{eventId}")
	req := httptest.NewRequest("POST", "/events/e1?a=1&a=2&b=x%20y", strings.NewReader(`{"k":1}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Set("Cookie", "s=1; t=2")
	req.Header.Set("User-Agent", "probe/1")
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Values("Set-Cookie"); !reflect.DeepEqual(got, []string{"a=1", "b=2"}) {
		t.Errorf("Set-Cookie = %v", got)
	}
	var out struct {
		Event events.APIGatewayV2HTTPRequest
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	ev := out.Event
	checks := map[string][2]any{
		"version":       {ev.Version, "2.0"},
		"routeKey":      {ev.RouteKey, "POST /events/{eventId}"},
		"rawPath":       {ev.RawPath, "/events/e1"},
		"rawQuery":      {ev.RawQueryString, "a=1&a=2&b=x%20y"},
		"cookies":       {strings.Join(ev.Cookies, "|"), "s=1|t=2"},
		"multi":         {ev.Headers["x-multi"], "one,two"},
		"ctype":         {ev.Headers["content-type"], "application/json"},
		"no cookie":     {ev.Headers["cookie"], ""},
		"query a":       {ev.QueryStringParameters["a"], "1,2"},
		"query b":       {ev.QueryStringParameters["b"], "x y"},
		"path param":    {ev.PathParameters["eventId"], "e1"},
		"body":          {ev.Body, `{"k":1}`},
		"base64":        {ev.IsBase64Encoded, false},
		"stage":         {ev.RequestContext.Stage, "$default"},
		"ctx route":     {ev.RequestContext.RouteKey, "POST /events/{eventId}"},
		"account":       {ev.RequestContext.AccountID, template.AccountID},
		"method":        {ev.RequestContext.HTTP.Method, "POST"},
		"http path":     {ev.RequestContext.HTTP.Path, "/events/e1"},
		"user agent":    {ev.RequestContext.HTTP.UserAgent, "probe/1"},
		"request id":    {ev.RequestContext.RequestID, rec.Header().Get("Apigw-Requestid")},
		"no authorizer": {ev.RequestContext.Authorizer == nil, true},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	if ev.RequestContext.TimeEpoch == 0 || ev.RequestContext.Time == "" || ev.RequestContext.HTTP.SourceIP == "" {
		t.Errorf("request context = %+v", ev.RequestContext)
	}

	// A binary body arrives base64-encoded.
	req = httptest.NewRequest("POST", "/events/e1", strings.NewReader("\x00\x01"))
	req.Header.Set("Content-Type", "application/octet-stream")
	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	if !out.Event.IsBase64Encoded || out.Event.Body != "AAE=" {
		t.Errorf("binary body = %q base64=%v", out.Event.Body, out.Event.IsBase64Encoded)
	}
}

func TestStringClaims(t *testing.T) {
	var c map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"sub":"u1","cognito:groups":["admins","other"],"exp":1700000000,"auth_time":1.5,"email_verified":true,"obj":{"a":1}}`))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"sub": "u1", "cognito:groups": "[admins other]", "exp": "1700000000", "auth_time": "1.5",
		"email_verified": "true", "obj": `{"a":1}`}
	if got := stringClaims(c); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestWriteResponse(t *testing.T) {
	for _, tc := range []struct {
		name, payload, body, ctype string
		status                     int
		fails                      bool
	}{
		{"structured", `{"statusCode":201,"headers":{"X-A":"1"},"body":"{\"id\":1}"}`, `{"id":1}`, "application/json", 201, false},
		{"base64", `{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"AAE=","isBase64Encoded":true}`, "\x00\x01", "image/png", 200, false},
		{"bare object", `{"hello":"world"}`, `{"hello":"world"}`, "application/json", 200, false},
		{"bare string", `"hi"`, "hi", "application/json", 200, false},
		{"bad status", `{"statusCode":42}`, "", "", 0, true},
	} {
		rec := httptest.NewRecorder()
		status, err := writeResponse(rec, []byte(tc.payload))
		if (err != nil) != tc.fails {
			t.Errorf("%s: err = %v", tc.name, err)
			continue
		}
		if tc.fails {
			continue
		}
		if status != tc.status || rec.Body.String() != tc.body || rec.Header().Get("Content-Type") != tc.ctype {
			t.Errorf("%s: %d %q %q", tc.name, status, rec.Body, rec.Header().Get("Content-Type"))
		}
	}
}

func TestCORS(t *testing.T) {
	age := template.Int(600)
	cors := &template.Cors{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET", "POST"},
		AllowHeaders: []string{"Authorization", "Content-Type"}, ExposeHeaders: []string{"ETag"}, MaxAge: &age}
	g := testGateway(cors, "GET /events")

	req := httptest.NewRequest("OPTIONS", "/anything", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	h := rec.Header()
	if rec.Code != 204 || h.Get("Access-Control-Allow-Origin") != "https://app.example" || h.Get("Access-Control-Allow-Methods") != "GET,POST" ||
		h.Get("Access-Control-Allow-Headers") != "authorization,content-type" || h.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight: %d %v", rec.Code, h)
	}

	req = httptest.NewRequest("GET", "/events", nil)
	req.Header.Set("Origin", "https://evil.example")
	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("disallowed origin got CORS headers: %v", rec.Header())
	}
	req.Header.Set("Origin", "https://app.example")
	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" || rec.Header().Get("Access-Control-Expose-Headers") != "etag" {
		t.Errorf("actual request CORS headers: %v", rec.Header())
	}
}

func TestJWKSURL(t *testing.T) {
	if got := JWKSURL("http://127.0.0.1:5000/", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X"); got != "http://127.0.0.1:5000/us-east-1_X/.well-known/jwks.json" {
		t.Error(got)
	}
	if got := JWKSURL("http://m", "https://issuer.example/"); got != "https://issuer.example/.well-known/jwks.json" {
		t.Error(got)
	}
}

// ctxProbe answers 200 only when its context is live.
type ctxProbe struct{}

func (ctxProbe) Invoke(ctx context.Context, _ []byte) (runtime.Result, error) {
	status := 200
	if ctx.Err() != nil {
		status = 499
	}
	resp, _ := json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: status})
	return runtime.Result{Payload: resp}, nil
}

func TestClientHangUpDoesNotCancelInvocation(t *testing.T) {
	g := New("local", []*Route{{Method: "GET", Path: "/x", Function: "F", Invoker: ctxProbe{}}}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil).WithContext(ctx))
	if rec.Code != 200 {
		t.Errorf("invocation saw the client's cancellation: %d", rec.Code)
	}
}
