// Package localtest gives tests real local AWS services: moto for DynamoDB, SQS, Cognito
// and EventBridge, fresh tables and queues built from template.yaml, and the whole local
// stack in-process for end-to-end tests.
//
//	cfg := localtest.AWSConfig(t)                   // SDK config for the local services
//	ddb, table := localtest.Table(t)                // a fresh table shaped like the template's Table
//	q, url := localtest.Queue(t, "WaitlistQueue")   // a fresh queue (and DLQ) from the template
//	st := localtest.Stack(t, localtest.StackOptions{})
//	resp, _ := http.Get(st.BaseURL + "/events")     // through the gateway to the real binaries
//	token := st.Token(t, "alice", false)            // "Authorization: Bearer " + token
//
// Under `make test` the services are already running (cmd/local exec exports
// BME_MOTO_URL, BME_MOTO_SQS_URL and BME_MOTO_DYNAMODB_URL) and every test binary shares them; under a plain
// `go test` the first helper call starts moto once for the test binary and the child dies
// with it. When moto cannot be installed or started the test fails: it never skips.
package localtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/localstack/endpoints"
	"github.com/bookmyevent/bookmyevent/internal/localstack/moto"
	"github.com/bookmyevent/bookmyevent/internal/localstack/provision"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// Endpoints are the base URLs of the local services (Main for everything but SQS).
type Endpoints = endpoints.Endpoints

var (
	awsOnce sync.Once
	awsEP   Endpoints
	awsErr  error
)

// AWS returns the endpoints of running local services, starting them on first use in
// this test binary (three moto processes: SQS, DynamoDB, the rest). It fails the test
// when they cannot be started.
func AWS(t testing.TB) Endpoints {
	t.Helper()
	awsOnce.Do(func() { awsEP, awsErr = startAWS() })
	if awsErr != nil {
		t.Fatalf("localtest: local AWS services unavailable: %v", awsErr)
	}
	return awsEP
}

func startAWS() (Endpoints, error) {
	if ep, ok, err := endpoints.FromEnv(); ok || err != nil {
		return ep, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The servers live as long as the test binary: Pdeathsig ends them with it.
	ep, _, err := moto.StartEndpoints(ctx, endpoints.Endpoints{}, os.Stderr)
	return ep, err
}

// AWSConfig returns SDK configuration pointed at the local services: static "test"
// credentials, us-east-1, SQS at its own endpoint. Build any client from it:
// dynamodb.NewFromConfig(localtest.AWSConfig(t)).
func AWSConfig(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := AWS(t).Config(context.Background())
	if err != nil {
		t.Fatalf("localtest: AWS config: %v", err)
	}
	return cfg
}

var (
	tmplOnce sync.Once
	tmpl     *template.Template
	tmplErr  error
)

// Template returns template.yaml, parsed once per test binary.
func Template(t testing.TB) *template.Template {
	t.Helper()
	tmplOnce.Do(func() {
		path, err := workspace.Template()
		if err != nil {
			tmplErr = err
			return
		}
		tmpl, tmplErr = template.Load(path)
	})
	if tmplErr != nil {
		t.Fatalf("localtest: %v", tmplErr)
	}
	return tmpl
}

// testStack binds the template to default parameters under a per-binary stack name.
func testStack(t testing.TB) *template.Stack {
	t.Helper()
	s, err := Template(t).NewStack("t"+randomSuffix(), nil)
	if err != nil {
		t.Fatalf("localtest: %v", err)
	}
	return s
}

// Table creates a fresh table, named uniquely for the test, from the template's `Table`
// resource (keys, GSIs, stream, TTL), using the same code the local stack provisions
// with. The table is deleted when the test ends.
func Table(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	return TableFrom(t, "Table")
}

// TableFrom is Table for another AWS::DynamoDB::Table resource of the template.
func TableFrom(t testing.TB, logicalID string) (*dynamodb.Client, string) {
	t.Helper()
	c := dynamodb.NewFromConfig(AWSConfig(t))
	def, err := testStack(t).Table(logicalID)
	if err != nil {
		t.Fatalf("localtest: %v", err)
	}
	name := UniqueName(t, 255)
	ctx := context.Background()
	if _, err := provision.Table(ctx, c, def, name); err != nil {
		t.Fatalf("localtest: create table %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return c, name
}

// Queue creates a fresh queue, named uniquely for the test, from a template
// AWS::SQS::Queue resource, and returns its URL. When the queue redrives to a dead-letter
// queue of the template, a fresh one is created for it too (see QueueWithDLQ).
func Queue(t testing.TB, logicalID string) (*sqs.Client, string) {
	t.Helper()
	c, url, _ := QueueWithDLQ(t, logicalID)
	return c, url
}

// QueueWithDLQ is Queue that also returns the dead-letter queue's URL ("" when the
// queue has no redrive policy). The redrive's maxReceiveCount and the visibility timeout
// are the template's.
func QueueWithDLQ(t testing.TB, logicalID string) (c *sqs.Client, url, dlqURL string) {
	t.Helper()
	c = sqs.NewFromConfig(AWSConfig(t))
	s := testStack(t)
	ctx := context.Background()
	base := UniqueName(t, 70)
	if dlq, ok := s.Template.DeadLetterQueue(logicalID); ok {
		def, err := s.Queue(dlq)
		if err != nil {
			t.Fatalf("localtest: %v", err)
		}
		p, err := provision.Queue(ctx, c, def, base+"-dlq")
		if err != nil {
			t.Fatalf("localtest: create queue %s: %v", dlq, err)
		}
		s.SetPhysical(dlq, p)
		dlqURL = p.Ref
		t.Cleanup(func() { _, _ = c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(p.Ref)}) })
	}
	def, err := s.Queue(logicalID)
	if err != nil {
		t.Fatalf("localtest: %v", err)
	}
	p, err := provision.Queue(ctx, c, def, base)
	if err != nil {
		t.Fatalf("localtest: create queue %s: %v", logicalID, err)
	}
	t.Cleanup(func() { _, _ = c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(p.Ref)}) })
	return c, p.Ref, dlqURL
}

var (
	nameSeq   atomic.Int64
	nameClean = regexp.MustCompile(`[^a-zA-Z0-9-]+`)
)

// UniqueName returns a name, at most max characters of letters, digits and hyphens,
// unique across tests and test binaries sharing one moto, and recognisable as the test's.
func UniqueName(t testing.TB, max int) string {
	suffix := fmt.Sprintf("-%s-%d", randomSuffix(), nameSeq.Add(1))
	name := strings.Trim(nameClean.ReplaceAllString(t.Name(), "-"), "-")
	if keep := max - len(suffix); len(name) > keep {
		name = name[:keep]
	}
	return name + suffix
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
