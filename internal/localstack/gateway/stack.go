package gateway

import (
	"fmt"
	"io"
	"strings"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// JWKSURL says where an issuer's signing keys are: the local Cognito (moto) serves a
// user pool's keys at <moto>/<poolId>/.well-known/jwks.json; any other issuer at the
// conventional <issuer>/.well-known/jwks.json.
func JWKSURL(motoURL, issuer string) string {
	const cognito = "https://cognito-idp." + template.Region + ".amazonaws.com/"
	if pool, ok := strings.CutPrefix(issuer, cognito); ok {
		return strings.TrimRight(motoURL, "/") + "/" + pool + "/.well-known/jwks.json"
	}
	return strings.TrimRight(issuer, "/") + "/.well-known/jwks.json"
}

// FromTemplate builds the gateway of the template's HTTP API: one route per HttpApi
// event of the given functions, each with its API's authorizer unless the event says
// Auth.Authorizer NONE. The user pool and client must be provisioned so the issuer and
// audience resolve. invokers maps function logical ids to their runners.
func FromTemplate(s *template.Stack, fns []template.Function, invokers map[string]Invoker, motoURL string, log io.Writer) (*Gateway, error) {
	apis := s.Template.IDs(template.TypeHTTPAPI)
	if len(apis) > 1 {
		return nil, fmt.Errorf("the local gateway serves one HTTP API; the template has %d", len(apis))
	}
	var api template.HTTPAPI
	authorizers := map[string]*Authorizer{}
	if len(apis) == 1 {
		var err error
		if api, err = s.HTTPAPI(apis[0]); err != nil {
			return nil, err
		}
		for name, cfg := range api.Authorizers {
			if cfg.IdentitySource != "$request.header.Authorization" {
				return nil, fmt.Errorf("authorizer %s: only $request.header.Authorization is emulated, not %s", name, cfg.IdentitySource)
			}
			authorizers[name] = &Authorizer{Config: cfg, JWKSURL: JWKSURL(motoURL, cfg.Issuer)}
		}
	}
	var routes []*Route
	seen := map[string]string{}
	for _, fn := range fns {
		for _, ev := range fn.Events {
			if ev.HTTP == nil {
				continue
			}
			r := &Route{Method: ev.HTTP.Method, Path: ev.HTTP.Path, Function: fn.LogicalID, Invoker: invokers[fn.LogicalID]}
			if r.Invoker == nil {
				return nil, fmt.Errorf("no runner for %s", fn.LogicalID)
			}
			if other, dup := seen[r.RouteKey()]; dup {
				return nil, fmt.Errorf("route %s is declared by %s and %s", r.RouteKey(), other, fn.LogicalID)
			}
			seen[r.RouteKey()] = fn.LogicalID
			if ev.HTTP.Authorizer != "" {
				a, ok := authorizers[ev.HTTP.Authorizer]
				if !ok {
					return nil, fmt.Errorf("%s: authorizer %s is not defined on the HTTP API", fn.LogicalID, ev.HTTP.Authorizer)
				}
				r.Authorizer = a
			}
			routes = append(routes, r)
		}
	}
	return New("local", routes, api.Cors, log), nil
}
