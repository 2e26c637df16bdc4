// Package site serves the built web app (web/dist) beside the local HTTP API the way the
// CloudFront distribution in infra/web.yaml does: paths under the API's prefixes go to the
// API, everything else comes from the bucket, hashed assets cached for a year,
// index.html never cached, a path without a file extension answered with index.html (the
// app routes it), and every answer carries the response-headers policy's headers. It
// also writes the site's /config.json and passes the browser's Cognito calls on to the
// local user pool under /cognito/.
package site

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Cache-Control values, as make deploy-web stores them on the bucket's objects.
const (
	CacheImmutable = "public, max-age=31536000, immutable" // assets/*: names carry a content hash
	CacheNone      = "no-cache"                            // index.html, config.json: always revalidated
	CacheShort     = "public, max-age=3600"                // anything else at the root
)

// SecurityHeaders are the response-headers policy of infra/web.yaml; a test keeps the two
// equal. connect-src names the Cognito endpoint the browser signs in with on AWS.
func SecurityHeaders(region string) map[string]string {
	return map[string]string{
		// Stripe.js and the Payment Element's frames (the pay step on AWS) come from
		// js.stripe.com and talk to api.stripe.com; hooks.stripe.com frames 3-D Secure.
		"Content-Security-Policy": "default-src 'self'; script-src 'self' https://js.stripe.com https://*.js.stripe.com; " +
			"style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self' https://cognito-idp." + region + ".amazonaws.com https://api.stripe.com; " +
			"frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com; media-src 'self' blob:; " +
			"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "strict-origin-when-cross-origin",
		"Permissions-Policy":        "camera=(self), microphone=(), geolocation=()",
	}
}

// Config is the site's /config.json (web/src/config.ts reads it).
type Config struct {
	APIBase string  `json:"apiBase"`
	Cognito Cognito `json:"cognito"`
	Local   bool    `json:"local,omitempty"`
}

// Cognito says where the browser reaches the user pool's API.
type Cognito struct {
	Region   string `json:"region"`
	Endpoint string `json:"endpoint"`
	ClientID string `json:"clientId"`
}

// CognitoPath is where the local gateway takes the browser's Cognito calls.
const CognitoPath = "/cognito/"

// cognitoActions are the user pool calls a browser makes without credentials; the proxy
// passes only these, so the page cannot reach moto's admin API through the site.
var cognitoActions = map[string]bool{
	"SignUp": true, "ConfirmSignUp": true, "ResendConfirmationCode": true, "InitiateAuth": true,
	"GetUser": true, "ForgotPassword": true, "ConfirmForgotPassword": true, "GlobalSignOut": true,
}

// Site is the handler in front of the API.
type Site struct {
	// Dir is the built site (web/dist).
	Dir string
	// API answers every path under APIPrefixes and every CORS preflight.
	API http.Handler
	// APIPrefixes are the first path segments of the API's routes ("events", "admin").
	APIPrefixes map[string]bool
	Config      Config
	// CognitoURL is the local Cognito (moto) the proxy calls; empty disables the proxy.
	CognitoURL string
	Region     string
	Client     *http.Client
}

// Prefixes returns the first segments of route paths such as /events/{eventId}.
func Prefixes(paths []string) map[string]bool {
	out := map[string]bool{}
	for _, p := range paths {
		seg, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		if seg != "" && !strings.HasPrefix(seg, "{") && p != "$default" {
			out[seg] = true
		}
	}
	return out
}

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range SecurityHeaders(s.Region) {
		w.Header().Set(k, v)
	}
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	switch {
	case s.APIPrefixes[seg] || preflight:
		s.API.ServeHTTP(w, r)
	case r.URL.Path+"/" == CognitoPath || strings.HasPrefix(r.URL.Path, CognitoPath):
		s.cognito(w, r)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		// The bucket only serves reads; the API's own 404 or 405 answers the rest.
		s.API.ServeHTTP(w, r)
	case r.URL.Path == "/config.json":
		s.config(w)
	default:
		s.file(w, r)
	}
}

func (s *Site) config(w http.ResponseWriter) {
	b, _ := json.Marshal(s.Config)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", CacheNone)
	_, _ = w.Write(b)
}

func (s *Site) file(w http.ResponseWriter, r *http.Request) {
	name := path.Clean("/" + r.URL.Path)
	if name == "/" {
		name = "/index.html"
	}
	f, info, err := s.open(name)
	if err != nil && path.Ext(name) == "" {
		// An app route (/e/123, /console): the app's shell, as the distribution's
		// viewer-request function rewrites it.
		name = "/index.html"
		f, info, err = s.open(name)
	}
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		if name == "/index.html" {
			_, _ = io.WriteString(w, "The web app is not built: make run builds web/dist (npm ci && npm run build in web/).\n")
			return
		}
		_, _ = io.WriteString(w, "Not Found\n")
		return
	}
	defer f.Close()
	switch {
	case strings.HasPrefix(name, "/assets/"):
		w.Header().Set("Cache-Control", CacheImmutable)
	case name == "/index.html":
		w.Header().Set("Cache-Control", CacheNone)
	default:
		w.Header().Set("Cache-Control", CacheShort)
	}
	http.ServeContent(w, r, name, info.ModTime(), f)
}

func (s *Site) open(name string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(filepath.Join(s.Dir, filepath.FromSlash(name)))
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		f.Close()
		return nil, nil, os.ErrNotExist
	}
	return f, info, nil
}

// cognito passes a browser's unauthenticated user pool call to the local Cognito, as
// the browser would send it to cognito-idp.<region>.amazonaws.com.
func (s *Site) cognito(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	action, ok := strings.CutPrefix(target, "AWSCognitoIdentityProviderService.")
	if s.CognitoURL == "" || r.Method != http.MethodPost || !ok || !cognitoActions[action] {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"InvalidAction","message":"not a user pool call a browser may make"}`)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	u, err := url.JoinPath(s.CognitoURL, "/")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		http.Error(w, "local Cognito: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
