package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

func init() {
	register(command{
		name:    "train",
		summary: "train a bias-free MLP on a dataset and measure Deep NRC layer by layer",
		run:     runTrain,
		examples: []string{
			"deepnrc train --data swimmer --epochs 20 --layers 5 --width 64 --wd 5e-3",
			"deepnrc train --data sgemm --epochs 50 --lr 0.05 --measure 10,20,50 --json > sgemm.jsonl",
			"deepnrc data list                 # the dataset names",
		},
	})
}

// parseEpochList parses "paper", "none" or a comma-separated list of epochs.
func parseEpochList(s string) ([]int, error) {
	switch s {
	case "paper":
		return nil, nil // the default: PaperMLPEpochs up to the run length
	case "none", "":
		return []int{}, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		e, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("bad epoch %q in %q: give comma-separated integers, \"paper\" or \"none\"", f, s)
		}
		out = append(out, e)
	}
	return out, nil
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := train.DefaultConfig(100)
	name := fs.String("data", "", "dataset `name` (list them with: deepnrc data list)")
	source := fs.String("source", "auto", "data source: auto, simulated, standin or real")
	n := fs.Int("n", 0, "number of samples (train + test); 0 = the dataset's default")
	dataSeed := fs.Uint64("data-seed", 0, "seed of the stand-in data generator")
	width := fs.Int("width", 256, "hidden width h")
	layers := fs.Int("layers", 8, "number of Linear layers L")
	epochs := fs.Int("epochs", def.Epochs, "training epochs E")
	batch := fs.Int("batch", def.BatchSize, "mini-batch size")
	lr := fs.Float64("lr", def.LearningRate, "initial learning rate")
	wd := fs.Float64("wd", def.WeightDecay, "weight decay λ (coupled, on every weight)")
	momentum := fs.Float64("momentum", def.Momentum, "SGD momentum")
	milestones := fs.String("milestones", "", "MultiStepLR milestones (comma-separated epochs; default E/3,2E/3; \"none\" for a constant rate)")
	seed := fs.Int64("seed", def.Seed, "seed of the weight initialisation and the batch order")
	measureAt := fs.String("measure", "paper", "epochs to measure at: \"paper\" (the paper's MLP list), \"none\" or a comma-separated list; the last epoch is always measured")
	rank := fs.Int("rank", 0, "signal rank k of the metrics (0 = t)")
	store := fs.String("store", "", "run store directory (default $DEEPNRC_STORE, $XDG_CACHE_HOME/deepnrc or ~/.cache/deepnrc)")
	noStore := fs.Bool("no-store", false, "keep the run in memory: no checkpoints, no cache")
	asJSON := fs.Bool("json", false, "print the full results table as JSON lines instead of the final metrics")
	ckptEvery := fs.Int("checkpoint-every", 0, "also checkpoint every N epochs (checkpoints are always taken at measured epochs and at the end)")
	ckptInterval := fs.Duration("checkpoint-interval", train.DefaultCheckpointInterval, "also checkpoint once this long has passed since the last checkpoint (0 turns it off); a crash loses at most about this much work")
	memory := memoryFlag(fs)
	noiseMax := fs.Float64("noise-max", nrc.DefaultRule().NoiseMax, "first-collapsed-layer rule: noise fraction at most this")
	ckaMin := fs.Float64("cka-min", nrc.DefaultRule().CKAMin, "first-collapsed-layer rule: CKA at least this")
	setUsage(fs, "train", "Usage: deepnrc train --data NAME [flags]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	rule := nrc.DefaultRule()
	rule.NoiseMax, rule.CKAMin = *noiseMax, *ckaMin
	if err := rule.Validate(); err != nil {
		return err
	}
	if *name == "" {
		fs.Usage()
		return fmt.Errorf("--data is required; known datasets: %s", strings.Join(data.Names(), ", "))
	}
	if err := memory.apply(); err != nil {
		return err
	}
	if *ckptEvery < 0 || *ckptInterval < 0 {
		return fmt.Errorf("--checkpoint-every %d / --checkpoint-interval %v: give values ≥ 0", *ckptEvery, *ckptInterval)
	}
	// The run's declaration: the MLP takes its sizes from the dataset.
	cfg := train.DefaultConfig(*epochs)
	cfg.BatchSize, cfg.LearningRate, cfg.WeightDecay, cfg.Momentum = *batch, *lr, *wd, *momentum
	cfg.Seed, cfg.Rank = *seed, *rank
	var err error
	if *milestones != "" {
		if cfg.Milestones, err = parseEpochList(*milestones); err != nil {
			return err
		}
	}
	if cfg.MeasureEpochs, err = parseEpochList(*measureAt); err != nil {
		return err
	}
	spec := runs.Spec{
		Dataset: *name,
		Data:    data.Options{Source: data.Source(*source), N: *n, Seed: *dataSeed},
		Model:   runs.Model{MLP: &runs.MLP{Hidden: *width, Layers: *layers}},
		Train:   cfg,
	}
	if err := spec.Validate(); err != nil {
		return err
	}
	interval := *ckptInterval
	if interval == 0 {
		interval = -1 // --checkpoint-interval 0 turns it off
	}
	ropt := runs.Options{NoStore: *noStore, CheckpointEvery: *ckptEvery, CheckpointInterval: interval,
		Progress: func(string) train.Progress { return train.NewProgress(stderr) }}
	if *store != "" && !*noStore {
		if ropt.Store, err = train.OpenStore(*store); err != nil {
			return err
		}
	}
	runner, err := runs.NewRunner(ropt) // the default store unless --store or --no-store
	if err != nil {
		return err
	}
	ds, err := runner.Data(&spec)
	if err != nil {
		return err
	}
	if len(ds.InputShape) != 1 {
		return fmt.Errorf("dataset %q has input shape %v: `deepnrc train` trains MLPs on tabular data only", *name, ds.InputShape)
	}
	label := fmt.Sprintf("%s-mlp%dx%d", *name, *layers, *width)
	if ds.IsStandIn() || ds.IsSimulated() {
		fmt.Fprintf(stderr, "%s: %s\n", *name, ds.Kind())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	trained, err := runner.Train(ctx, &spec, label)
	if err != nil {
		if errors.Is(err, context.Canceled) && runner.Store() != nil {
			return fmt.Errorf("%w; rerun the same command to resume from the last checkpoint", err)
		}
		return err
	}
	res := trained[0].Result
	if res.Cached {
		fmt.Fprintf(stderr, "run %s was already complete in %s\n", res.Key, res.Dir)
	} else if res.ResumedFrom > 0 {
		fmt.Fprintf(stderr, "resumed from the checkpoint of epoch %d\n", res.ResumedFrom)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, r := range res.Records {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	if res.Dir != "" {
		fmt.Fprintf(stdout, "run %s (%s)\n", res.Key, res.Dir)
	}
	recs := nrc.Results(res.Records)
	epoch := nrc.Final
	if es := recs.MeasuredEpochs(label); len(es) > 0 {
		epoch = es[len(es)-1]
	}
	if err := recs.WriteTable(stdout, label, epoch, nil); err != nil {
		return err
	}
	first := rule.FirstCollapsedLayer(recs, label, epoch)
	if first == "" {
		first = "none"
	}
	_, err = fmt.Fprintf(stdout, "first collapsed layer at epoch %d: %s (%s)\n", epoch, first, rule)
	return err
}
