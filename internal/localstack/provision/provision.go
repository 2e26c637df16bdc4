// Package provision creates in moto the resources template.yaml declares: tables (keys,
// indexes, stream, TTL), queues (dead-letter queues first, then the queues that redrive to
// them), the Cognito user pool with its clients and groups, event buses, and the SSM
// parameters functions name in *_PARAM variables. Each call is idempotent, so
// re-provisioning a running moto is harmless.
package provision

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/bookmyevent/bookmyevent/internal/localstack/stripemock"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// Clients are the service clients provisioning uses.
type Clients struct {
	DynamoDB    *dynamodb.Client
	SQS         *sqs.Client
	Cognito     *cip.Client
	EventBridge *eventbridge.Client
	SSM         *ssm.Client
	SES         *sesv2.Client
}

// NewClients builds every client from one configuration.
func NewClients(cfg aws.Config) Clients {
	return Clients{
		DynamoDB:    dynamodb.NewFromConfig(cfg),
		SQS:         sqs.NewFromConfig(cfg),
		Cognito:     cip.NewFromConfig(cfg),
		EventBridge: eventbridge.NewFromConfig(cfg),
		SSM:         ssm.NewFromConfig(cfg),
		SES:         sesv2.NewFromConfig(cfg),
	}
}

// Stack creates every resource the local stack emulates, in dependency order, and records
// each one's physical ids in the stack so later resolution (function environments, event
// sources, the authorizer's issuer) sees them. Functions and the HTTP API get names only.
func Stack(ctx context.Context, c Clients, s *template.Stack, log io.Writer) error {
	order, err := s.Template.Order()
	if err != nil {
		return err
	}
	for _, id := range order {
		r := s.Template.Resources[id]
		var p template.Physical
		var err error
		switch r.Type {
		case template.TypeTable:
			var t template.Table
			if t, err = s.Table(id); err == nil {
				name := t.TableName
				if name == "" {
					name = s.PhysicalName(id)
				}
				p, err = Table(ctx, c.DynamoDB, t, name)
			}
		case template.TypeQueue:
			var q template.Queue
			if q, err = s.Queue(id); err == nil {
				name := q.QueueName
				if name == "" {
					name = s.PhysicalName(id)
					if q.FifoQueue {
						name += ".fifo"
					}
				}
				p, err = Queue(ctx, c.SQS, q, name)
			}
		case template.TypeUserPool:
			var up template.UserPool
			if up, err = s.UserPool(id); err == nil {
				if up.UserPoolName == "" {
					up.UserPoolName = s.PhysicalName(id)
				}
				p, err = UserPool(ctx, c.Cognito, up)
			}
		case template.TypeUserPoolClient:
			var uc template.UserPoolClient
			if uc, err = s.UserPoolClient(id); err == nil {
				if uc.ClientName == "" {
					uc.ClientName = s.PhysicalName(id)
				}
				p, err = UserPoolClient(ctx, c.Cognito, uc)
			}
		case template.TypeUserPoolGroup:
			var g template.UserPoolGroup
			if g, err = s.UserPoolGroup(id); err == nil {
				p, err = UserPoolGroup(ctx, c.Cognito, g)
			}
		case template.TypeEventBus:
			var b template.EventBus
			if b, err = s.EventBus(id); err == nil {
				if b.Name == "" {
					b.Name = s.PhysicalName(id)
				}
				p, err = EventBus(ctx, c.EventBridge, b)
			}
		case template.TypeFunction:
			p = FunctionPhysical(s, id)
		case template.TypeHTTPAPI:
			p = template.Physical{Ref: "local", Attrs: map[string]string{"ApiId": "local"}}
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("provision %s (%s): %w", id, r.Type, err)
		}
		s.SetPhysical(id, p)
		fmt.Fprintf(log, "provision: %-24s %-30s %s\n", id, r.Type, p.Ref)
	}
	if err := Parameters(ctx, c.SSM, s, log); err != nil {
		return err
	}
	return MailIdentities(ctx, c.SES, s, log)
}

