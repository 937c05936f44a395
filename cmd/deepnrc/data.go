package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/deepnrc/deepnrc/internal/fetch"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/data/simulated"
)

func init() {
	register(command{
		name:    "data",
		summary: "list, describe, fetch and simulate datasets (data list | info | fetch | plot | generate | search-policy | evaluate)",
		run:     runData,
		examples: []string{
			"deepnrc data list",
			"deepnrc data info swimmer            # N, shapes, Σ_Y spectrum, λ_min of the stand-in or real data",
			"deepnrc data fetch sgemm             # download SGEMM from UCI (needs network)",
		},
	})
}

const dataUsage = `Usage:
  deepnrc data list  [-dir DIR]
  deepnrc data info  [flags] NAME     N, shapes, Σ_Y eigenvalues, λ_min, correlations, stable ranks
                                      (MuJoCo data: beside [NRC] Table 1)
  deepnrc data fetch [-dir DIR] [-force] NAME
  deepnrc data plot  [-out FILE.svg] NAME       2-D PCA picture of a simulated dataset's states
MuJoCo (swimmer | reacher | hopper; needs a build with -tags mujoco):
  deepnrc data generate      [-seed S] [-n N] [-out FILE] [-policy FILE] [-manifest FILE] NAME
  deepnrc data search-policy [-seed S] [-iters N] [-workers W] [-out FILE] NAME
  deepnrc data evaluate      [-seed S] [-episodes K] [-policy FILE] NAME

The data directory defaults to $DEEPNRC_DATA, else $XDG_DATA_HOME/deepnrc,
else ~/.local/share/deepnrc. With -source auto (the default) a dataset loads
from its real files when they are all there, else from the simulated data
deepnrc ships (swimmer, reacher, hopper: MuJoCo physics and expert
controllers), else from its offline stand-in.
`

func runData(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, dataUsage)
		return fmt.Errorf("missing subcommand: list, info, fetch, plot, generate, search-policy or evaluate")
	}
	switch args[0] {
	case "list":
		return dataList(args[1:], stdout, stderr)
	case "info":
		return dataInfo(args[1:], stdout, stderr)
	case "fetch":
		return dataFetch(args[1:], stdout, stderr)
	case "generate":
		return dataGenerate(args[1:], stdout, stderr)
	case "search-policy":
		return dataSearchPolicy(args[1:], stdout, stderr)
	case "evaluate":
		return dataEvaluate(args[1:], stdout, stderr)
	case "plot":
		return dataPlot(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, dataUsage)
		writeExamples(stdout, commands["data"].examples)
		return nil
	}
	fmt.Fprint(stderr, dataUsage)
	return fmt.Errorf("unknown subcommand %q: use list, info, fetch, plot, generate, search-policy or evaluate", args[0])
}

// parseWithName parses flags placed before and/or after one positional NAME.
func parseWithName(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", fmt.Errorf("missing dataset name; one of: %s", strings.Join(data.Names(), ", "))
	}
	name := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected arguments %q after the dataset name", fs.Args())
	}
	return name, nil
}

func dataList(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("data list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "data", "Usage: deepnrc data list [-dir DIR]")
	dir := fs.String("dir", data.DefaultDir(), "data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLOADS BY DEFAULT\tREAL DATA\tFETCH\tPAPER DATASET")
	for _, n := range data.Names() {
		e, _ := data.Lookup(n)
		real := "-"
		loads := "generated"
		if len(e.RealFiles) > 0 {
			all, missing := e.RealPresent(*dir)
			switch {
			case all:
				real = "present"
			case len(missing) > 0:
				real = "incomplete"
			default:
				real = "absent"
			}
			switch e.DefaultSource(*dir) {
			case data.SourceReal:
				loads = "real"
			case data.SourceSimulated:
				loads = "simulated (" + simulated.Simulator() + ")"
			default:
				loads = "stand-in"
			}
			if len(missing) > 0 {
				loads = "error: incomplete real files"
			}
		}
		dl := "-"
		if e.Download != nil {
			dl = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n, loads, real, dl, e.Paper)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\ndata directory: %s\n", *dir)
	return nil
}

func dataInfo(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("data info", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "data", "Usage: deepnrc data info [flags] NAME")
	var opt data.Options
	fs.StringVar(&opt.Dir, "dir", data.DefaultDir(), "data directory")
	src := fs.String("source", string(data.SourceAuto), "auto | simulated | standin | real")
	fs.Uint64Var(&opt.Seed, "seed", 0, "stand-in generator seed")
	fs.Uint64Var(&opt.SplitSeed, "split-seed", data.PaperSplitSeed, "80/20 split seed")
	fs.IntVar(&opt.N, "n", 0, "number of samples (0 = default)")
	fs.IntVar(&opt.ImageSize, "size", 0, "image side (0 = default: 128 real UTKFace, 32 stand-ins)")
	fs.IntVar(&opt.TargetDim, "t", 0, "synthetic target dimension (0 = the named instance's)")
	fs.IntVar(&opt.Rank, "r", 0, "synthetic generator width / rank (0 = the named instance's)")
	name, err := parseWithName(fs, args)
	if err != nil {
		return err
	}
	opt.Source = data.Source(*src)
	ds, err := data.Load(name, opt)
	if err != nil {
		return err
	}
	sum := data.Describe(ds)
	fmt.Fprint(stdout, sum)
	if corr, lmin, ok := data.PaperTable1(name); ok && sum.RawEigenvalues != nil {
		fmt.Fprintf(stdout, "\n[NRC] Table 1 beside this data (%s; raw actions of the training split):\n", ds.Origin())
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  statistic\tthis data\t[NRC] Table 1")
		for i, c := range sum.Correlations {
			paper := "—"
			if i < len(corr) {
				paper = fmt.Sprintf("%.4g", corr[i])
			}
			fmt.Fprintf(tw, "  correlation (%d,%d)\t%.4g\t%s\n", c.I, c.J, c.R, paper)
		}
		fmt.Fprintf(tw, "  λ_min of raw Σ_Y\t%.4g\t%.4g\n", sum.RawLambdaMin, lmin)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func dataFetch(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("data fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "data", "Usage: deepnrc data fetch [-dir DIR] [-force] NAME")
	dir := fs.String("dir", data.DefaultDir(), "data directory")
	force := fs.Bool("force", false, "download again even if the file is present")
	name, err := parseWithName(fs, args)
	if err != nil {
		return err
	}
	e, err := data.Lookup(name)
	if err != nil {
		return err
	}
	if e.Download == nil {
		if len(e.RealFiles) == 0 {
			return fmt.Errorf("%s has nothing to download: %s", name, e.HowToGet)
		}
		return fmt.Errorf("%s has no single canonical download URL, so it cannot be fetched automatically: %s. Expected: %s under %s",
			name, e.HowToGet, strings.Join(e.RealFiles, " and "), *dir)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	d := e.Download
	fmt.Fprintf(stderr, "fetching %s\n  from %s\n", name, d.URL)
	res, err := fetch.Install(ctx, fetch.Spec{URL: d.URL, SHA256: d.SHA256, Member: d.Member, File: d.File},
		*dir, fetch.Options{Progress: stderr, Force: *force})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (download %d bytes)\n", res.Path, res.Bytes)
	if res.Verified {
		fmt.Fprintf(stdout, "SHA-256 %s verified\n", res.SHA256)
	} else {
		fmt.Fprintf(stdout, "SHA-256 of the download: %s\nNOT verified: no checksum is recorded for %s; compare it with a trusted copy.\n", res.SHA256, name)
	}
	return nil
}
