package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/load"
)

// stadiumFlags declares the stadium scenario's settings on the load command.
func stadiumFlags(f *flag.FlagSet) *load.Stadium {
	s := &load.Stadium{}
	f.IntVar(&s.Buyers, "buyers", 2000, "stadium: distinct buyers who join the pre-queue")
	f.IntVar(&s.Capacity, "capacity", 1000, "stadium: seats")
	f.IntVar(&s.AdmissionPerSecond, "rate", 50, "stadium: admission_per_second")
	f.DurationVar(&s.JoinLead, "join-lead", 90*time.Second, "stadium: the sale starts this long after the joins begin")
	f.DurationVar(&s.MaxPoll, "max-poll", 5*time.Second, "stadium: longest wait between a client's polls (0: obey retry_after)")
	f.IntVar(&s.Workers, "workers", 0, "stadium: requests in flight at most over all buyers (0: no bound, each buyer one at a time)")
	return s
}

// runStadium plays the stadium scenario and writes its JSON and its chart (PNG).
func runStadium(ctx context.Context, o load.Options, s *load.Stadium, out string) error {
	fmt.Printf("stadium against %s: %d buyers join, the sale starts in %s, admission %d/s\n", o.BaseURL, s.Buyers, s.JoinLead, s.AdmissionPerSecond)
	r, err := load.RunStadium(ctx, o, *s)
	fmt.Println()
	load.PrintStadium(os.Stdout, r)
	if err != nil {
		return err
	}
	if out == "" {
		out = "stadium-" + time.Now().UTC().Format("20060102T150405Z") + ".json"
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	chart := strings.TrimSuffix(out, ".json") + ".png"
	f, err := os.Create(chart)
	if err != nil {
		return err
	}
	if err := errors.Join(load.WriteStadiumChart(f, r), f.Close()); err != nil {
		return err
	}
	fmt.Println("results written to", out, "and", chart, "(green: seats sold, dashed: capacity; blue: queue length; grey: admitted)")
	sold := min(s.Buyers, s.Capacity)
	if r.Admitted+r.SoldOut < r.Joined || r.Tokens != r.Admitted || r.OutOfOrder > 0 || r.Sold != sold {
		return fmt.Errorf("stadium: %d of %d admitted, %d told sold out, %d distinct tokens, %d out of order, %d sold (want %d)",
			r.Admitted, r.Joined, r.SoldOut, r.Tokens, r.OutOfOrder, r.Sold, sold)
	}
	return nil
}