// Parameters creates, for every function variable ending in _PARAM, the SSM parameter it
// names if it does not exist yet: a SecureString holding a random value. A real deployment
// creates these secrets by hand (docs/operations.md), since CloudFormation cannot create
// SecureStrings; locally any value will do, and one that exists is kept, so tickets signed
// in one run still verify in the next.
func Parameters(ctx context.Context, c *ssm.Client, s *template.Stack, log io.Writer) error {
	fns, err := s.Functions()
	if err != nil {
		return err
	}
	names := map[string]bool{}
	known := map[string]string{}
	for _, f := range fns {
		for k, v := range f.Environment {
			if strings.HasSuffix(k, "_PARAM") && v != "" {
				names[v] = true
				if lv, ok := localValues[k]; ok {
					known[v] = lv
				}
			}
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		_, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		var missing *ssmtypes.ParameterNotFound
		switch {
		case err == nil:
			continue
		case !errors.As(err, &missing):
			return fmt.Errorf("provision parameter %s: %w", name, err)
		}
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		value := hex.EncodeToString(b)
		if lv, ok := known[name]; ok {
			value = lv
		}
		_, err = c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value),
			Type: ssmtypes.ParameterTypeSecureString})
		var exists *ssmtypes.ParameterAlreadyExists
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("provision parameter %s: %w", name, err)
		}
		fmt.Fprintf(log, "provision: %-24s %-30s %s\n", name, "SSM SecureString (random)", name)
	}
	return nil
}

// localValues are the values of the parameters whose local value must be known, by the
// variable naming them: stripe-mock takes only sk_test_ keys, and the project's own signed
// test webhooks are signed with the local signing secret.
var localValues = map[string]string{
	"STRIPE_SECRET_KEY_PARAM":     stripemock.SecretKey,
	"STRIPE_WEBHOOK_SECRET_PARAM": stripemock.WebhookSecret,
}

// FunctionPhysical is what a function resolves to: its name, and an ARN in the local
// account (the ARN the runtime reports as Lambda-Runtime-Invoked-Function-Arn).
func FunctionPhysical(s *template.Stack, id string) template.Physical {
	name := s.PhysicalName(id)
	if n, ok := s.Template.Resources[id].Properties["FunctionName"].(string); ok && n != "" {
		name = n
	}
	return template.Physical{Ref: name, Attrs: map[string]string{"Arn": template.ARN("lambda", "function:"+name)}}
}

// Table creates a table from its template definition under the given name (waiting until
// it is ACTIVE), or finds it if it already exists.
func Table(ctx context.Context, c *dynamodb.Client, t template.Table, name string) (template.Physical, error) {
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: ddbtypes.BillingModePayPerRequest}
	if t.BillingMode != "" {
		in.BillingMode = ddbtypes.BillingMode(t.BillingMode)
	}
	if in.BillingMode == ddbtypes.BillingModeProvisioned {
		in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
	}
	for _, a := range t.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: ddbtypes.ScalarAttributeType(a.AttributeType)})
	}
	in.KeySchema = keySchema(t.KeySchema)
	for _, ix := range t.GlobalSecondaryIndexes {
		g := ddbtypes.GlobalSecondaryIndex{IndexName: aws.String(ix.IndexName), KeySchema: keySchema(ix.KeySchema), Projection: projection(ix.Projection)}
		if in.ProvisionedThroughput != nil {
			g.ProvisionedThroughput = in.ProvisionedThroughput
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, g)
	}
	for _, ix := range t.LocalSecondaryIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, ddbtypes.LocalSecondaryIndex{
			IndexName: aws.String(ix.IndexName), KeySchema: keySchema(ix.KeySchema), Projection: projection(ix.Projection)})
	}
	if t.StreamSpecification != nil && t.StreamSpecification.StreamViewType != "" {
		in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true),
			StreamViewType: ddbtypes.StreamViewType(t.StreamSpecification.StreamViewType)}
	}
	_, err := c.CreateTable(ctx, in)
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return template.Physical{}, err
	}
	created := err == nil
	desc, err := waitActive(ctx, c, name)
	if err != nil {
		return template.Physical{}, err
	}
	if created && t.TimeToLiveSpecification != nil && bool(t.TimeToLiveSpecification.Enabled) {
		if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(t.TimeToLiveSpecification.AttributeName), Enabled: aws.Bool(true)}}); err != nil {
			return template.Physical{}, fmt.Errorf("enable TTL: %w", err)
		}
	}
	p := template.Physical{Ref: name, Attrs: map[string]string{"Arn": aws.ToString(desc.TableArn)}}
	if desc.LatestStreamArn != nil {
		p.Attrs["StreamArn"] = *desc.LatestStreamArn
	}
	return p, nil
}

