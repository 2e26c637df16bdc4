package template

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const parent = `
Parameters:
  Stage: {Type: String, Default: prod}
Globals:
  Function:
    Timeout: 10
    LoggingConfig:
      LogGroup: !Ref Logs
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: !Sub "/aws/lambda/${AWS::StackName}", RetentionInDays: 7}
  Topic:
    Type: AWS::SNS::Topic
  Work:
    Type: AWS::SQS::Queue
  DoThingFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Work.Arn}}
  OwnLogsFunction:
    Type: AWS::Serverless::Function
    Properties:
      LoggingConfig: {LogFormat: JSON}
  Monitoring:
    Type: AWS::Serverless::Application
    Properties:
      Location: infra/monitoring.yaml
      Parameters:
        Stage: !Ref Stage
        AlarmTopic: !Ref Topic
        WorkQueueName: !GetAtt Work.QueueName
        LogGroup: !Ref Logs
  FromRepository:
    Type: AWS::Serverless::Application
    Properties:
      Location: {ApplicationId: "arn:aws:serverlessrepo:us-east-1:123456789012:applications/x", SemanticVersion: 1.0.0}
`

const child = `
Parameters:
  Stage: {Type: String}
  AlarmTopic: {Type: String}
  WorkQueueName: {Type: String}
  LogGroup: {Type: String}
  Period: {Type: Number, Default: 60}
Resources:
  AgeAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Dimensions: [{Name: QueueName, Value: !Ref WorkQueueName}]
      Period: !Ref Period
      AlarmActions: [!Ref AlarmTopic]
  Dashboard:
    Type: AWS::CloudWatch::Dashboard
    Properties:
      DashboardName: !Sub "${AWS::StackName}-${Stage}"
      DashboardBody: !Sub ["SOURCE '${LogGroup}' ${WorkQueueName} ${X} ${Period} ${Stage}", {X: !Ref Stage, Stage: shadowed}]
`

// writeTemplates writes the parent and its nested template (under infra/) to a folder
// and returns the parent's path.
func writeTemplates(t *testing.T, parentYAML, childYAML string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "infra", "monitoring.yaml"), []byte(childYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(path, []byte(parentYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestApplicationIsLoaded(t *testing.T) {
	tm, err := Load(writeTemplates(t, parent, child))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tm.Applications["FromRepository"]; ok {
		t.Error("an application from the Serverless Application Repository was read as a file")
	}
	app, ok := tm.Applications["Monitoring"]
	if !ok {
		t.Fatalf("applications = %v", tm.Applications)
	}
	if app.Location != "infra/monitoring.yaml" || app.Template.IDs("AWS::CloudWatch::Alarm")[0] != "AgeAlarm" {
		t.Errorf("application = %+v", app)
	}
	for _, tc := range []struct {
		name string
		in   any
		want any
	}{
		{"ref to a passed parameter", app.Template.Resources["AgeAlarm"].Properties["AlarmActions"], []any{map[string]any{"Ref": "Topic"}}},
		{"ref to a getatt", app.Template.Resources["AgeAlarm"].Properties["Dimensions"],
			[]any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": "Work.QueueName"}}}},
		{"ref to a defaulted parameter", app.Template.Resources["AgeAlarm"].Properties["Period"], map[string]any{"Ref": "Period"}},
		{"sub", app.Template.Resources["Dashboard"].Properties["DashboardName"], map[string]any{"Fn::Sub": "${AWS::StackName}-${Stage}"}},
		{"sub with variables", app.Template.Resources["Dashboard"].Properties["DashboardBody"], map[string]any{"Fn::Sub": []any{
			"SOURCE '${Logs}' ${Work.QueueName} ${X} ${Period} ${Stage}", map[string]any{"X": map[string]any{"Ref": "Stage"}, "Stage": "shadowed"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := app.Inline(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
	// The local stack deploys nothing of the application, but resolves around it.
	s, err := tm.NewStack("st", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Functions(); err != nil {
		t.Fatal(err)
	}
	order, err := tm.Order()
	if err != nil || order[len(order)-2] != "Monitoring" {
		t.Errorf("order = %v, %v", order, err)
	}
}

func TestApplicationParametersAreChecked(t *testing.T) {
	const passLogGroup = "        LogGroup: !Ref Logs\n"
	for _, tc := range []struct {
		name, parent, want string
	}{
		{"undeclared", strings.Replace(parent, passLogGroup, passLogGroup+"        Nope: x\n", 1), "parameter Nope is not declared in infra/monitoring.yaml"},
		{"missing", strings.Replace(parent, passLogGroup, "", 1), "needs parameter LogGroup"},
		{"no file", strings.Replace(parent, "infra/monitoring.yaml", "infra/missing.yaml", 1), "missing.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeTemplates(t, tc.parent, child))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "Monitoring") {
				t.Errorf("err = %v, want one naming Monitoring and %q", err, tc.want)
			}
		})
	}
}

func TestFunctionPropertiesMergeGlobalLoggingConfig(t *testing.T) {
	tm, err := Load(writeTemplates(t, parent, child))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]map[string]any{
		"DoThingFunction": {"LogGroup": map[string]any{"Ref": "Logs"}},
		"OwnLogsFunction": {"LogGroup": map[string]any{"Ref": "Logs"}, "LogFormat": "JSON"},
	} {
		props, ok := tm.FunctionProperties(id)
		if !ok {
			t.Fatalf("no function %s", id)
		}
		if got := props["LoggingConfig"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s LoggingConfig = %v, want %v", id, got, want)
		}
	}
	if _, ok := tm.FunctionProperties("Logs"); ok {
		t.Error("FunctionProperties of a log group")
	}
}
