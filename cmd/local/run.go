package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/system"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// runCmd starts the whole stack and serves until Ctrl-C or SIGTERM.
func runCmd(args []string) error {
	start := time.Now()
	fs, p := newFlags("run")
	addr := fs.String("addr", "127.0.0.1:3000", "HTTP API listen address")
	motoAddr := fs.String("moto-addr", "127.0.0.1:4566", "moto (Cognito, EventBridge, SSM, SES) listen address")
	sqsAddr := fs.String("moto-sqs-addr", "127.0.0.1:4567", "moto (SQS) listen address")
	ddbAddr := fs.String("moto-dynamodb-addr", "127.0.0.1:4568", "moto (DynamoDB, DynamoDB Streams) listen address")
	instances := fs.Int("instances", 8, "max warm instances per function")
	_ = fs.Parse(args)

	// Function output also goes to a file that survives the terminal, so `bme stats` can
	// summarise the run's EMF metrics. Each run starts it afresh.
	logPath, err := workspace.Local("logs", "functions.log")
	if err != nil {
		return err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sys, err := system.Start(ctx, system.Options{Params: p, MotoAddr: *motoAddr, MotoSQSAddr: *sqsAddr, MotoDynamoDBAddr: *ddbAddr, APIAddr: *addr,
		Sources: true, MaxInstances: *instances, Output: io.MultiWriter(os.Stdout, logFile)})
	if err != nil {
		return err
	}
	defer sys.Close()
	statePath, err := workspace.Local("state.json")
	if err != nil {
		return err
	}
	if err := sys.WriteState(statePath); err != nil {
		return err
	}
	defer os.Remove(statePath)

	st := sys.State()
	fmt.Printf("\nBookMyEvent local stack ready in %.1fs\n", time.Since(start).Seconds())
	fmt.Printf("  web app      %s/  (web/dist; make run rebuilds it when web/ changed)\n", st.APIURL)
	fmt.Printf("  API          %s\n", st.APIURL)
	fmt.Printf("  moto         %s  (Cognito, EventBridge, SSM, SES)\n", st.Endpoints.Main)
	fmt.Printf("  moto         %s  (DynamoDB, DynamoDB Streams)\n", st.Endpoints.DynamoDB)
	fmt.Printf("  moto SQS     %s\n", st.Endpoints.SQS)
	fmt.Printf("  user pool    %s  client %s\n", st.UserPoolID, st.UserPoolClientID)
	for _, id := range sys.Stack.Template.IDs("") {
		if r, ok := st.Resources[id]; ok && r.Ref != "" && sys.Stack.Template.Resources[id].Type != "AWS::Serverless::Function" {
			fmt.Printf("  %-12s %s\n", id, r.Ref)
		}
	}
	fmt.Printf("  functions    %d (binaries in .local/build)\n", len(sys.Functions))
	if sys.BuildErr != nil {
		fmt.Printf("  WARNING      %v\n", sys.BuildErr)
	}
	fmt.Printf("  state        %s\n", statePath)
	fmt.Printf("  logs         %s (bme stats summarises its metrics)\n", logPath)
	fmt.Printf("\nAdmin token:  go run ./cmd/bme token --user admin --admin\n")
	fmt.Printf("Try:          curl -s %s/events\n", st.APIURL)
	fmt.Printf("Ctrl-C stops everything.\n\n")
	<-ctx.Done()
	fmt.Println("\nlocal: stopping")
	return nil
}
