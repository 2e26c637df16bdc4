package site

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testSite(t *testing.T, cognitoURL string) *Site {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "assets"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>shell</title>"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "assets", "index-AbC123.js"), []byte("console.log(1)"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "robots.txt"), []byte("User-agent: *"), 0o644))
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-From", "api")
		w.WriteHeader(http.StatusTeapot)
	})
	return &Site{Dir: dir, API: api, APIPrefixes: Prefixes([]string{"/events/{eventId}", "/admin/venues", "/me/bookings", "$default"}),
		Region: "us-east-1", CognitoURL: cognitoURL,
		Config: Config{Local: true, Cognito: Cognito{Region: "us-east-1", Endpoint: CognitoPath, ClientID: "client123"}}}
}

func TestSiteRoutesLikeTheDistribution(t *testing.T) {
	s := testSite(t, "")
	cases := []struct {
		method, path string
		headers      map[string]string
		status       int
		from         string // "api", "shell", "asset", "config", ""
		cache        string
	}{
		{"GET", "/", nil, 200, "shell", CacheNone},
		{"GET", "/e/123", nil, 200, "shell", CacheNone},
		{"GET", "/console/events/x/sales", nil, 200, "shell", CacheNone},
		{"GET", "/assets/index-AbC123.js", nil, 200, "asset", CacheImmutable},
		{"GET", "/robots.txt", nil, 200, "", CacheShort},
		{"GET", "/assets/missing-1.js", nil, 404, "", ""},
		{"GET", "/favicon.ico", nil, 404, "", ""},
		{"GET", "/config.json", nil, 200, "config", CacheNone},
		{"GET", "/events", nil, 418, "api", ""},
		{"GET", "/events/abc/unknown", nil, 418, "api", ""},
		{"GET", "/admin/venues", nil, 418, "api", ""},
		{"GET", "/me/bookings", nil, 418, "api", ""},
		{"POST", "/somewhere", nil, 418, "api", ""},
		{"OPTIONS", "/e/1", map[string]string{"Origin": "http://x", "Access-Control-Request-Method": "GET"}, 418, "api", ""},
		{"HEAD", "/assets/index-AbC123.js", nil, 200, "", CacheImmutable},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, nil)
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, c.status, body)
			}
			if got := rec.Header().Get("Cache-Control"); got != c.cache {
				t.Errorf("Cache-Control %q, want %q", got, c.cache)
			}
			switch c.from {
			case "api":
				if rec.Header().Get("X-From") != "api" {
					t.Error("not answered by the API")
				}
			case "shell":
				if !strings.Contains(body, "<title>shell</title>") {
					t.Errorf("body %q is not index.html", body)
				}
			case "asset":
				if body != "console.log(1)" {
					t.Errorf("body %q", body)
				}
			case "config":
				var cfg Config
				if err := json.Unmarshal([]byte(body), &cfg); err != nil || cfg.Cognito.ClientID != "client123" || cfg.Cognito.Endpoint != CognitoPath {
					t.Errorf("config %s (%v)", body, err)
				}
			}
			for k, v := range SecurityHeaders("us-east-1") {
				if rec.Header().Get(k) != v {
					t.Errorf("%s = %q, want %q", k, rec.Header().Get(k), v)
				}
			}
		})
	}
}

func TestCognitoProxyPassesOnlyBrowserCalls(t *testing.T) {
	var got []string
	moto := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Header.Get("X-Amz-Target")+" "+string(b))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"UserConfirmed":false}`)
	}))
	defer moto.Close()
	s := testSite(t, moto.URL)
	cases := []struct {
		method, target string
		status         int
	}{
		{"POST", "AWSCognitoIdentityProviderService.SignUp", 200},
		{"POST", "AWSCognitoIdentityProviderService.InitiateAuth", 200},
		{"POST", "AWSCognitoIdentityProviderService.AdminAddUserToGroup", 400},
		{"POST", "DynamoDB_20120810.Scan", 400},
		{"GET", "AWSCognitoIdentityProviderService.SignUp", 400},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, CognitoPath, strings.NewReader(`{"ClientId":"c"}`))
		req.Header.Set("X-Amz-Target", c.target)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != c.status {
			t.Errorf("%s %s = %d, want %d", c.method, c.target, rec.Code, c.status)
		}
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "AWSCognitoIdentityProviderService.SignUp {") {
		t.Errorf("moto saw %q, want the two browser calls", got)
	}
}

func TestPrefixes(t *testing.T) {
	got := Prefixes([]string{"/events", "/events/{eventId}", "/admin/x", "/{proxy+}", "$default", "/"})
	if len(got) != 2 || !got["events"] || !got["admin"] {
		t.Errorf("Prefixes = %v", got)
	}
}
