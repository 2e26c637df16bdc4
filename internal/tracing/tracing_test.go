package tracing

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-xray-sdk-go/xray"

	"github.com/bookmyevent/bookmyevent/internal/localtest"
)

// A traced client works outside any trace (no daemon, no segment: init code, bme, the
// local stack) and, inside a Lambda invocation's trace, sends the daemon one subsegment
// per SDK call.
func TestInstrumentedCallsAgainstMoto(t *testing.T) {
	daemon, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()
	if err := xray.Configure(xray.Config{DaemonAddr: daemon.LocalAddr().String()}); err != nil {
		t.Fatal(err)
	}

	cfg := localtest.AWSConfig(t)
	Instrument(&cfg)
	db := dynamodb.NewFromConfig(cfg)
	if _, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("untraced call: %v", err)
	}

	// What aws-lambda-go puts in an invocation's context from Lambda-Runtime-Trace-Id.
	//lint:ignore SA1029 the key's type is the X-Ray SDK's and aws-lambda-go's choice
	ctx := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey,
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	if _, err := db.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("traced call: %v", err)
	}
	buf := make([]byte, 64<<10)
	_ = daemon.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := daemon.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no subsegment reached the daemon: %v", err)
	}
	got := buf[:n]
	for _, want := range []string{`"name":"DynamoDB"`, `"operation":"ListTables"`, `"trace_id":"1-5759e988-bd862e3fe1be46a994272793"`, `"parent_id":"53995c3f42cd8ad8"`} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("subsegment lacks %s: %s", want, got)
		}
	}
}
