package exercise

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// Environment variables read by the exercise runs.
const (
	// ScaleEnv selects the size of the runs: smoke, quick (the default) or
	// paper. It is the variable every deepnrc notebook reads.
	ScaleEnv = "DEEPNRC_SCALE"
	// SeedEnv is the exercise seed (a non-negative integer; unset means 1).
	// Teachers give each group its own seed so that the unseen task of
	// exercise (d) differs between groups.
	SeedEnv = "DEEPNRC_EXERCISE_SEED"
)

// size is the scale-dependent size of a run.
type size struct {
	n      int // samples, train + test
	epochs int
	// fullAtSmoke keeps the quick size at smoke scale, for runs whose
	// answer can only be read off a network that has finished learning.
	fullAtSmoke bool
}

// scaled returns the size for the current scale: quick is the base size;
// smoke uses half the samples and a quarter of the epochs (CI's check that
// everything runs) unless the base is fullAtSmoke; paper trains three times
// longer on 2.5× the samples.
func scaled(base size) (size, error) {
	switch s := os.Getenv(ScaleEnv); s {
	case "", "quick":
		return base, nil
	case "smoke":
		if base.fullAtSmoke {
			return base, nil
		}
		return size{n: base.n / 2, epochs: max(base.epochs/4, 5)}, nil
	case "paper":
		return size{n: base.n * 5 / 2, epochs: base.epochs * 3, fullAtSmoke: base.fullAtSmoke}, nil
	default:
		return size{}, fmt.Errorf("exercise: %s=%q is not a scale; use smoke, quick or paper", ScaleEnv, s)
	}
}

// Seed returns the exercise seed from DEEPNRC_EXERCISE_SEED (1 when unset).
func Seed() (uint64, error) {
	s := os.Getenv(SeedEnv)
	if s == "" {
		return 1, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("exercise: %s=%q is not a non-negative integer; set it like `%%env %s=7`", SeedEnv, s, SeedEnv)
	}
	return v, nil
}

// mlpRun is one training run of an exercise.
type mlpRun struct {
	name    string
	ds      *data.Dataset
	dsOpts  any
	layers  int
	hidden  int
	cfg     train.Config
	measure train.Measure
}

// baseConfig is the optimiser setting shared by the exercise runs.
func baseConfig(epochs int, wd float64) train.Config {
	cfg := train.DefaultConfig(epochs)
	cfg.BatchSize = 64
	cfg.LearningRate = 0.05
	cfg.WeightDecay = wd
	cfg.MeasureEpochs = []int{} // the final epoch only
	return cfg
}

// run trains r (or loads it from the store) and returns its records.
func (r mlpRun) run(progress bool) ([]nrc.Record, error) {
	m, err := model.NewMLP(model.MLPConfig{InputDim: r.ds.InputSize(), Hidden: r.hidden, Targets: r.ds.TargetDim, Layers: r.layers})
	if err != nil {
		return nil, err
	}
	st, err := train.OpenDefaultStore()
	if err != nil {
		return nil, fmt.Errorf("exercise: run %s: %w", r.name, err)
	}
	opt := train.Options{Store: st}
	if progress {
		opt.Progress = train.NewProgress(os.Stderr)
	}
	res, err := train.Run(context.Background(), train.Job{Name: r.name, Model: m, Data: r.ds, DataOptions: r.dsOpts, Config: r.cfg, Measure: r.measure}, opt)
	if err != nil {
		return nil, fmt.Errorf("exercise: run %s: %w", r.name, err)
	}
	return res.Records, nil
}

// EVRMetric names the record holding the share of a layer's variance
// explained by its j-th principal component (j from 1), as recorded by the
// runs of exercise (d) (nrc.MetricEVR).
func EVRMetric(j int) string { return nrc.MetricEVR(j) }

// RunValue returns a run-level metric (layer "", such as nrc.MetricTrainMSE)
// of run at the run's last epoch, and whether the records hold it.
func RunValue(records []nrc.Record, run, metric string) (float64, bool) {
	return finalRunValue(records, run, metric)
}

// finalRunValue returns a run-level metric (layer "") at the final epoch
// of run's metric.
func finalRunValue(records []nrc.Record, run, metric string) (float64, bool) {
	v, err := nrc.Results(records).Value(run, metric, 0)
	return v, err == nil
}
