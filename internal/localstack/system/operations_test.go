package system_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// signsTickets are the functions that sign or verify ticket codes (app.Tickets, and
// app.Notifier, whose confirmation mails carry the codes): the only ones given the
// signing key, and issue 14 allows at most three.
var signsTickets = map[string]bool{"GetTicketsFunction": true, "CheckInFunction": true, "NotifierFunction": true}

// movesMoney are the functions that charge or refund (app.Payments, app.StripeWebhook):
// the only ones given Stripe's secret key.
var movesMoney = map[string]bool{"ConfirmBookingFunction": true, "CancelBookingFunction": true, "AdminCancelBookingFunction": true, "StripeWebhookFunction": true}

// TestTemplateIsOperable holds template.yaml and its monitoring application
// (infra/monitoring.yaml) to the operations conventions (docs/operations.md), so a
// function or queue added later cannot miss them: every function logging to a log group
// of the stack with retention that the dashboard's cold-start query reads, the signing
// key by reference only, no wildcard IAM, encrypted queues, an alarm on every dead-letter
// queue, and every alarm notifying the alarm topic. The monitoring template is read in
// the parent's terms (Application.Inline), so its parameters may be renamed freely.
func TestTemplateIsOperable(t *testing.T) {
	if len(signsTickets) > 3 {
		t.Errorf("%d functions may read the ticket signing key; issue 14 allows at most 3", len(signsTickets))
	}
	tm := localtest.Template(t)
	mon, ok := tm.Applications["Monitoring"]
	if !ok {
		t.Fatal("template.yaml has no Monitoring application with a template file")
	}
	dashboard := fmt.Sprint(mon.Inline(mon.Template.Resources["Dashboard"].Properties["DashboardBody"]))
	if !strings.Contains(dashboard, `parse @logStream \"*/*/*/*[\" as year, month, day, function`) || !strings.Contains(dashboard, "by function") {
		t.Error("the dashboard's cold-start query does not count cold starts per function (parsed from each log stream name)")
	}
	topic := fmt.Sprint(map[string]any{"Ref": "AlarmTopic"})

	for _, id := range tm.IDs(template.TypeFunction) {
		props, _ := tm.FunctionProperties(id)
		t.Run(id, func(t *testing.T) {
			logging, _ := props["LoggingConfig"].(map[string]any)
			group, _ := logging["LogGroup"].(map[string]any)
			name, _ := group["Ref"].(string)
			if lg, ok := tm.Resources[name]; !ok || lg.Type != "AWS::Logs::LogGroup" {
				t.Errorf("LoggingConfig.LogGroup = %v, want !Ref of an AWS::Logs::LogGroup of the template", logging["LogGroup"])
			} else if got := fmt.Sprint(lg.Properties["RetentionInDays"]); got != fmt.Sprint(map[string]any{"Ref": "LogRetentionDays"}) {
				t.Errorf("log group %s retention = %s, want !Ref LogRetentionDays", name, got)
			}
			if name != "" && !strings.Contains(dashboard, "SOURCE '${"+name+"}'") {
				t.Errorf("the dashboard's cold-start query does not read log group %s", name)
			}
			env, _ := props["Environment"].(map[string]any)
			vars, _ := env["Variables"].(map[string]any)
			if _, ok := vars["TICKET_SIGNING_KEY"]; ok {
				t.Error("TICKET_SIGNING_KEY in the environment: pass TICKET_SIGNING_KEY_PARAM (the SSM name) instead")
			}
			policies, _ := props["Policies"].([]any)
			if _, ok := vars["TICKET_SIGNING_KEY_PARAM"]; ok && !strings.Contains(fmt.Sprint(policies), "TicketSigningKeyReadPolicy") {
				t.Error("reads the signing key's parameter without TicketSigningKeyReadPolicy")
			}
			_, reads := vars["TICKET_SIGNING_KEY_PARAM"]
			if granted := strings.Contains(fmt.Sprint(policies), "TicketSigningKeyReadPolicy"); (reads || granted) && !signsTickets[id] {
				t.Error("given the signing key, which only the functions that sign or verify tickets may read")
			}
			_, stripe := vars["STRIPE_SECRET_KEY_PARAM"]
			if granted := strings.Contains(fmt.Sprint(policies), "StripeSecretsReadPolicy"); stripe != granted || stripe != movesMoney[id] {
				t.Errorf("STRIPE_SECRET_KEY_PARAM %v, StripeSecretsReadPolicy %v: want both exactly on the functions that move money", stripe, granted)
			}
			for _, st := range statements(policies) {
				if a := fmt.Sprint(st["Action"]); strings.Contains(a, "*") {
					t.Errorf("wildcard action %s", a)
				}
				// GetMetricData has no resource-level permissions: IAM authorises it on * only.
				if r := fmt.Sprint(st["Resource"]); (r == "*" || r == "[*]") && fmt.Sprint(st["Action"]) != "[cloudwatch:GetMetricData]" {
					t.Errorf("statement %v on every resource", st["Action"])
				}
			}
		})
	}

	var alarmed []string // Dimensions of queue depth alarms
	alarms := map[string]map[string]any{}
	for _, id := range tm.IDs("AWS::CloudWatch::Alarm") {
		alarms[id] = tm.Resources[id].Properties
	}
	for _, id := range mon.Template.IDs("AWS::CloudWatch::Alarm") {
		alarms[mon.LogicalID+"."+id], _ = mon.Inline(mon.Template.Resources[id].Properties).(map[string]any)
	}
	for id, props := range alarms {
		if !strings.Contains(fmt.Sprint(props["AlarmActions"]), topic) {
			t.Errorf("%s: AlarmActions do not include !Ref AlarmTopic", id)
		}
		if props["MetricName"] == "ApproximateNumberOfMessagesVisible" {
			alarmed = append(alarmed, fmt.Sprint(props["Dimensions"]))
		}
	}
	for _, id := range tm.IDs(template.TypeQueue) {
		props := tm.Resources[id].Properties
		if props["SqsManagedSseEnabled"] != true {
			t.Errorf("%s: SqsManagedSseEnabled is not true", id)
		}
		redrive, _ := props["RedrivePolicy"].(map[string]any)
		if redrive == nil {
			continue
		}
		dlq := getAttResource(redrive["deadLetterTargetArn"])
		found := false
		for _, dims := range alarmed {
			found = found || strings.Contains(dims, dlq+".QueueName") || strings.Contains(dims, "["+dlq+" QueueName]")
		}
		if !found {
			t.Errorf("dead-letter queue %s of %s has no depth alarm", dlq, id)
		}
	}
}

