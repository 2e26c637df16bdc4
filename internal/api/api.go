// Package api adapts API Gateway HTTP API (payload 2.0) events to the domain: it reads the
// caller's identity from the JWT authorizer's claims, decodes JSON strictly, and maps
// fault codes to HTTP statuses in one place. Handlers stay thin: parse, call, answer.
package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/bookmyevent/bookmyevent/internal/fault"
	"github.com/bookmyevent/bookmyevent/internal/logging"
)

// MaxBodyBytes bounds request bodies; nothing this API accepts is anywhere near it.
const MaxBodyBytes = 64 << 10

// Access says who may call a route.
type Access int

const (
	Public Access = iota // no token needed (the route has no authorizer)
	User                 // any valid token
	Admin                // a token in the admins group
)

// AdminGroup is the Cognito group whose members may manage the catalogue.
const AdminGroup = "admins"

// Caller is the identity the JWT authorizer vouched for.
type Caller struct {
	UserID string
	Admin  bool
	// Email is the token's email claim, carried on bookings for their mails; never logged.
	Email string
}

// Request is one HTTP request as a handler sees it.
type Request struct {
	Event  events.APIGatewayV2HTTPRequest
	ID     string
	Caller Caller
	Now    time.Time

	logAttrs []any
}

// Response is a handler's answer; Body is encoded as JSON unless nil.
type Response struct {
	Status  int
	Body    any
	Headers map[string]string
}

// Handler serves one route.
type Handler func(ctx context.Context, r *Request) (Response, error)

// LambdaHandler is the function signature lambda.Start receives for an HTTP API route.
type LambdaHandler func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Wrap turns a Handler into a Lambda handler that enforces access, assigns a request id,
// logs one line per request, and answers every error as JSON. It never returns a Go
// error: a Lambda error would become an opaque 500 at API Gateway.
func Wrap(access Access, h Handler) LambdaHandler {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		start := time.Now()
		r := &Request{Event: ev, ID: requestID(ctx, ev), Caller: callerFrom(ev), Now: start.UTC()}
		resp, err := authorize(access, r)
		if err == nil {
			resp, err = h(ctx, r)
		}
		out := encode(r, resp, err)
		log(ctx, r, out.StatusCode, time.Since(start), err)
		return out, nil
	}
}

func authorize(access Access, r *Request) (Response, error) {
	switch {
	case access == Public:
		return Response{}, nil
	case r.Caller.UserID == "":
		return Response{}, fault.New(fault.Unauthorized, "Invalid token")
	case access == Admin && !r.Caller.Admin:
		return Response{}, fault.New(fault.Forbidden, "This route is for admins")
	}
	return Response{}, nil
}

func requestID(ctx context.Context, ev events.APIGatewayV2HTTPRequest) string {
	if ev.RequestContext.RequestID != "" {
		return ev.RequestContext.RequestID
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}

// callerFrom reads the claims API Gateway's JWT authorizer passes on. Every claim arrives
// as a string; a list claim such as cognito:groups arrives as "[admins other]".
func callerFrom(ev events.APIGatewayV2HTTPRequest) Caller {
	if ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.JWT == nil {
		return Caller{}
	}
	claims := ev.RequestContext.Authorizer.JWT.Claims
	c := Caller{UserID: claims["sub"], Email: claims["email"]}
	for _, g := range ParseListClaim(claims["cognito:groups"]) {
		if g == AdminGroup {
			c.Admin = true
		}
	}
	return c
}

// ParseListClaim splits a list claim in the forms API Gateway and other issuers use:
// "[a b]", "a,b", or a JSON array.
func ParseListClaim(v string) []string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "[\"") {
		var list []string
		if json.Unmarshal([]byte(v), &list) == nil {
			return list
		}
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	return strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
}

