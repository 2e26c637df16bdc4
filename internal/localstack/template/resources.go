package template

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Resource types the local stack understands.
const (
	TypeFunction       = "AWS::Serverless::Function"
	TypeHTTPAPI        = "AWS::Serverless::HttpApi"
	TypeTable          = "AWS::DynamoDB::Table"
	TypeQueue          = "AWS::SQS::Queue"
	TypeUserPool       = "AWS::Cognito::UserPool"
	TypeUserPoolClient = "AWS::Cognito::UserPoolClient"
	TypeUserPoolGroup  = "AWS::Cognito::UserPoolGroup"
	TypeEventBus       = "AWS::Events::EventBus"
	TypeRule           = "AWS::Events::Rule"
	TypePipe           = "AWS::Pipes::Pipe"
	TypeApplication    = "AWS::Serverless::Application"
)

// Int decodes a number written as a number or as a string ("10"), as parameters give.
type Int int

// UnmarshalJSON accepts 10 and "10".
func (i *Int) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("%s is not a number", b)
		}
		n = int(f)
	}
	*i = Int(n)
	return nil
}

// Bool decodes true/false written as a boolean or as a string ("true").
type Bool bool

// UnmarshalJSON accepts true and "true".
func (v *Bool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	p, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%s is not a boolean", b)
	}
	*v = Bool(p)
	return nil
}

// Strings decodes a list of strings, or one string as a list of one.
type Strings []string

// UnmarshalJSON accepts ["a","b"] and "a".
func (s *Strings) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = Strings{one}
		return nil
	}
	var many []any
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	for _, e := range many {
		*s = append(*s, scalarString(e))
	}
	return nil
}

func (s *Stack) props(id, typ string, out any) error {
	r, ok := s.Template.Resources[id]
	if !ok || r.Type != typ {
		return fmt.Errorf("template has no %s %s", typ, id)
	}
	if err := s.Decode(r.Properties, out); err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	return nil
}

// ---------------------------------------------------------------- DynamoDB

