package main

import (
	"fmt"
	"os"

	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
)

func init() {
	register("stats", "summarise the EMF metrics the local stack's functions emitted", statsCmd)
}

func statsCmd(args []string) error {
	fs := newFlagSet("stats", "[--file .local/logs/functions.log]")
	def, err := workspace.Local("logs", "functions.log")
	if err != nil {
		return err
	}
	file := fs.String("file", def, "function output written by make run")
	_ = fs.Parse(args)
	f, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("%w (start the stack with make run and send it some traffic)", err)
	}
	defer f.Close()
	series, err := metrics.Summarize(f)
	if err != nil {
		return err
	}
	if len(series) == 0 {
		fmt.Printf("no metrics in %s yet\n", *file)
		return nil
	}
	metrics.WriteTable(os.Stdout, series)
	return nil
}
