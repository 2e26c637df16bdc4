package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/bookmyevent/bookmyevent/internal/localstack/gateway"
	"github.com/bookmyevent/bookmyevent/internal/localstack/identity"
	"github.com/bookmyevent/bookmyevent/internal/localstack/provision"
	"github.com/bookmyevent/bookmyevent/internal/localstack/runtime"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

type claimsEcho struct{}

func (claimsEcho) Invoke(_ context.Context, payload []byte) (runtime.Result, error) {
	var ev events.APIGatewayV2HTTPRequest
	_ = json.Unmarshal(payload, &ev)
	var claims map[string]string
	if ev.RequestContext.Authorizer != nil {
		claims = ev.RequestContext.Authorizer.JWT.Claims
	}
	body, _ := json.Marshal(claims)
	resp, _ := json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(body)})
	return runtime.Result{Payload: resp}, nil
}

// TestAuthorizerWithLocalCognito runs the template's authorizer against tokens from the
// local user pool: a request reaches the function only with a valid token.
func TestAuthorizerWithLocalCognito(t *testing.T) {
	s, err := localtest.Template(t).NewStack(localtest.UniqueName(t, 40), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := localtest.AWSConfig(t)
	if err := provision.Stack(context.Background(), provision.NewClients(cfg), s, io.Discard); err != nil {
		t.Fatal(err)
	}
	pool, _ := s.Physical("UserPool")
	client, _ := s.Physical("UserPoolClient")
	idp := identity.Pool{Cognito: cip.NewFromConfig(cfg), PoolID: pool.Ref, ClientID: client.Ref}
	admin, err := idp.Token(context.Background(), "root", true)
	if err != nil {
		t.Fatal(err)
	}
	api, err := s.HTTPAPI("HttpApi")
	if err != nil {
		t.Fatal(err)
	}
	jwtCfg := api.Authorizers[api.DefaultAuthorizer]
	motoURL := localtest.AWS(t).Main
	newGateway := func(cfg template.JWTAuthorizer, now func() time.Time) *gateway.Gateway {
		a := &gateway.Authorizer{Config: cfg, JWKSURL: gateway.JWKSURL(motoURL, cfg.Issuer), Now: now}
		return gateway.New("local", []*gateway.Route{
			{Method: "GET", Path: "/admin/things", Function: "F", Authorizer: a, Invoker: claimsEcho{}},
		}, nil, nil)
	}
	otherAudience := jwtCfg
	otherAudience.Audience = []string{"someone-else"}
	otherIssuer := jwtCfg
	otherIssuer.Issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	tampered := admin.Access[:len(admin.Access)-4] + "AAAA"

	for _, tc := range []struct {
		name   string
		auth   string
		cfg    template.JWTAuthorizer
		now    func() time.Time
		status int
	}{
		{"access token", "Bearer " + admin.Access, jwtCfg, nil, 200},
		{"id token", "Bearer " + admin.ID, jwtCfg, nil, 200},
		{"without Bearer prefix", admin.Access, jwtCfg, nil, 200},
		{"no token", "", jwtCfg, nil, 401},
		{"garbage", "Bearer abc.def", jwtCfg, nil, 401},
		{"bad signature", "Bearer " + tampered, jwtCfg, nil, 401},
		{"wrong audience", "Bearer " + admin.Access, otherAudience, nil, 401},
		{"wrong issuer", "Bearer " + admin.Access, otherIssuer, nil, 401},
		{"expired", "Bearer " + admin.Access, jwtCfg, later, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/admin/things", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			newGateway(tc.cfg, tc.now).ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == http.StatusUnauthorized {
				if rec.Body.String() != `{"message":"Unauthorized"}` || !strings.HasPrefix(rec.Header().Get("Www-Authenticate"), "Bearer") {
					t.Errorf("401 answer: %s %v", rec.Body, rec.Header())
				}
				return
			}
			var claims map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &claims); err != nil {
				t.Fatal(err)
			}
			if claims["cognito:groups"] != "[admins]" || claims["sub"] == "" || claims["iss"] != jwtCfg.Issuer {
				t.Errorf("claims = %v", claims)
			}
		})
	}
}
