// Command admit is AdmitFunction: every minute, advance each live waiting room in
// one-second steps until just before the timeout (docs/waiting-room.md §3).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/bookmyevent/bookmyevent/internal/app"
)

func main() { lambda.Start(app.Admit()) }
