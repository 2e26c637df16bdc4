package identity_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/bookmyevent/bookmyevent/internal/localstack/identity"
	"github.com/bookmyevent/bookmyevent/internal/localstack/provision"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTokenCreatesUsersAndSetsAdmins(t *testing.T) {
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
	p := identity.Pool{Cognito: cip.NewFromConfig(cfg), PoolID: pool.Ref, ClientID: client.Ref}
	ctx := context.Background()

	for _, tc := range []struct {
		admin  bool
		groups string
	}{{true, "[admins]"}, {false, "[]"}, {true, "[admins]"}} {
		tok, err := p.Token(ctx, "alice", tc.admin)
		if err != nil {
			t.Fatal(err)
		}
		c := claims(t, tok.Access)
		groups, _ := json.Marshal(c["cognito:groups"])
		if tc.admin != strings.Contains(string(groups), "admins") {
			t.Errorf("admin=%v: cognito:groups = %s", tc.admin, groups)
		}
		if c["iss"] != provision.Issuer(pool.Ref) || c["client_id"] != client.Ref || c["token_use"] != "access" || c["sub"] == "" {
			t.Errorf("access claims = %v", c)
		}
		if idc := claims(t, tok.ID); idc["aud"] != client.Ref || idc["email"] != "alice@bookmyevent.local" {
			t.Errorf("id claims = %v", idc)
		}
	}
	a, _ := p.Token(ctx, "alice", false)
	b, _ := p.Token(ctx, "bob", false)
	if claims(t, a.Access)["sub"] == claims(t, b.Access)["sub"] {
		t.Error("two users share a sub")
	}
}

func TestEmail(t *testing.T) {
	for in, want := range map[string]string{"alice": "alice@bookmyevent.local", "bob@example.com": "bob@example.com"} {
		if got := identity.Email(in); got != want {
			t.Errorf("Email(%s) = %s", in, got)
		}
	}
}
