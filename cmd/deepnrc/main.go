// Command deepnrc measures and reproduces Deep Neural Regression Collapse.
//
// Usage:
//
//	deepnrc <command> [flags]
//
// Each command lives in its own file of this package and registers itself
// in init with register. Run "deepnrc help" for the list.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand of the CLI.
type command struct {
	name    string
	summary string
	// examples are shown in the command's -h, one command line each,
	// optionally followed by "  # what it does".
	examples []string
	// run executes the command with the arguments that follow its name.
	// It writes normal output to stdout and returns an error on failure.
	run func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// register adds a subcommand; it panics on a duplicate name (a programmer bug).
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("deepnrc: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "deepnrc: measure and reproduce Deep Neural Regression Collapse")
	fmt.Fprintln(w, "\nUsage: deepnrc <command> [flags]   (deepnrc <command> -h for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	writeExamples(w, []string{
		"deepnrc reproduce --scale smoke               # every figure in seconds, report in ./reproduce-out",
		"deepnrc measure --demo /tmp/deepnrc-demo      # measure bundled features",
		"deepnrc doctor                                # what is installed, what is missing",
	})
}

// writeExamples writes an "Examples:" block.
func writeExamples(w io.Writer, examples []string) {
	if len(examples) == 0 {
		return
	}
	fmt.Fprintln(w, "\nExamples:")
	for _, e := range examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
}

// setUsage makes fs's -h print the usage lines, the flags and the
// command's examples.
func setUsage(fs *flag.FlagSet, name, usageLines string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, usageLines)
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
		writeExamples(w, commands[name].examples)
	}
}

func main() {
	os.Exit(runCLI(os.Args[1:], os.Stdout, os.Stderr))
}

// runCLI dispatches args to a command and returns the process exit code.
func runCLI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "deepnrc: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := c.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // -h printed the usage
		}
		fmt.Fprintf(stderr, "deepnrc %s: %v\n", c.name, err)
		var ec exitCode
		if errors.As(err, &ec) {
			return ec.code
		}
		return 1
	}
	return 0
}

// exitCode is an error that asks for an exit status other than 1.
type exitCode struct {
	code int
	err  error
}

func (e exitCode) Error() string { return e.err.Error() }
func (e exitCode) Unwrap() error { return e.err }
