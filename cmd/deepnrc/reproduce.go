package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

func init() {
	register(command{
		name:    "reproduce",
		summary: "reproduce the paper's figures and tables (fig1 … fig9, table1, table2, nrc2024)",
		run:     runReproduce,
	})
}

func runReproduce(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scaleFlag := fs.String("scale", "", "experiment scale: quick (default, or $"+experiment.ScaleEnv+"), paper or smoke")
	out := fs.String("out", "reproduce", "output directory for figures (SVG, PNG), data (JSON) and "+experiment.ReportFile)
	storeDir := fs.String("store", "", "run store directory (default $"+train.EnvStoreDir+" or the user cache); finished runs are reused")
	noStore := fs.Bool("no-store", false, "train in memory only: no checkpoints, nothing reused")
	dataDir := fs.String("data", "", "data directory with the real datasets (default "+data.DefaultDir()+")")
	source := fs.String("source", "", "data source: auto (real files when present, else the shipped simulated MuJoCo data, else stand-ins; default), simulated, standin or real")
	quiet := fs.Bool("quiet", false, "no progress bars")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: deepnrc reproduce [flags] [FIG...]\n\nFIG is one of:", experiment.IDs(), "(none = all).\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	var scale experiment.Scale
	var err error
	if *scaleFlag != "" {
		scale, err = experiment.ParseScale(*scaleFlag)
	} else {
		scale, err = experiment.ScaleFromEnv()
	}
	if err != nil {
		return err
	}
	ids, err := experiment.ResolveIDs(fs.Args())
	if err != nil {
		return err
	}
	opt := experiment.Options{NoStore: *noStore, DataDir: *dataDir, Source: data.Source(*source)}
	if *storeDir != "" && !*noStore {
		if opt.Store, err = train.OpenStore(*storeDir); err != nil {
			return err
		}
	}
	if !*quiet {
		opt.Progress = func(string) train.Progress { return train.NewTerminalProgress(stderr) }
	}
	opt.Log = stdout
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	results, err := experiment.Reproduce(ctx, ids, scale, *out, opt, stdout)
	if len(results) > 0 {
		fmt.Fprintf(stdout, "report: %s\n", filepath.Join(*out, experiment.ReportFile))
	}
	return err
}
