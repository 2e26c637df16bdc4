package provision_test

import (
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/bookmyevent/bookmyevent/internal/localstack/provision"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

const sample = `
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties: {UserPoolName: !Sub "${AWS::StackName}-users", UsernameAttributes: [email]}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool, ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]}
  Admins:
    Type: AWS::Cognito::UserPoolGroup
    Properties: {UserPoolId: !Ref Pool, GroupName: admins}
  Work:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 2}
  Dead:
    Type: AWS::SQS::Queue
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: !Sub "${AWS::StackName}-bus"}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {Variables: {KEY_PARAM: !Sub "/${AWS::StackName}/key", OTHER: plain}}
`

func provisioned(t *testing.T) (*template.Stack, provision.Clients) {
	t.Helper()
	tm, err := template.Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	s, err := tm.NewStack(localtest.UniqueName(t, 40), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := provision.NewClients(localtest.AWSConfig(t))
	if err := provision.Stack(context.Background(), c, s, io.Discard); err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestStackIsIdempotent(t *testing.T) {
	s, c := provisioned(t)
	first := s.Physicals()
	if err := provision.Stack(context.Background(), c, s, io.Discard); err != nil {
		t.Fatalf("second provision: %v", err)
	}
	for id, p := range s.Physicals() {
		if first[id].Ref != p.Ref {
			t.Errorf("%s: %s then %s", id, first[id].Ref, p.Ref)
		}
	}
	if first["Table"].Attrs["StreamArn"] == "" {
		t.Errorf("table has no stream ARN: %+v", first["Table"])
	}
	pool := first["Pool"].Ref
	g, err := c.Cognito.GetGroup(context.Background(), &cip.GetGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String("admins")})
	if err != nil || aws.ToString(g.Group.GroupName) != "admins" {
		t.Errorf("admins group: %v", err)
	}
	if _, err := c.Cognito.DescribeUserPoolClient(context.Background(), &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(pool), ClientId: aws.String(first["Client"].Ref)}); err != nil {
		t.Errorf("client: %v", err)
	}
}

// TestRedriveMovesToDeadLetterQueue checks that moto itself enforces the template's
// redrive policy, which the SQS event sources rely on instead of emulating it.
func TestRedriveMovesToDeadLetterQueue(t *testing.T) {
	s, c := provisioned(t)
	ctx := context.Background()
	work, _ := s.Physical("Work")
	dead, _ := s.Physical("Dead")
	if _, err := c.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(work.Ref), MessageBody: aws.String("poison")}); err != nil {
		t.Fatal(err)
	}
	receive := func(url string) []sqstypes.Message {
		out, err := c.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MaxNumberOfMessages: 10, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		// Visible again at once: a failed delivery without waiting out the timeout.
		for _, m := range out.Messages {
			if _, err := c.SQS.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
				ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
				t.Fatal(err)
			}
		}
		return out.Messages
	}
	for i := 1; i <= 2; i++ {
		if got := receive(work.Ref); len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != string(rune('0'+i)) {
			t.Fatalf("receive %d: %+v", i, got)
		}
	}
	if got := receive(work.Ref); len(got) != 0 {
		t.Fatalf("third receive still delivered: %+v", got)
	}
	if got := receive(dead.Ref); len(got) != 1 || aws.ToString(got[0].Body) != "poison" {
		t.Fatalf("dead-letter queue holds %+v", got)
	}
}

// TestParametersCreatesMissingSecretsOnce checks that a function's *_PARAM variable gets a
// random SecureString, kept across re-provisioning (tickets signed earlier must verify).
func TestParametersCreatesMissingSecretsOnce(t *testing.T) {
	s, c := provisioned(t)
	ctx := context.Background()
	name := "/" + s.Name + "/key"
	read := func() string {
		out, err := c.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
		if err != nil {
			t.Fatalf("parameter %s: %v", name, err)
		}
		if out.Parameter.Type != "SecureString" {
			t.Errorf("type = %s, want SecureString", out.Parameter.Type)
		}
		return aws.ToString(out.Parameter.Value)
	}
	first := read()
	if len(first) != 64 {
		t.Errorf("value %q: want 64 hex characters", first)
	}
	if err := provision.Stack(ctx, c, s, io.Discard); err != nil {
		t.Fatal(err)
	}
	if again := read(); again != first {
		t.Errorf("re-provisioning replaced the value: %q then %q", first, again)
	}
}
