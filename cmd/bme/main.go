// Command bme is the project's command-line tool. Each subcommand lives in its own file
// and registers itself in init, so adding one touches no other file.
//
//	bme token --user alice [--admin] [--count N]   bearer tokens for the local stack
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
)

type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; call it from an init function.
func register(name, summary string, run func(args []string) error) {
	if _, dup := commands[name]; dup {
		panic("bme: subcommand " + name + " registered twice")
	}
	commands[name] = command{summary, run}
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		usage()
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "bme %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: bme <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun bme <command> -h for its flags.")
	os.Exit(2)
}

// newFlagSet makes a subcommand's flag set with a usage line.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: bme %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}
