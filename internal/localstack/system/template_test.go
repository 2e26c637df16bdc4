package system_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// TestEveryFunctionIsComplete holds each AWS::Serverless::Function of template.yaml to the
// project's conventions: a functions/<kebab> main package, a Makefile build target for
// sam build, a sample event events/<kebab>.json, and that sample event invoking the real
// bootstrap through the local Runtime API without an error (for HTTP routes, without a
// 5xx answer). Everything is derived from the template, so new functions are covered
// the moment they are declared.
func TestEveryFunctionIsComplete(t *testing.T) {
	root, err := workspace.Root()
	if err != nil {
		t.Fatal(err)
	}
	tmpl := localtest.Template(t)
	ids := tmpl.IDs(template.TypeFunction)
	if len(ids) == 0 {
		t.Fatal("template.yaml declares no functions")
	}
	artifacts := t.TempDir()
	for _, id := range ids {
		kebab := filepath.Base(template.FunctionDir(id))
		t.Run(id+"/layout", func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(root, template.FunctionDir(id), "main.go")); err != nil {
				t.Errorf("no %s/main.go: %v", template.FunctionDir(id), err)
			}
			if _, err := os.Stat(filepath.Join(root, "events", kebab+".json")); err != nil {
				t.Errorf("no sample event events/%s.json", kebab)
			}
			cmd := exec.Command("make", "-n", "build-"+id, "ARTIFACTS_DIR="+artifacts)
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("make -n build-%s: %v\n%s", id, err, out)
			}
		})
	}

	st := localtest.Stack(t, localtest.StackOptions{})
	for _, fn := range st.Functions {
		kebab := filepath.Base(fn.Dir)
		t.Run(fn.LogicalID+"/sample-event", func(t *testing.T) {
			event, err := os.ReadFile(filepath.Join(root, "events", kebab+".json"))
			if err != nil {
				return // the layout check already failed for the missing file
			}
			res, err := st.Pools[fn.LogicalID].Invoke(context.Background(), event)
			if err != nil {
				t.Fatal(err)
			}
			if res.FunctionError != "" {
				t.Fatalf("events/%s.json: function error (%s): %s", kebab, res.Report.Status, res.Payload)
			}
			if !isHTTP(fn) {
				return
			}
			var resp struct {
				StatusCode int    `json:"statusCode"`
				Body       string `json:"body"`
			}
			if err := json.Unmarshal(res.Payload, &resp); err != nil {
				t.Fatalf("response is not an HTTP API response: %v: %s", err, res.Payload)
			}
			if resp.StatusCode >= 500 || resp.StatusCode == 0 {
				t.Errorf("events/%s.json answered %d: %s", kebab, resp.StatusCode, strings.TrimSpace(resp.Body))
			}
		})
	}
}

func isHTTP(fn template.Function) bool {
	for _, ev := range fn.Events {
		if ev.HTTP != nil {
			return true
		}
	}
	return false
}
