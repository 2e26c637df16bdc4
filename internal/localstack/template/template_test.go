package template

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

const sample = `
Parameters:
  Stage: {Type: String, Default: prod}
  Level: {Type: String, Default: INFO, AllowedValues: [DEBUG, INFO]}
  Issuer: {Type: String, Default: ""}
  Names: {Type: CommaDelimitedList, Default: "a,b"}
Conditions:
  UseCognito: !Equals [!Ref Issuer, ""]
  NotCognito: !Not [!Condition UseCognito]
  Both: !And [!Condition UseCognito, !Equals [!Ref Stage, prod]]
Globals:
  Function:
    Timeout: 10
    MemorySize: 256
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        LEVEL: !Ref Level
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: !Sub "${AWS::StackName}-users"
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool}
  Dlq:
    Type: AWS::SQS::Queue
  Work:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: "30"
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 3}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      TimeToLiveSpecification: {AttributeName: ttl, Enabled: "true"}
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: true
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            JwtConfiguration:
              issuer: !If [UseCognito, !Sub "https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}", !Ref Issuer]
              audience: [!If [UseCognito, !Ref Client, !Ref AWS::NoValue]]
  Dash:
    Type: AWS::CloudWatch::Dashboard
    Properties: {DashboardBody: !Join ["", ["{", !Select [1, !Ref Names], "}"]]}
  CreateThingFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 3
      Environment:
        Variables: {QUEUE_URL: !Ref Work, ARN: !GetAtt Work.Arn, ESC: !Sub "${!Literal}-${Stage}"}
      Events:
        Api: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: post, Path: "/things/{id}"}}
        Open: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /things, Auth: {Authorizer: NONE}}}
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Work.Arn, BatchSize: 5, FunctionResponseTypes: [ReportBatchItemFailures]}}
        Tick: {Type: Schedule, Properties: {Schedule: rate(1 minute)}}
`

func sampleStack(t *testing.T, overrides map[string]string) *Stack {
	t.Helper()
	tm, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	s, err := tm.NewStack("st", overrides)
	if err != nil {
		t.Fatal(err)
	}
	s.SetPhysical("Pool", Physical{Ref: "us-east-1_abc"})
	s.SetPhysical("Client", Physical{Ref: "client1"})
	s.SetPhysical("Dlq", Physical{Ref: "http://q/dlq", Attrs: map[string]string{"Arn": "arn:dlq"}})
	s.SetPhysical("Work", Physical{Ref: "http://q/work", Attrs: map[string]string{"Arn": "arn:work"}})
	s.SetPhysical("Table", Physical{Ref: "st-Table"})
	return s
}

