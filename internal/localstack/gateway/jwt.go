package gateway

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// Authorizer verifies bearer tokens as an HTTP API JWT authorizer does: an RS256
// signature by a key of the issuer's JWKS, iss equal to the configured issuer, aud (ID
// tokens) or client_id (access tokens) in the audience list, exp and nbf.
type Authorizer struct {
	Config template.JWTAuthorizer
	// JWKSURL is where the issuer's keys are served.
	JWKSURL string
	// Now is the clock (tests pin it); nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time
}

// errToken is a token the authorizer rejects; the message goes to the log only, as API
// Gateway tells the client no more than "Unauthorized".
type errToken struct{ reason string }

func (e errToken) Error() string { return e.reason }

// Verify checks a token and returns its claims as API Gateway passes them to the
// function: every value a string.
func (a *Authorizer) Verify(ctx context.Context, token string) (map[string]string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errToken{"not a JWT"}
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, errToken{"bad header: " + err.Error()}
	}
	if header.Alg != "RS256" {
		return nil, errToken{"alg " + header.Alg + " is not RS256"}
	}
	key, err := a.key(ctx, header.Kid)
	if err != nil {
		return nil, err
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errToken{"bad signature encoding"}
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return nil, errToken{"signature does not verify"}
	}
	var claims map[string]any
	dec := json.NewDecoder(base64.NewDecoder(base64.RawURLEncoding, strings.NewReader(parts[1])))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return nil, errToken{"bad claims: " + err.Error()}
	}
	if err := a.checkClaims(claims); err != nil {
		return nil, err
	}
	return stringClaims(claims), nil
}

func (a *Authorizer) checkClaims(c map[string]any) error {
	if iss, _ := c["iss"].(string); iss != a.Config.Issuer {
		return errToken{fmt.Sprintf("iss %q is not %q", iss, a.Config.Issuer)}
	}
	aud := audiences(c["aud"])
	if len(aud) == 0 {
		if cid, ok := c["client_id"].(string); ok {
			aud = []string{cid}
		}
	}
	if !overlaps(aud, a.Config.Audience) {
		return errToken{fmt.Sprintf("audience %v is not one of %v", aud, a.Config.Audience)}
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	exp, ok := number(c["exp"])
	if !ok {
		return errToken{"no exp"}
	}
	if now().Unix() >= exp {
		return errToken{"token expired"}
	}
	if nbf, ok := number(c["nbf"]); ok && now().Unix() < nbf {
		return errToken{"token not yet valid"}
	}
	return nil
}

func audiences(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func number(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	return int64(f), err == nil
}

// stringClaims flattens claims the way API Gateway does: strings as they are, numbers
// in decimal, a list as "[a b]", objects as JSON.
func stringClaims(c map[string]any) map[string]string {
	out := make(map[string]string, len(c))
	for k, v := range c {
		switch x := v.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = strconv.FormatBool(x)
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = fmt.Sprint(e)
			}
			out[k] = "[" + strings.Join(parts, " ") + "]"
		case nil:
			out[k] = ""
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// key returns the signing key kid, fetching the JWKS on first use and again (at most
// every few seconds) when a kid is unknown, as keys rotate.
func (a *Authorizer) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if k, ok := a.keys[kid]; ok {
		return k, nil
	}
	if time.Since(a.fetched) < 5*time.Second && a.keys != nil {
		return nil, errToken{"unknown kid " + kid}
	}
	keys, err := fetchJWKS(ctx, a.JWKSURL)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS %s: %w", a.JWKSURL, err)
	}
	a.keys, a.fetched = keys, time.Now()
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, errToken{"unknown kid " + kid}
}

func fetchJWKS(ctx context.Context, url string) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	var set struct {
		Keys []struct {
			Kty, Kid, N, E string
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			return nil, errors.New("malformed RSA key " + k.Kid)
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}