// Table is an AWS::DynamoDB::Table.
type Table struct {
	LogicalID               string                   `json:"-"`
	TableName               string                   `json:"TableName"`
	BillingMode             string                   `json:"BillingMode"`
	AttributeDefinitions    []AttributeDefinition    `json:"AttributeDefinitions"`
	KeySchema               []KeyElement             `json:"KeySchema"`
	GlobalSecondaryIndexes  []Index                  `json:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes   []Index                  `json:"LocalSecondaryIndexes"`
	StreamSpecification     *StreamSpecification     `json:"StreamSpecification"`
	TimeToLiveSpecification *TimeToLiveSpecification `json:"TimeToLiveSpecification"`
}

// AttributeDefinition declares a key attribute's type (S, N, B).
type AttributeDefinition struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

// KeyElement is one part of a key schema (HASH or RANGE).
type KeyElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

// Index is a secondary index.
type Index struct {
	IndexName  string       `json:"IndexName"`
	KeySchema  []KeyElement `json:"KeySchema"`
	Projection Projection   `json:"Projection"`
}

// Projection says which attributes an index copies.
type Projection struct {
	ProjectionType   string   `json:"ProjectionType"`
	NonKeyAttributes []string `json:"NonKeyAttributes"`
}

// StreamSpecification enables the table's stream.
type StreamSpecification struct {
	StreamViewType string `json:"StreamViewType"`
}

// TimeToLiveSpecification names the TTL attribute.
type TimeToLiveSpecification struct {
	AttributeName string `json:"AttributeName"`
	Enabled       Bool   `json:"Enabled"`
}

// Table resolves an AWS::DynamoDB::Table.
func (s *Stack) Table(id string) (Table, error) {
	var t Table
	err := s.props(id, TypeTable, &t)
	t.LogicalID = id
	return t, err
}

// ---------------------------------------------------------------- SQS

// Queue is an AWS::SQS::Queue.
type Queue struct {
	LogicalID                     string         `json:"-"`
	QueueName                     string         `json:"QueueName"`
	FifoQueue                     Bool           `json:"FifoQueue"`
	ContentBasedDeduplication     Bool           `json:"ContentBasedDeduplication"`
	DeduplicationScope            string         `json:"DeduplicationScope"`
	FifoThroughputLimit           string         `json:"FifoThroughputLimit"`
	VisibilityTimeout             *Int           `json:"VisibilityTimeout"`
	MessageRetentionPeriod        *Int           `json:"MessageRetentionPeriod"`
	DelaySeconds                  *Int           `json:"DelaySeconds"`
	MaximumMessageSize            *Int           `json:"MaximumMessageSize"`
	ReceiveMessageWaitTimeSeconds *Int           `json:"ReceiveMessageWaitTimeSeconds"`
	RedrivePolicy                 *RedrivePolicy `json:"RedrivePolicy"`
}

// RedrivePolicy sends a message to the dead-letter queue after MaxReceiveCount receives.
type RedrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     Int    `json:"maxReceiveCount"`
}

// Queue resolves an AWS::SQS::Queue. A redrive policy needs its dead-letter queue
// created first (Template.Order puts it first).
func (s *Stack) Queue(id string) (Queue, error) {
	var q Queue
	err := s.props(id, TypeQueue, &q)
	q.LogicalID = id
	return q, err
}

// DeadLetterQueue returns the logical id of the queue id redrives to, if it is in the
// template.
func (t *Template) DeadLetterQueue(id string) (string, bool) {
	rp := mapOf(t.Resources[id].Properties["RedrivePolicy"])
	target, ok := refTarget(mapOf(rp["deadLetterTargetArn"]))
	if !ok {
		return "", false
	}
	_, isRes := t.Resources[target]
	return target, isRes
}

// ---------------------------------------------------------------- Cognito

// UserPool is an AWS::Cognito::UserPool.
type UserPool struct {
	LogicalID              string  `json:"-"`
	UserPoolName           string  `json:"UserPoolName"`
	UsernameAttributes     Strings `json:"UsernameAttributes"`
	AliasAttributes        Strings `json:"AliasAttributes"`
	AutoVerifiedAttributes Strings `json:"AutoVerifiedAttributes"`
	Policies               struct {
		PasswordPolicy *PasswordPolicy `json:"PasswordPolicy"`
	} `json:"Policies"`
}

// PasswordPolicy is a user pool's password rules.
type PasswordPolicy struct {
	MinimumLength    Int  `json:"MinimumLength"`
	RequireLowercase Bool `json:"RequireLowercase"`
	RequireUppercase Bool `json:"RequireUppercase"`
	RequireNumbers   Bool `json:"RequireNumbers"`
	RequireSymbols   Bool `json:"RequireSymbols"`
}

// UserPool resolves an AWS::Cognito::UserPool.
func (s *Stack) UserPool(id string) (UserPool, error) {
	var p UserPool
	err := s.props(id, TypeUserPool, &p)
	p.LogicalID = id
	return p, err
}

// UserPoolClient is an AWS::Cognito::UserPoolClient.
type UserPoolClient struct {
	LogicalID           string  `json:"-"`
	UserPoolID          string  `json:"UserPoolId"`
	ClientName          string  `json:"ClientName"`
	GenerateSecret      Bool    `json:"GenerateSecret"`
	ExplicitAuthFlows   Strings `json:"ExplicitAuthFlows"`
	AccessTokenValidity *Int    `json:"AccessTokenValidity"`
	IDTokenValidity     *Int    `json:"IdTokenValidity"`
	TokenValidityUnits  *struct {
		AccessToken  string `json:"AccessToken"`
		IDToken      string `json:"IdToken"`
		RefreshToken string `json:"RefreshToken"`
	} `json:"TokenValidityUnits"`
}

// UserPoolClient resolves an AWS::Cognito::UserPoolClient (its pool must exist).
func (s *Stack) UserPoolClient(id string) (UserPoolClient, error) {
	var c UserPoolClient
	err := s.props(id, TypeUserPoolClient, &c)
	c.LogicalID = id
	return c, err
}

// UserPoolGroup is an AWS::Cognito::UserPoolGroup.
type UserPoolGroup struct {
	LogicalID   string `json:"-"`
	UserPoolID  string `json:"UserPoolId"`
	GroupName   string `json:"GroupName"`
	Description string `json:"Description"`
	Precedence  *Int   `json:"Precedence"`
}

// UserPoolGroup resolves an AWS::Cognito::UserPoolGroup (its pool must exist).
func (s *Stack) UserPoolGroup(id string) (UserPoolGroup, error) {
	var g UserPoolGroup
	err := s.props(id, TypeUserPoolGroup, &g)
	g.LogicalID = id
	if g.GroupName == "" {
		g.GroupName = s.PhysicalName(id)
	}
	return g, err
}

// ---------------------------------------------------------------- EventBridge

// EventBus is an AWS::Events::EventBus.
type EventBus struct {
	LogicalID string `json:"-"`
	Name      string `json:"Name"`
}

// EventBus resolves an AWS::Events::EventBus.
func (s *Stack) EventBus(id string) (EventBus, error) {
	var b EventBus
	err := s.props(id, TypeEventBus, &b)
	b.LogicalID = id
	return b, err
}

// Rule is an AWS::Events::Rule on an event bus: events matching EventPattern go to each
// of Targets.
type Rule struct {
	LogicalID    string `json:"-"`
	Name         string `json:"Name"`
	EventBusName string `json:"EventBusName"`
	// EventPattern is the pattern as JSON (the template may write it as a map or a string).
	EventPattern       json.RawMessage `json:"EventPattern"`
	ScheduleExpression string          `json:"ScheduleExpression"`
	State              string          `json:"State"`
	Targets            []RuleTarget    `json:"Targets"`
}

// RuleTarget is one target of a rule, with its retry policy and dead-letter queue.
type RuleTarget struct {
	ID               string          `json:"Id"`
	Arn              string          `json:"Arn"`
	Input            string          `json:"Input"`
	InputPath        string          `json:"InputPath"`
	InputTransformer json.RawMessage `json:"InputTransformer"`
	SqsParameters    *struct {
		MessageGroupID string `json:"MessageGroupId"`
	} `json:"SqsParameters"`
	RetryPolicy *struct {
		MaximumRetryAttempts     *Int `json:"MaximumRetryAttempts"`
		MaximumEventAgeInSeconds *Int `json:"MaximumEventAgeInSeconds"`
	} `json:"RetryPolicy"`
	DeadLetterConfig *struct {
		Arn string `json:"Arn"`
	} `json:"DeadLetterConfig"`
	// TargetID and DeadLetterID are the logical ids behind Arn and DeadLetterConfig.Arn.
	TargetID     string `json:"-"`
	DeadLetterID string `json:"-"`
}

// Rule resolves an AWS::Events::Rule.
func (s *Stack) Rule(id string) (Rule, error) {
	var r Rule
	if err := s.props(id, TypeRule, &r); err != nil {
		return r, err
	}
	r.LogicalID = id
	if r.Name == "" {
		r.Name = s.PhysicalName(id)
	}
	var quoted string
	if json.Unmarshal(r.EventPattern, &quoted) == nil {
		r.EventPattern = json.RawMessage(quoted)
	}
	raw := listOf(s.Template.Resources[id].Properties["Targets"])
	for i := range r.Targets {
		if i >= len(raw) {
			break
		}
		t := mapOf(raw[i])
		r.Targets[i].TargetID, _ = refTarget(mapOf(t["Arn"]))
		r.Targets[i].DeadLetterID, _ = refTarget(mapOf(mapOf(t["DeadLetterConfig"])["Arn"]))
	}
	return r, nil
}

// ---------------------------------------------------------------- Pipes

// Pipe is an AWS::Pipes::Pipe: records from Source (a table's stream) go to Target (a
// queue) when they match one of Filters.
type Pipe struct {
	LogicalID        string `json:"-"`
	Name             string `json:"Name"`
	Source           string `json:"Source"`
	Target           string `json:"Target"`
	DesiredState     string `json:"DesiredState"`
	SourceParameters struct {
		FilterCriteria *struct {
			Filters []struct {
				Pattern string `json:"Pattern"`
			} `json:"Filters"`
		} `json:"FilterCriteria"`
		DynamoDBStreamParameters *struct {
			StartingPosition string `json:"StartingPosition"`
			BatchSize        *Int   `json:"BatchSize"`
		} `json:"DynamoDBStreamParameters"`
	} `json:"SourceParameters"`
	TargetParameters struct {
		InputTemplate      string `json:"InputTemplate"`
		SqsQueueParameters *struct {
			MessageGroupID         string `json:"MessageGroupId"`
			MessageDeduplicationID string `json:"MessageDeduplicationId"`
		} `json:"SqsQueueParameters"`
	} `json:"TargetParameters"`
	// SourceID and TargetID are the logical ids behind Source and Target.
	SourceID string `json:"-"`
	TargetID string `json:"-"`
}

// Filters returns the pipe's filter patterns (JSON event patterns).
func (p Pipe) Filters() []string {
	var out []string
	if fc := p.SourceParameters.FilterCriteria; fc != nil {
		for _, f := range fc.Filters {
			out = append(out, f.Pattern)
		}
	}
	return out
}

// Pipe resolves an AWS::Pipes::Pipe.
func (s *Stack) Pipe(id string) (Pipe, error) {
	var p Pipe
	err := s.props(id, TypePipe, &p)
	p.LogicalID = id
	props := s.Template.Resources[id].Properties
	p.SourceID, _ = refTarget(mapOf(props["Source"]))
	p.TargetID, _ = refTarget(mapOf(props["Target"]))
	return p, err
}

// ---------------------------------------------------------------- HTTP API

// HTTPAPI is an AWS::Serverless::HttpApi.
type HTTPAPI struct {
	LogicalID         string
	StageName         string
	Cors              *Cors
	DefaultAuthorizer string
	Authorizers       map[string]JWTAuthorizer
}

// Cors is an HTTP API's CorsConfiguration.
type Cors struct {
	AllowOrigins     []string `json:"AllowOrigins"`
	AllowMethods     []string `json:"AllowMethods"`
	AllowHeaders     []string `json:"AllowHeaders"`
	ExposeHeaders    []string `json:"ExposeHeaders"`
	AllowCredentials Bool     `json:"AllowCredentials"`
	MaxAge           *Int     `json:"MaxAge"`
}

// JWTAuthorizer is a JWT authorizer after resolution: tokens must come from Issuer and
// name one of Audience.
type JWTAuthorizer struct {
	IdentitySource string
	Issuer         string
	Audience       []string
}

// HTTPAPI resolves an AWS::Serverless::HttpApi (its user pool and client must exist for
// the issuer and audience to resolve).
func (s *Stack) HTTPAPI(id string) (HTTPAPI, error) {
	var raw struct {
		StageName         string          `json:"StageName"`
		CorsConfiguration json.RawMessage `json:"CorsConfiguration"`
		Auth              struct {
			DefaultAuthorizer string `json:"DefaultAuthorizer"`
			Authorizers       map[string]struct {
				IdentitySource   string `json:"IdentitySource"`
				JwtConfiguration struct {
					Issuer   string  `json:"issuer"`
					Audience Strings `json:"audience"`
				} `json:"JwtConfiguration"`
			} `json:"Authorizers"`
		} `json:"Auth"`
	}
	if err := s.props(id, TypeHTTPAPI, &raw); err != nil {
		return HTTPAPI{}, err
	}
	api := HTTPAPI{LogicalID: id, StageName: raw.StageName, DefaultAuthorizer: raw.Auth.DefaultAuthorizer,
		Authorizers: map[string]JWTAuthorizer{}}
	switch c := strings.TrimSpace(string(raw.CorsConfiguration)); {
	case c == "true":
		// SAM's shorthand: allow every origin, method and header.
		api.Cors = &Cors{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}}
	case strings.HasPrefix(c, "{"):
		api.Cors = &Cors{}
		if err := json.Unmarshal(raw.CorsConfiguration, api.Cors); err != nil {
			return HTTPAPI{}, fmt.Errorf("%s.CorsConfiguration: %w", id, err)
		}
	}
	for name, a := range raw.Auth.Authorizers {
		src := a.IdentitySource
		if src == "" {
			src = "$request.header.Authorization"
		}
		api.Authorizers[name] = JWTAuthorizer{IdentitySource: src, Issuer: a.JwtConfiguration.Issuer, Audience: a.JwtConfiguration.Audience}
	}
	return api, nil
}

// ---------------------------------------------------------------- functions

// Function is an AWS::Serverless::Function merged with Globals.Function.
type Function struct {
	LogicalID string
	// Dir is the function's main package relative to the root (functions/<kebab>).
	Dir string
	// Name is the deployed function name (FunctionName, else <stack>-<LogicalID>).
	Name        string
	Description string
	Handler     string
	Timeout     time.Duration
	MemoryMB    int
	// ReservedConcurrency is ReservedConcurrentExecutions, 0 when unset.
	ReservedConcurrency int
	Environment         map[string]string
	Events              []Event
}

// Event is one entry of a function's Events; exactly one of HTTP, SQS, Schedule and
// Stream is set for the types the local stack runs (Other otherwise).
type Event struct {
	Name     string
	Type     string
	HTTP     *HTTPEvent
	SQS      *SQSEvent
	Schedule *ScheduleEvent
	Stream   *StreamEvent
	// Other holds the resolved properties of types the local stack does not run.
	Other map[string]any
}

// HTTPEvent is an HttpApi event. Authorizer is "" for a public route.
type HTTPEvent struct {
	APIID      string
	Method     string
	Path       string
	Authorizer string
}

// RouteKey is the API Gateway route key, e.g. "GET /events/{eventId}".
func (e HTTPEvent) RouteKey() string { return e.Method + " " + e.Path }

// SQSEvent is an SQS event source mapping.
type SQSEvent struct {
	QueueID                 string
	QueueArn                string
	BatchSize               int
	MaxBatchingWindow       time.Duration
	ReportBatchItemFailures bool
	MaximumConcurrency      int
	Enabled                 bool
}

// ScheduleEvent is a Schedule or ScheduleV2 event: rate(...) or cron(...).
type ScheduleEvent struct {
	RuleName   string
	Expression string
	Input      string
	Enabled    bool
}

// StreamEvent is a DynamoDB stream event source mapping.
type StreamEvent struct {
	TableID                 string
	StreamArn               string
	StartingPosition        string
	BatchSize               int
	ReportBatchItemFailures bool
	Filters                 []string
	Enabled                 bool
}

// Functions resolves every function in document order. Resources they reference
// (queues, the table) must be created first so that their ids resolve.
func (s *Stack) Functions() ([]Function, error) {
	var out []Function
	for _, id := range s.Template.IDs(TypeFunction) {
		f, err := s.Function(id)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Function resolves one AWS::Serverless::Function.
func (s *Stack) Function(id string) (Function, error) {
	merged, ok := s.Template.FunctionProperties(id)
	if !ok {
		return Function{}, fmt.Errorf("template has no function %s", id)
	}
	events := mapOf(merged["Events"])
	delete(merged, "Events")
	delete(merged, "Policies") // IAM is not emulated; policies may name unresolvable ARNs.
	var p struct {
		FunctionName                 string `json:"FunctionName"`
		Description                  string `json:"Description"`
		Handler                      string `json:"Handler"`
		Timeout                      *Int   `json:"Timeout"`
		MemorySize                   *Int   `json:"MemorySize"`
		ReservedConcurrentExecutions *Int   `json:"ReservedConcurrentExecutions"`
		Environment                  struct {
			Variables map[string]any `json:"Variables"`
		} `json:"Environment"`
	}
	if err := s.Decode(merged, &p); err != nil {
		return Function{}, fmt.Errorf("%s: %w", id, err)
	}
	f := Function{LogicalID: id, Dir: FunctionDir(id), Name: p.FunctionName, Description: p.Description,
		Handler: p.Handler, Timeout: 3 * time.Second, MemoryMB: 128, Environment: map[string]string{}}
	if f.Name == "" {
		f.Name = s.PhysicalName(id)
	}
	if p.Timeout != nil {
		f.Timeout = time.Duration(*p.Timeout) * time.Second
	}
	if p.MemorySize != nil {
		f.MemoryMB = int(*p.MemorySize)
	}
	if p.ReservedConcurrentExecutions != nil {
		f.ReservedConcurrency = int(*p.ReservedConcurrentExecutions)
	}
	for k, v := range p.Environment.Variables {
		f.Environment[k] = scalarString(v)
	}
	names := make([]string, 0, len(events))
	for n := range events {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ev, err := s.event(n, mapOf(events[n]))
		if err != nil {
			return Function{}, fmt.Errorf("%s.Events.%s: %w", id, n, err)
		}
		f.Events = append(f.Events, ev)
	}
	return f, nil
}

// FunctionProperties returns an AWS::Serverless::Function's properties merged with
// Globals.Function, unresolved: what SAM makes of them (a LoggingConfig set in Globals
// only is every function's).
func (t *Template) FunctionProperties(id string) (map[string]any, bool) {
	r, ok := t.Resources[id]
	if !ok || r.Type != TypeFunction {
		return nil, false
	}
	return mergeGlobals(t.GlobalFunction, r.Properties), true
}

// mergeGlobals applies SAM's Globals rules: the function's value wins, maps (such as
// Environment.Variables) merge key by key.
func mergeGlobals(global, own map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range global {
		out[k] = v
	}
	for k, v := range own {
		gm, gok := out[k].(map[string]any)
		om, ook := v.(map[string]any)
		if gok && ook && !isIntrinsic(om) {
			out[k] = mergeGlobals(gm, om)
			continue
		}
		out[k] = v
	}
	return out
}

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func (s *Stack) event(name string, raw map[string]any) (Event, error) {
	ev := Event{Name: name, Type: str(raw["Type"])}
	props := mapOf(raw["Properties"])
	switch ev.Type {
	case "HttpApi":
		var p struct {
			Method string `json:"Method"`
			Path   string `json:"Path"`
			Auth   struct {
				Authorizer string `json:"Authorizer"`
			} `json:"Auth"`
		}
		if err := s.Decode(props, &p); err != nil {
			return ev, err
		}
		apiID, _ := refTarget(mapOf(props["ApiId"]))
		if apiID == "" {
			apiID = "ServerlessHttpApi"
		}
		auth := p.Auth.Authorizer
		if auth == "" {
			if api, ok := s.Template.Resources[apiID]; ok {
				auth = str(mapOf(api.Properties["Auth"])["DefaultAuthorizer"])
			}
		}
		if auth == "NONE" {
			auth = ""
		}
		method := strings.ToUpper(p.Method)
		if method == "" || method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
			method = "ANY"
		}
		path := p.Path
		if path == "" {
			path = "$default"
		}
		ev.HTTP = &HTTPEvent{APIID: apiID, Method: method, Path: path, Authorizer: auth}
	case "SQS":
		var p struct {
			Queue                          string   `json:"Queue"`
			BatchSize                      *Int     `json:"BatchSize"`
			MaximumBatchingWindowInSeconds Int      `json:"MaximumBatchingWindowInSeconds"`
			FunctionResponseTypes          []string `json:"FunctionResponseTypes"`
			Enabled                        *Bool    `json:"Enabled"`
			ScalingConfig                  struct {
				MaximumConcurrency Int `json:"MaximumConcurrency"`
			} `json:"ScalingConfig"`
		}
		if err := s.Decode(props, &p); err != nil {
			return ev, err
		}
		q := &SQSEvent{QueueArn: p.Queue, BatchSize: 10, MaxBatchingWindow: time.Duration(p.MaximumBatchingWindowInSeconds) * time.Second,
			MaximumConcurrency: int(p.ScalingConfig.MaximumConcurrency), Enabled: p.Enabled == nil || bool(*p.Enabled)}
		q.QueueID, _ = refTarget(mapOf(props["Queue"]))
		if p.BatchSize != nil {
			q.BatchSize = int(*p.BatchSize)
		}
		q.ReportBatchItemFailures = contains(p.FunctionResponseTypes, "ReportBatchItemFailures")
		ev.SQS = q
	case "Schedule", "ScheduleV2":
		var p struct {
			Schedule           string `json:"Schedule"`
			ScheduleExpression string `json:"ScheduleExpression"`
			Name               string `json:"Name"`
			Input              string `json:"Input"`
			Enabled            *Bool  `json:"Enabled"`
			State              string `json:"State"`
		}
		if err := s.Decode(props, &p); err != nil {
			return ev, err
		}
		expr := p.Schedule
		if expr == "" {
			expr = p.ScheduleExpression
		}
		enabled := (p.Enabled == nil || bool(*p.Enabled)) && p.State != "DISABLED"
		ruleName := p.Name
		if ruleName == "" {
			ruleName = s.Name + "-" + name
		}
		ev.Schedule = &ScheduleEvent{RuleName: ruleName, Expression: expr, Input: p.Input, Enabled: enabled}
	case "DynamoDB":
		var p struct {
			Stream                string   `json:"Stream"`
			StartingPosition      string   `json:"StartingPosition"`
			BatchSize             *Int     `json:"BatchSize"`
			FunctionResponseTypes []string `json:"FunctionResponseTypes"`
			Enabled               *Bool    `json:"Enabled"`
			FilterCriteria        struct {
				Filters []struct {
					Pattern string `json:"Pattern"`
				} `json:"Filters"`
			} `json:"FilterCriteria"`
		}
		if err := s.Decode(props, &p); err != nil {
			return ev, err
		}
		st := &StreamEvent{StreamArn: p.Stream, StartingPosition: p.StartingPosition, BatchSize: 100,
			ReportBatchItemFailures: contains(p.FunctionResponseTypes, "ReportBatchItemFailures"),
			Enabled:                 p.Enabled == nil || bool(*p.Enabled)}
		st.TableID, _ = refTarget(mapOf(props["Stream"]))
		if p.BatchSize != nil {
			st.BatchSize = int(*p.BatchSize)
		}
		for _, f := range p.FilterCriteria.Filters {
			st.Filters = append(st.Filters, f.Pattern)
		}
		ev.Stream = st
	default:
		r, err := s.Resolve(props)
		if err != nil {
			return ev, err
		}
		ev.Other = mapOf(r)
	}
	return ev, nil
}