func TestResolveIntrinsics(t *testing.T) {
	s := sampleStack(t, nil)
	for _, tc := range []struct {
		name string
		in   any
		want any
	}{
		{"ref param", map[string]any{"Ref": "Stage"}, "prod"},
		{"ref resource", map[string]any{"Ref": "Table"}, "st-Table"},
		{"ref pseudo", map[string]any{"Ref": "AWS::AccountId"}, AccountID},
		{"ref list param", map[string]any{"Ref": "Names"}, []any{"a", "b"}},
		{"getatt dotted", map[string]any{"Fn::GetAtt": "Work.Arn"}, "arn:work"},
		{"getatt list", map[string]any{"Fn::GetAtt": []any{"Dlq", "Arn"}}, "arn:dlq"},
		{"getatt unknown resource type", map[string]any{"Fn::GetAtt": "Dash.Arn"}, ARN("cloudwatch", "st-Dash")},
		{"sub", map[string]any{"Fn::Sub": "${AWS::StackName}/${Work.Arn}/${!Raw}"}, "st/arn:work/${Raw}"},
		{"sub vars", map[string]any{"Fn::Sub": []any{"${X}-${Stage}", map[string]any{"X": "x"}}}, "x-prod"},
		{"if", map[string]any{"Fn::If": []any{"UseCognito", "yes", "no"}}, "yes"},
		{"join select", map[string]any{"Fn::Join": []any{"-", []any{"a", map[string]any{"Fn::Select": []any{"1", []any{"x", "y"}}}}}}, "a-y"},
		{"novalue dropped", []any{"a", map[string]any{"Ref": "AWS::NoValue"}}, []any{"a"}},
		{"split", map[string]any{"Fn::Split": []any{",", "a,b"}}, []any{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Resolve(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	for _, tc := range []struct {
		issuer string
		want   map[string]bool
	}{
		{"", map[string]bool{"UseCognito": true, "NotCognito": false, "Both": true}},
		{"https://other", map[string]bool{"UseCognito": false, "NotCognito": true, "Both": false}},
	} {
		s := sampleStack(t, map[string]string{"Issuer": tc.issuer})
		got, err := s.Conditions()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("issuer %q: %v, want %v", tc.issuer, got, tc.want)
		}
	}
}

func TestParameterOverrides(t *testing.T) {
	tm, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		over map[string]string
		ok   bool
	}{
		{map[string]string{"Level": "DEBUG"}, true},
		{map[string]string{"Level": "TRACE"}, false},
		{map[string]string{"Nope": "x"}, false},
	} {
		_, err := tm.NewStack("st", tc.over)
		if (err == nil) != tc.ok {
			t.Errorf("%v: err = %v", tc.over, err)
		}
	}
}

func TestFunctionMergesGlobals(t *testing.T) {
	s := sampleStack(t, map[string]string{"Level": "DEBUG"})
	f, err := s.Function("CreateThingFunction")
	if err != nil {
		t.Fatal(err)
	}
	if f.Dir != "functions/create-thing" || f.Name != "st-CreateThingFunction" || f.Timeout != 3*time.Second || f.MemoryMB != 256 {
		t.Errorf("function = %+v", f)
	}
	wantEnv := map[string]string{"TABLE_NAME": "st-Table", "LEVEL": "DEBUG", "QUEUE_URL": "http://q/work", "ARN": "arn:work", "ESC": "${Literal}-prod"}
	if !reflect.DeepEqual(f.Environment, wantEnv) {
		t.Errorf("env = %v, want %v", f.Environment, wantEnv)
	}
	byName := map[string]Event{}
	for _, e := range f.Events {
		byName[e.Name] = e
	}
	if h := byName["Api"].HTTP; h == nil || h.RouteKey() != "POST /things/{id}" || h.Authorizer != "Jwt" || h.APIID != "Api" {
		t.Errorf("Api event = %+v", h)
	}
	if h := byName["Open"].HTTP; h == nil || h.Authorizer != "" {
		t.Errorf("Open event = %+v", h)
	}
	if q := byName["Jobs"].SQS; q == nil || q.QueueArn != "arn:work" || q.QueueID != "Work" || q.BatchSize != 5 || !q.ReportBatchItemFailures || !q.Enabled {
		t.Errorf("Jobs event = %+v", q)
	}
	if sc := byName["Tick"].Schedule; sc == nil || sc.Expression != "rate(1 minute)" || !sc.Enabled {
		t.Errorf("Tick event = %+v", sc)
	}
}

func TestResources(t *testing.T) {
	s := sampleStack(t, nil)
	order, err := s.Template.Order()
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, id := range order {
		pos[id] = i
	}
	for _, dep := range [][2]string{{"Dlq", "Work"}, {"Pool", "Client"}, {"Pool", "Api"}, {"Work", "CreateThingFunction"}} {
		if pos[dep[0]] > pos[dep[1]] {
			t.Errorf("%s ordered after %s: %v", dep[0], dep[1], order)
		}
	}
	q, err := s.Queue("Work")
	if err != nil {
		t.Fatal(err)
	}
	if q.RedrivePolicy == nil || q.RedrivePolicy.DeadLetterTargetArn != "arn:dlq" || q.RedrivePolicy.MaxReceiveCount != 3 || q.VisibilityTimeout == nil || *q.VisibilityTimeout != 30 {
		t.Errorf("queue = %+v", q)
	}
	if dlq, ok := s.Template.DeadLetterQueue("Work"); !ok || dlq != "Dlq" {
		t.Errorf("DeadLetterQueue = %q %v", dlq, ok)
	}
	tb, err := s.Table("Table")
	if err != nil || tb.TimeToLiveSpecification == nil || !bool(tb.TimeToLiveSpecification.Enabled) {
		t.Errorf("table = %+v %v", tb, err)
	}
	api, err := s.HTTPAPI("Api")
	if err != nil {
		t.Fatal(err)
	}
	jwt := api.Authorizers["Jwt"]
	if jwt.Issuer != "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc" || !reflect.DeepEqual(jwt.Audience, []string{"client1"}) ||
		jwt.IdentitySource != "$request.header.Authorization" || api.Cors == nil || api.Cors.AllowOrigins[0] != "*" {
		t.Errorf("api = %+v", api)
	}
}

func TestFunctionDir(t *testing.T) {
	for in, want := range map[string]string{
		"CreateVenueFunction":     "functions/create-venue",
		"AdminGetEventFunction":   "functions/admin-get-event",
		"HoldSweeperFunction":     "functions/hold-sweeper",
		"GetAvailabilityFunction": "functions/get-availability",
		"OAuth2CallbackFunction":  "functions/oauth2-callback",
	} {
		if got := FunctionDir(in); got != want {
			t.Errorf("FunctionDir(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestRealTemplateResolves(t *testing.T) {
	tm, err := Load("../../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := tm.NewStack("bme", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Functions(); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Order(); err != nil {
		t.Fatal(err)
	}
	for _, id := range tm.IDs(TypeRule) {
		r, err := s.Rule(id)
		if err != nil {
			t.Fatal(err)
		}
		if r.EventBusName == "" || !json.Valid(r.EventPattern) || len(r.Targets) == 0 || r.Targets[0].TargetID == "" {
			t.Errorf("%s resolves to %+v (pattern %s)", id, r, r.EventPattern)
		}
	}
}
