package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

func init() {
	register(command{
		name:    "reproduce",
		summary: "reproduce the paper's figures and tables (fig1 … fig9, table1, table2, nrc2024)",
		run:     runReproduce,
		examples: []string{
			"deepnrc reproduce --scale smoke                 # the pipeline end to end in seconds",
			"deepnrc reproduce                               # every figure at quick scale (about 20 min on 2 cores)",
			"deepnrc reproduce --out /tmp/fig2 fig2 fig6     # two figures only",
			"GOMLX_BACKEND=xla:cuda deepnrc reproduce --scale paper   # the paper's settings, on a GPU",
		},
	})
}

// DefaultReproduceDir is where reproduce writes without --out (ignored by
// the repository's .gitignore).
const DefaultReproduceDir = "reproduce-out"

func runReproduce(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scaleFlag := fs.String("scale", "", "experiment scale: quick (default, or $"+scale.Env+"), paper or smoke")
	out := fs.String("out", DefaultReproduceDir, "output directory for figures (SVG, PNG), data (JSON) and "+experiment.ReportFile)
	storeDir := fs.String("store", "", "run store directory (default $"+train.EnvStoreDir+" or the user cache); finished runs are reused")
	noStore := fs.Bool("no-store", false, "train in memory only: no checkpoints, nothing reused")
	dataDir := fs.String("data", "", "data directory with the real datasets (default "+data.DefaultDir()+")")
	source := fs.String("source", "", "data source: auto (real files when present, else the shipped simulated MuJoCo data, else stand-ins; default), simulated, standin or real")
	quiet := fs.Bool("quiet", false, "no progress bars")
	storedOnly := fs.Bool("stored-only", false, "train nothing: fail unless every run is finished in the store (the report job of deepnrc sweep slurm)")
	memory := memoryFlag(fs)
	setUsage(fs, "reproduce", fmt.Sprintf("Usage: deepnrc reproduce [flags] [FIG...]\n\nFIG is one of: %s (none = all).", strings.Join(experiment.IDs(), " ")))
	names, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := memory.apply(); err != nil {
		return err
	}
	if err := checkOutDir(*out); err != nil {
		return err
	}
	sc, err := scale.FlagOrEnv(*scaleFlag)
	if err != nil {
		return err
	}
	ids, err := experiment.ResolveIDs(names)
	if err != nil {
		return err
	}
	if *storedOnly && *noStore {
		return fmt.Errorf("--stored-only reads the runs from the store: it cannot go with --no-store")
	}
	opt := experiment.Options{NoStore: *noStore, DataDir: *dataDir, Source: data.Source(*source), StoredOnly: *storedOnly}
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
	_, err = experiment.Reproduce(ctx, ids, sc, *out, opt, stdout) // it prints "report: …" once the report is written
	return err
}

// checkOutDir checks, before any training, that the output directory can
// be created and written.
func checkOutDir(dir string) error {
	if dir == "" {
		return fmt.Errorf("--out is empty: give the directory to write the figures and %s into", experiment.ReportFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: cannot create the output directory (%v); choose a writable directory", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("--out %s: the output directory is not writable (%v); choose a writable directory", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	sweepOutTemps(dir, time.Minute)
	return nil
}

// sweepOutTemps removes the temporary files (".<name>.tmp-*") that an
// atomic write killed midway left in the output directory. Writes of the
// output files take milliseconds, so one older than minAge is stale even
// if another reproduce is writing into the same directory.
func sweepOutTemps(dir string, minAge time.Duration) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, ".") || !strings.Contains(name, ".tmp-") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) >= minAge {
			os.Remove(filepath.Join(dir, name))
		}
	}
}
