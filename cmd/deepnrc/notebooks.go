package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/deepnrc/deepnrc/internal/nbrun"
	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

func init() {
	register(command{
		name:    "notebooks",
		summary: "list, run headless (GoNB kernel) or strip the notebooks",
		run:     runNotebooks,
		examples: []string{
			"deepnrc notebooks list",
			"deepnrc notebooks run --scale smoke 00-tour      # the tour, headless, into ./notebooks-out",
			"deepnrc notebooks strip --check                  # fail if a notebook was committed with outputs",
		},
	})
}

const notebooksUsage = `Usage:
  deepnrc notebooks list  [--dir notebooks] [NAME...]
  deepnrc notebooks run   [--dir notebooks] [--out notebooks-out] [--scale quick|paper|smoke]
                          [--timeout 30m] [--kernel deepnrc] [NAME...]
  deepnrc notebooks strip [--dir notebooks] [--check] [NAME...]

NAME selects notebooks by file-name prefix (fig1, 00-tour, exercises/) or is
the path of an .ipynb file; no NAME means every *.ipynb under --dir.

run executes the notebooks on the "deepnrc" Jupyter kernel (install it with
"go run ./kernel install") and writes NAME.ipynb (executed), NAME.html and
NAME.log under --out, plus summary.json. It fails when a cell errors, a cell
program panics or exits non-zero, or a notebook whose metadata has
{"deepnrc": {"expects_svg": true}} shows no SVG. The scale reaches the
notebooks as ` + scale.Env + `.

strip removes outputs and execution counts in place; with --check it changes
nothing and fails if any notebook has them (for CI).`

func runNotebooks(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, notebooksUsage)
		writeExamples(stdout, commands["notebooks"].examples)
		if len(args) == 0 {
			return errors.New("missing subcommand: list, run or strip")
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("notebooks "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, notebooksUsage)
		fmt.Fprintln(stderr, "\nFlags of "+sub+":")
		fs.PrintDefaults()
		writeExamples(stderr, commands["notebooks"].examples)
	}
	dir := fs.String("dir", "notebooks", "directory holding the notebooks")
	switch sub {
	case "list":
		names, err := parseInterleaved(fs, rest)
		if err != nil {
			return err
		}
		return listNotebooks(*dir, names, stdout)
	case "run":
		out := fs.String("out", "notebooks-out", "output directory for executed copies, HTML and logs (never inside --dir)")
		scaleName := fs.String("scale", string(scale.Quick), "experiment scale passed as "+scale.Env+": quick, paper or smoke")
		timeout := fs.Duration("timeout", 30*time.Minute, "time limit per notebook")
		kernel := fs.String("kernel", ipynb.KernelName, "Jupyter kernel to run on")
		names, err := parseInterleaved(fs, rest)
		if err != nil {
			return err
		}
		s, err := scale.Parse(*scaleName)
		if err != nil {
			return err
		}
		entries, err := nbrun.Discover(*dir, names)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			return fmt.Errorf("no notebooks under %s", *dir)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		fmt.Fprintf(stdout, "running %d notebook(s) at scale %s, output in %s\n", len(entries), s, *out)
		_, err = nbrun.Run(ctx, entries, nbrun.Options{
			Out: *out, Source: *dir, Scale: s, Timeout: *timeout, Kernel: *kernel, Log: stdout,
		})
		return err
	case "strip":
		check := fs.Bool("check", false, "change nothing; fail if any notebook has outputs or execution counts")
		names, err := parseInterleaved(fs, rest)
		if err != nil {
			return err
		}
		return stripNotebooks(*dir, names, *check, stdout)
	}
	return fmt.Errorf("unknown subcommand %q; use list, run or strip", sub)
}

// parseInterleaved parses flags that may come before, between or after
// the positional NAME arguments, and returns those names.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var names []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return names, nil
		}
		names = append(names, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func listNotebooks(dir string, names []string, stdout io.Writer) error {
	entries, err := nbrun.Discover(dir, names)
	if err != nil {
		return err
	}
	for _, e := range entries {
		nb, err := ipynb.Read(e.Path)
		if err != nil {
			return err
		}
		code := 0
		for _, c := range nb.Cells {
			if c.Type == ipynb.CodeCell {
				code++
			}
		}
		var notes []string
		notes = append(notes, fmt.Sprintf("%d code cells", code))
		if ipynb.ExpectsSVG(nb.Metadata) {
			notes = append(notes, "expects SVG")
		}
		if len(ipynb.Dirt(nb)) > 0 {
			notes = append(notes, "has outputs")
		}
		fmt.Fprintf(stdout, "%-40s %s (%s)\n", e.Name, e.Path, strings.Join(notes, ", "))
	}
	return nil
}

func stripNotebooks(dir string, names []string, check bool, stdout io.Writer) error {
	entries, err := nbrun.Discover(dir, names)
	if err != nil {
		return err
	}
	var dirty []string
	for _, e := range entries {
		if check {
			nb, err := ipynb.Read(e.Path)
			if err != nil {
				return err
			}
			if d := ipynb.Dirt(nb); len(d) > 0 {
				dirty = append(dirty, e.Path)
				fmt.Fprintf(stdout, "%s: %s\n", e.Path, strings.Join(d, "; "))
			}
			continue
		}
		changed, err := ipynb.StripFile(e.Path)
		if err != nil {
			return err
		}
		if changed {
			fmt.Fprintf(stdout, "stripped %s\n", e.Path)
		}
	}
	if len(dirty) > 0 {
		return fmt.Errorf("%d notebook(s) have outputs; run `deepnrc notebooks strip` and commit the result", len(dirty))
	}
	return nil
}