// Status maps a fault code to its HTTP status: the one place this mapping lives.
func Status(code fault.Code) int {
	switch code {
	case fault.Validation:
		return http.StatusBadRequest
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.PaymentDeclined:
		return http.StatusPaymentRequired
	case fault.Forbidden, fault.AdmissionRequired:
		return http.StatusForbidden
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict, fault.VenueInUse, fault.InvalidTransition, fault.SoldOut, fault.NotOnSale,
		fault.LimitExceeded, fault.HoldExpired, fault.AlreadyCheckedIn, fault.RequestInProgress, fault.QueueClosed:
		return http.StatusConflict
	case fault.VersionConflict:
		return http.StatusPreconditionFailed
	case fault.PayloadTooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.IdempotencyMismatch:
		return http.StatusUnprocessableEntity
	case fault.PreconditionRequired:
		return http.StatusPreconditionRequired
	case fault.RateLimited:
		return http.StatusTooManyRequests
	case fault.Unavailable, fault.SearchUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error answer.
func ErrorBody(fe *fault.Error) map[string]any {
	obj := map[string]any{"code": fe.Code, "message": fe.Message}
	if len(fe.Fields) > 0 {
		obj["fields"] = fe.Fields
	}
	for k, v := range fe.Extra {
		obj[k] = v
	}
	return map[string]any{"error": obj}
}

func encode(r *Request, resp Response, err error) events.APIGatewayV2HTTPResponse {
	headers := map[string]string{"Content-Type": "application/json", "X-Request-Id": r.ID}
	if err != nil {
		fe, ok := fault.As(err)
		if !ok {
			fe = fault.New(fault.Internal, "Internal error")
		}
		if fe.RetryAfter > 0 {
			headers["Retry-After"] = strconv.Itoa(fe.RetryAfter)
		}
		resp = Response{Status: Status(fe.Code), Body: ErrorBody(fe)}
	}
	for k, v := range resp.Headers {
		headers[k] = v
	}
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	out := events.APIGatewayV2HTTPResponse{StatusCode: resp.Status, Headers: headers}
	if resp.Body != nil {
		b, mErr := json.Marshal(resp.Body)
		if mErr != nil {
			b, _ = json.Marshal(ErrorBody(fault.New(fault.Internal, "Internal error")))
			out.StatusCode = http.StatusInternalServerError
		}
		out.Body = string(b)
	}
	return out
}

func log(ctx context.Context, r *Request, status int, d time.Duration, err error) {
	attrs := []any{
		"request_id", r.ID,
		"route", r.Event.RouteKey,
		"status", status,
		"latency_ms", float64(d.Microseconds()) / 1000,
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, "aws_request_id", lc.AwsRequestID)
	}
	if fn := lambdacontext.FunctionName; fn != "" {
		attrs = append(attrs, "function", fn)
	}
	attrs = append(attrs, r.logAttrs...)
	if r.Caller.UserID != "" {
		attrs = append(attrs, "user", HashUser(r.Caller.UserID))
	}
	level := slog.LevelInfo
	if err != nil {
		attrs = append(attrs, "error", err.Error())
		if status >= 500 {
			level = slog.LevelError
		}
	}
	slog.Log(ctx, level, "request", attrs...)
}

// Decode reads a JSON body into v strictly: unknown fields, trailing data, wrong types and
// oversized bodies are 400s that name the problem, never 500s.
func Decode(r *Request, v any) error {
	body := []byte(r.Event.Body)
	if r.Event.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(r.Event.Body); err != nil {
			return fault.New(fault.Validation, "Body is not valid base64")
		}
	}
	if len(body) > MaxBodyBytes {
		return fault.New(fault.PayloadTooLarge, "Body exceeds %d bytes", MaxBodyBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return fault.New(fault.Validation, "A JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && strings.HasPrefix(typ.Value, "number") {
		if whole, ok := wholeNumbers(body); ok {
			dec = json.NewDecoder(bytes.NewReader(whole))
			dec.DisallowUnknownFields()
			err = dec.Decode(v)
		}
	}
	if err != nil {
		fe := fault.New(fault.Validation, "%s", describeJSONError(err))
		if errors.As(err, &typ) && typ.Field != "" {
			fe.Fields = map[string]string{typ.Field: "must be " + jsonKind(typ.Type.Kind().String())}
		}
		return fe
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fault.New(fault.Validation, "Body must hold a single JSON object")
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("Malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("Field %q must be %s", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return "Body must be a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "Malformed JSON: unexpected end of body"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return "Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "Malformed JSON"
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int32", "int64", "uint", "uint32", "uint64":
		return "a whole number"
	case "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	}
	return "an object"
}

// Header returns a request header; API Gateway lower-cases header names in payload 2.0.
func (r *Request) Header(name string) string {
	return r.Event.Headers[strings.ToLower(name)]
}

// Path returns a path parameter.
func (r *Request) Path(name string) string { return r.Event.PathParameters[name] }

// Query returns a query string parameter.
func (r *Request) Query(name string) string { return r.Event.QueryStringParameters[name] }

// IfMatch parses the If-Match header as a version: 428 when absent, 400 when not a
// version. Quoted ETags ("3" or W/"3") are accepted, since clients echo ETags back.
func (r *Request) IfMatch() (int64, error) {
	v := r.Header("If-Match")
	if v == "" {
		return 0, fault.New(fault.PreconditionRequired, "If-Match with the version you read is required")
	}
	n, ok := parseVersion(v)
	if !ok {
		return 0, fault.New(fault.Validation, "If-Match must be a version number")
	}
	return n, nil
}

// IfNoneMatch reports whether the If-None-Match header names version.
func (r *Request) IfNoneMatch(version int64) bool {
	for _, tag := range strings.Split(r.Header("If-None-Match"), ",") {
		if n, ok := parseVersion(tag); ok && n == version {
			return true
		}
	}
	return false
}

func parseVersion(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "W/")
	v = strings.Trim(v, `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n > 0
}

// ETag formats a version as a strong ETag.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// Limit parses the limit query parameter with a default and a ceiling.
func (r *Request) Limit(def, max int) (int, error) {
	v := r.Query("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, &fault.Error{Code: fault.Validation, Message: fmt.Sprintf("limit must be 1..%d", max),
			Fields: map[string]string{"limit": fmt.Sprintf("must be an integer from 1 to %d", max)}}
	}
	return n, nil
}

// Time parses an RFC 3339 query parameter; empty gives the zero time.
func (r *Request) Time(name string) (time.Time, error) {
	v := r.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, &fault.Error{Code: fault.Validation, Message: name + " must be an RFC 3339 time",
			Fields: map[string]string{name: "must be an RFC 3339 time, e.g. 2027-01-31T20:00:00Z"}}
	}
	return t.UTC(), nil
}

// OK answers 200 with a body.
func OK(body any) (Response, error) { return Response{Status: http.StatusOK, Body: body}, nil }

// Created answers 201 with a body.
func Created(body any) (Response, error) {
	return Response{Status: http.StatusCreated, Body: body}, nil
}

// HashUser gives a stable, non-reversible label for a user id in logs.
func HashUser(id string) string { return logging.HashUser(id) }
