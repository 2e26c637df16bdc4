package system_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// TestGatewayEndToEnd sends real HTTP requests through the local gateway and authorizer
// to the real function binaries.
func TestGatewayEndToEnd(t *testing.T) {
	st := localtest.Stack(t, localtest.StackOptions{})
	admin := st.Token(t, "e2e-admin", true)
	user := st.Token(t, "e2e-user", false)
	for _, tc := range []struct {
		name, method, path, token string
		status                    int
		body                      string
	}{
		{"public route, no token", "GET", "/events", "", 200, `"items"`},
		{"protected route, no token", "GET", "/admin/venues", "", 401, `{"message":"Unauthorized"}`},
		{"protected route, bad token", "GET", "/admin/venues", "not-a-jwt", 401, `{"message":"Unauthorized"}`},
		{"admin route, user token", "GET", "/admin/venues", user, 403, `"forbidden"`},
		{"admin route, admin token", "GET", "/admin/venues", admin, 200, `"items"`},
		// Paths outside the API's prefixes are the web app's (internal/localstack/site).
		{"no route", "GET", "/admin/nowhere", admin, 404, `{"message":"Not Found"}`},
		{"no route, other method", "POST", "/nowhere", admin, 404, `{"message":"Not Found"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, st.BaseURL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
				t.Errorf("%s %s: %d %s, want %d containing %s", tc.method, tc.path, resp.StatusCode, body, tc.status, tc.body)
			}
		})
	}
	table, _ := st.Stack.Physical("Table")
	if _, err := dynamodb.NewFromConfig(st.AWSConfig(t)).DescribeTable(context.Background(),
		&dynamodb.DescribeTableInput{TableName: aws.String(table.Ref)}); err != nil {
		t.Errorf("the stack's table is not reachable through AWSConfig: %v", err)
	}
	cold := 0
	for _, r := range st.Reports() {
		if r.ColdStart {
			cold++
		}
	}
	if cold == 0 {
		t.Errorf("no cold start among %d reports", len(st.Reports()))
	}
}
