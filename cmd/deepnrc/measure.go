package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/deepnrc/deepnrc/nrclib/measure"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

func init() {
	register(command{
		name:    "measure",
		summary: "measure Deep NRC metrics of features exported from any framework (.npy/.csv)",
		run:     runMeasure,
		examples: []string{
			"deepnrc measure --demo /tmp/deepnrc-demo",
			"deepnrc measure --targets Y.npy --layer fc1=fc1.npy:fc1_W.npy --layer fc2=fc2.npy:fc2_W.npy",
			"deepnrc measure --targets Y.csv --layer h=H.csv --rank 2 --json > metrics.json",
			"/usr/bin/python3 examples/pytorch_export.py   # exports a PyTorch model and prints its measure command",
		},
	})
}

// layerFlags collects repeated --layer flags.
type layerFlags []measure.LayerFiles

func (l *layerFlags) String() string { return fmt.Sprint(*l) }

func (l *layerFlags) Set(s string) error {
	lf, err := measure.ParseLayerFlag(s)
	if err != nil {
		return err
	}
	*l = append(*l, lf)
	return nil
}

func runMeasure(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var layers layerFlags
	targets := fs.String("targets", "", "targets Y (N×t .npy or .csv, rows in the same order as the features)")
	fs.Var(&layers, "layer", "a probed layer as name=features.npy[:weight.npy] (repeat, in network order); weights are out×in, conv kernels c_out×c_in×kh×kw")
	rank := fs.Int("rank", 0, "signal rank k (default: t, the target dimension; use a target's intrinsic rank r for the §4.3 variants)")
	modelMSE := fs.Float64("model-mse", -1, "the model's own training MSE (mean over N·t entries, finite, ≥ 0), shown beside each probe MSE")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	demo := fs.String("demo", "", "write the bundled demo features into this directory and measure them")
	noiseMax := fs.Float64("noise-max", nrc.DefaultRule().NoiseMax, "first-collapsed-layer rule: noise fraction at most this")
	ckaMin := fs.Float64("cka-min", nrc.DefaultRule().CKAMin, "first-collapsed-layer rule: CKA at least this")
	chunk := fs.Int("chunk-rows", measure.DefaultChunkRows, "rows read at a time (bounds memory)")
	memory := memoryFlag(fs)
	noOrient := fs.Bool("no-orientation-check", false, "do not check square weights against the next probe's features (for a layer that does not feed the next probe directly)")
	setUsage(fs, "measure", "Usage: deepnrc measure --targets Y.npy --layer fc1=H1.npy:W1.npy [--layer ...] [flags]\n       deepnrc measure --demo DIR")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: layers go in --layer flags", fs.Args())
	}
	if err := memory.apply(); err != nil {
		return err
	}
	var spec measure.FileSpec
	if *demo != "" {
		if *targets != "" || len(layers) > 0 {
			return fmt.Errorf("--demo writes its own files: drop --targets and --layer")
		}
		var err error
		if spec, err = measure.WriteDemo(*demo); err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintf(stdout, "demo: %s\nfiles in %s\n\n", measure.DemoSpec, *demo)
		}
	} else {
		if *targets == "" || len(layers) == 0 {
			fs.Usage()
			return fmt.Errorf("need --targets and at least one --layer (or --demo DIR)")
		}
		spec = measure.FileSpec{Targets: *targets, Layers: layers}
	}
	spec.ChunkRows = *chunk
	spec.SkipOrientationCheck = *noOrient
	rule := nrc.DefaultRule()
	rule.NoiseMax, rule.CKAMin = *noiseMax, *ckaMin
	if err := rule.Validate(); err != nil {
		return fmt.Errorf("%w: set --noise-max and --cka-min in [0, 1]", err)
	}
	opt := nrc.Options{Rank: *rank, Rule: &rule}
	if flagGiven(fs, "model-mse") {
		if !(*modelMSE >= 0) || math.IsInf(*modelMSE, 0) {
			return fmt.Errorf("--model-mse %v: give the model's training MSE, a finite value ≥ 0 (or leave the flag out)", *modelMSE)
		}
		opt.ModelMSE = modelMSE
	}
	rep, err := measure.FromFiles(spec, opt)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTable(stdout)
}

// flagGiven reports whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