// getAttResource is the logical id in a Fn::GetAtt, short ("Id.Attr") or long form.
func getAttResource(v any) string {
	m, _ := v.(map[string]any)
	switch a := m["Fn::GetAtt"].(type) {
	case string:
		id, _, _ := strings.Cut(a, ".")
		return id
	case []any:
		if len(a) > 0 {
			return fmt.Sprint(a[0])
		}
	}
	return fmt.Sprint(v)
}

// statements returns the inline policy statements of a function's Policies.
func statements(policies []any) []map[string]any {
	var out []map[string]any
	for _, p := range policies {
		m, _ := p.(map[string]any)
		list, _ := m["Statement"].([]any)
		for _, s := range list {
			if st, ok := s.(map[string]any); ok {
				out = append(out, st)
			}
		}
	}
	return out
}

// TestDashboardBodyIsJSON checks the dashboard body parses once its ${...} references are
// substituted, as CloudWatch will parse it after CloudFormation's !Sub.
func TestDashboardBodyIsJSON(t *testing.T) {
	mon, ok := localtest.Template(t).Applications["Monitoring"]
	if !ok {
		t.Fatal("template.yaml has no Monitoring application with a template file")
	}
	body := mon.Template.Resources["Dashboard"].Properties["DashboardBody"]
	m, ok := body.(map[string]any)
	if !ok {
		t.Fatalf("DashboardBody is %T, want !Sub of a JSON string", body)
	}
	s, ok := m["Fn::Sub"].(string)
	if !ok {
		t.Fatalf("DashboardBody is %v, want !Sub of a JSON string", body)
	}
	var parts []string
	for rest := s; ; {
		i := strings.Index(rest, "${")
		if i < 0 {
			parts = append(parts, rest)
			break
		}
		j := strings.Index(rest[i:], "}")
		if j < 0 {
			t.Fatalf("unterminated ${ in the dashboard body")
		}
		parts = append(parts, rest[:i], "x")
		rest = rest[i+j+1:]
	}
	var d struct {
		Widgets []map[string]any `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(strings.Join(parts, "")), &d); err != nil {
		t.Fatalf("dashboard body: %v", err)
	}
	if len(d.Widgets) == 0 {
		t.Fatal("dashboard has no widgets")
	}
}
