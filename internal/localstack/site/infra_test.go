package site

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

func load(t *testing.T, rel string) *template.Template {
	t.Helper()
	root, err := workspace.Root()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.Load(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func props(t *testing.T, tmpl *template.Template, id string) map[string]any {
	t.Helper()
	r, ok := tmpl.Resources[id]
	if !ok {
		t.Fatalf("infra/web.yaml has no %s", id)
	}
	return r.Properties
}

func get(v any, path ...string) any {
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// The distribution must send every API route to the API: a route prefix the template
// adds without a cache behaviour would be answered by the bucket on AWS but by the API
// locally.
func TestDistributionSendsEveryAPIRouteToTheAPI(t *testing.T) {
	app := load(t, "template.yaml")
	st, err := app.NewStack("infra-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	fns, err := st.Functions()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, fn := range fns {
		for _, ev := range fn.Events {
			if ev.HTTP != nil {
				paths = append(paths, ev.HTTP.Path)
			}
		}
	}
	web := load(t, "infra/web.yaml")
	dist := props(t, web, "Distribution")
	patterns := map[string]bool{}
	for _, b := range get(dist, "DistributionConfig", "CacheBehaviors").([]any) {
		if get(b, "TargetOriginId") != "api" {
			t.Errorf("behaviour %v goes to %v", get(b, "PathPattern"), get(b, "TargetOriginId"))
		}
		patterns[get(b, "PathPattern").(string)] = true
	}
	for _, p := range paths {
		seg := "/" + strings.SplitN(strings.TrimPrefix(p, "/"), "/", 2)[0]
		want := seg + "/*"
		if p == seg {
			want = seg
		}
		if !patterns[want] {
			t.Errorf("route %s: the distribution has no behaviour %s for the API", p, want)
		}
	}
	if len(Prefixes(paths)) == 0 {
		t.Fatal("no API routes found")
	}
	for _, id := range []string{"Site"} {
		r, ok := app.Resources[id]
		if !ok || r.Type != "AWS::Serverless::Application" || get(r.Properties, "Location") != "infra/web.yaml" {
			t.Errorf("template.yaml should nest infra/web.yaml as %s", id)
		}
	}
}

// The response-headers policy and the local site send the same headers.
func TestResponseHeadersPolicyMatchesTheLocalSite(t *testing.T) {
	web := load(t, "infra/web.yaml")
	cfg := get(props(t, web, "SecurityHeaders"), "ResponseHeadersPolicyConfig")
	sec := get(cfg, "SecurityHeadersConfig")
	want := SecurityHeaders(template.Region)
	csp := get(sec, "ContentSecurityPolicy", "ContentSecurityPolicy", "Fn::Sub")
	if s, _ := csp.(string); strings.ReplaceAll(s, "${AWS::Region}", template.Region) != want["Content-Security-Policy"] {
		t.Errorf("CSP\n %v\nwant\n %s", csp, want["Content-Security-Policy"])
	}
	hsts := get(sec, "StrictTransportSecurity")
	if fmt.Sprint(get(hsts, "AccessControlMaxAgeSec")) != "63072000" || get(hsts, "IncludeSubdomains") != true ||
		want["Strict-Transport-Security"] != "max-age=63072000; includeSubDomains" {
		t.Errorf("HSTS %v, local %q", hsts, want["Strict-Transport-Security"])
	}
	if get(sec, "FrameOptions", "FrameOption") != want["X-Frame-Options"] {
		t.Errorf("frame options %v", get(sec, "FrameOptions"))
	}
	if get(sec, "ReferrerPolicy", "ReferrerPolicy") != want["Referrer-Policy"] {
		t.Errorf("referrer policy %v", get(sec, "ReferrerPolicy"))
	}
	if get(sec, "ContentTypeOptions", "Override") != true {
		t.Error("X-Content-Type-Options is not set")
	}
	items := get(cfg, "CustomHeadersConfig", "Items").([]any)
	if len(items) != 1 || get(items[0], "Header") != "Permissions-Policy" || get(items[0], "Value") != want["Permissions-Policy"] {
		t.Errorf("custom headers %v", items)
	}
	if len(want) != 6 {
		t.Errorf("the local site sends %d security headers; the policy covers 6", len(want))
	}
}

// The bucket is private and read only through the distribution's Origin Access Control.
func TestBucketIsPrivateBehindOriginAccessControl(t *testing.T) {
	web := load(t, "infra/web.yaml")
	block := get(props(t, web, "SiteBucket"), "PublicAccessBlockConfiguration").(map[string]any)
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if block[k] != true {
			t.Errorf("SiteBucket %s = %v", k, block[k])
		}
	}
	oac := get(props(t, web, "OriginAccessControl"), "OriginAccessControlConfig")
	if get(oac, "SigningBehavior") != "always" || get(oac, "OriginAccessControlOriginType") != "s3" {
		t.Errorf("OAC %v", oac)
	}
	dc := get(props(t, web, "Distribution"), "DistributionConfig")
	for _, o := range get(dc, "Origins").([]any) {
		if get(o, "Id") == "site" && (get(o, "OriginAccessControlId") == nil || get(o, "S3OriginConfig", "OriginAccessIdentity") != "") {
			t.Errorf("the site origin must use OAC, not an OAI: %v", o)
		}
	}
	if get(dc, "DefaultCacheBehavior", "ViewerProtocolPolicy") != "redirect-to-https" {
		t.Error("the site must be HTTPS only")
	}
}