func waitActive(ctx context.Context, c *dynamodb.Client, name string) (*ddbtypes.TableDescription, error) {
	for i := 0; ; i++ {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return nil, err
		}
		if out.Table.TableStatus == ddbtypes.TableStatusActive || i == 100 {
			return out.Table, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func keySchema(ks []template.KeyElement) []ddbtypes.KeySchemaElement {
	out := make([]ddbtypes.KeySchemaElement, 0, len(ks))
	for _, k := range ks {
		out = append(out, ddbtypes.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: ddbtypes.KeyType(k.KeyType)})
	}
	return out
}

func projection(p template.Projection) *ddbtypes.Projection {
	out := &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(p.ProjectionType)}
	if len(p.NonKeyAttributes) > 0 {
		out.NonKeyAttributes = p.NonKeyAttributes
	}
	return out
}

// Queue creates a queue under the given name (its redrive target must already exist).
// CreateQueue is idempotent for equal attributes.
func Queue(ctx context.Context, c *sqs.Client, q template.Queue, name string) (template.Physical, error) {
	attrs := map[string]string{}
	setInt := func(k string, v *template.Int) {
		if v != nil {
			attrs[k] = strconv.Itoa(int(*v))
		}
	}
	setInt("VisibilityTimeout", q.VisibilityTimeout)
	setInt("MessageRetentionPeriod", q.MessageRetentionPeriod)
	setInt("DelaySeconds", q.DelaySeconds)
	setInt("MaximumMessageSize", q.MaximumMessageSize)
	setInt("ReceiveMessageWaitTimeSeconds", q.ReceiveMessageWaitTimeSeconds)
	if q.FifoQueue {
		attrs["FifoQueue"] = "true"
		if !strings.HasSuffix(name, ".fifo") {
			name += ".fifo"
		}
	}
	if q.ContentBasedDeduplication {
		attrs["ContentBasedDeduplication"] = "true"
	}
	for k, v := range map[string]string{"DeduplicationScope": q.DeduplicationScope, "FifoThroughputLimit": q.FifoThroughputLimit} {
		if v != "" {
			attrs[k] = v
		}
	}
	if rp := q.RedrivePolicy; rp != nil {
		attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`, rp.DeadLetterTargetArn, rp.MaxReceiveCount)
	}
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		return template.Physical{}, err
	}
	ga, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return template.Physical{}, err
	}
	url := aws.ToString(out.QueueUrl)
	return template.Physical{Ref: url, Attrs: map[string]string{
		"Arn": ga.Attributes["QueueArn"], "QueueName": name, "QueueUrl": url}}, nil
}

// Issuer is the token issuer of a user pool, as the HTTP API authorizer expects it.
func Issuer(poolID string) string {
	return "https://cognito-idp." + template.Region + ".amazonaws.com/" + poolID
}

// UserPool creates a user pool, or finds one with the same name.
func UserPool(ctx context.Context, c *cip.Client, p template.UserPool) (template.Physical, error) {
	id, err := findPool(ctx, c, p.UserPoolName)
	if err != nil {
		return template.Physical{}, err
	}
	if id == "" {
		in := &cip.CreateUserPoolInput{PoolName: aws.String(p.UserPoolName)}
		for _, a := range p.UsernameAttributes {
			in.UsernameAttributes = append(in.UsernameAttributes, ciptypes.UsernameAttributeType(a))
		}
		for _, a := range p.AliasAttributes {
			in.AliasAttributes = append(in.AliasAttributes, ciptypes.AliasAttributeType(a))
		}
		for _, a := range p.AutoVerifiedAttributes {
			in.AutoVerifiedAttributes = append(in.AutoVerifiedAttributes, ciptypes.VerifiedAttributeType(a))
		}
		if pp := p.Policies.PasswordPolicy; pp != nil {
			in.Policies = &ciptypes.UserPoolPolicyType{PasswordPolicy: &ciptypes.PasswordPolicyType{
				MinimumLength: aws.Int32(int32(pp.MinimumLength)), RequireLowercase: bool(pp.RequireLowercase),
				RequireUppercase: bool(pp.RequireUppercase), RequireNumbers: bool(pp.RequireNumbers), RequireSymbols: bool(pp.RequireSymbols)}}
		}
		out, err := c.CreateUserPool(ctx, in)
		if err != nil {
			return template.Physical{}, err
		}
		id = aws.ToString(out.UserPool.Id)
	}
	return template.Physical{Ref: id, Attrs: map[string]string{
		"Arn":          template.ARN("cognito-idp", "userpool/"+id),
		"ProviderName": strings.TrimPrefix(Issuer(id), "https://"),
		"ProviderURL":  Issuer(id),
		"UserPoolId":   id,
	}}, nil
}

func findPool(ctx context.Context, c *cip.Client, name string) (string, error) {
	pg := cip.NewListUserPoolsPaginator(c, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, p := range page.UserPools {
			if aws.ToString(p.Name) == name {
				return aws.ToString(p.Id), nil
			}
		}
	}
	return "", nil
}

// UserPoolClient creates an app client, or finds one with the same name in the pool.
func UserPoolClient(ctx context.Context, c *cip.Client, uc template.UserPoolClient) (template.Physical, error) {
	pg := cip.NewListUserPoolClientsPaginator(c, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(uc.UserPoolID), MaxResults: aws.Int32(60)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return template.Physical{}, err
		}
		for _, d := range page.UserPoolClients {
			if aws.ToString(d.ClientName) == uc.ClientName {
				return clientPhysical(aws.ToString(d.ClientId), uc.ClientName), nil
			}
		}
	}
	in := &cip.CreateUserPoolClientInput{UserPoolId: aws.String(uc.UserPoolID), ClientName: aws.String(uc.ClientName),
		GenerateSecret: bool(uc.GenerateSecret)}
	for _, f := range uc.ExplicitAuthFlows {
		in.ExplicitAuthFlows = append(in.ExplicitAuthFlows, ciptypes.ExplicitAuthFlowsType(f))
	}
	if uc.AccessTokenValidity != nil {
		in.AccessTokenValidity = aws.Int32(int32(*uc.AccessTokenValidity))
	}
	if uc.IDTokenValidity != nil {
		in.IdTokenValidity = aws.Int32(int32(*uc.IDTokenValidity))
	}
	if u := uc.TokenValidityUnits; u != nil {
		in.TokenValidityUnits = &ciptypes.TokenValidityUnitsType{AccessToken: ciptypes.TimeUnitsType(u.AccessToken),
			IdToken: ciptypes.TimeUnitsType(u.IDToken), RefreshToken: ciptypes.TimeUnitsType(u.RefreshToken)}
	}
	out, err := c.CreateUserPoolClient(ctx, in)
	if err != nil {
		return template.Physical{}, err
	}
	return clientPhysical(aws.ToString(out.UserPoolClient.ClientId), uc.ClientName), nil
}

func clientPhysical(id, name string) template.Physical {
	return template.Physical{Ref: id, Attrs: map[string]string{"ClientId": id, "Name": name}}
}

// UserPoolGroup creates a group unless it exists.
func UserPoolGroup(ctx context.Context, c *cip.Client, g template.UserPoolGroup) (template.Physical, error) {
	in := &cip.CreateGroupInput{UserPoolId: aws.String(g.UserPoolID), GroupName: aws.String(g.GroupName)}
	if g.Description != "" {
		in.Description = aws.String(g.Description)
	}
	if g.Precedence != nil {
		in.Precedence = aws.Int32(int32(*g.Precedence))
	}
	_, err := c.CreateGroup(ctx, in)
	var exists *ciptypes.GroupExistsException
	if err != nil && !errors.As(err, &exists) {
		return template.Physical{}, err
	}
	return template.Physical{Ref: g.GroupName, Attrs: map[string]string{}}, nil
}

// EventBus creates an event bus unless it exists.
func EventBus(ctx context.Context, c *eventbridge.Client, b template.EventBus) (template.Physical, error) {
	arn := template.ARN("events", "event-bus/"+b.Name)
	out, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(b.Name)})
	if err == nil {
		arn = aws.ToString(out.EventBusArn)
	} else if !strings.Contains(err.Error(), "ResourceAlreadyExists") {
		return template.Physical{}, err
	}
	return template.Physical{Ref: b.Name, Attrs: map[string]string{"Arn": arn, "Name": b.Name}}, nil
}
