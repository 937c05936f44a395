package exercise

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// SeedEnv is the environment variable holding the exercise seed (a
// non-negative integer; unset means 1). Teachers give each group its own
// seed so that the unseen task of exercise (d) differs between groups. The
// size of the runs comes from scale.Env, as for every deepnrc notebook.
const SeedEnv = "DEEPNRC_EXERCISE_SEED"

// size is the quick-scale size of an exercise's runs.
type size struct {
	n      int // samples, train + test
	epochs int
	// fullAtSmoke keeps the quick size at smoke scale, for runs whose
	// answer can only be read off a network that has finished learning.
	fullAtSmoke bool
}

// at returns the size at scale s: quick is the base size; smoke uses half
// the samples and a quarter of the epochs (CI's check that everything runs)
// unless the base is fullAtSmoke; paper trains three times longer on 2.5×
// the samples.
func (b size) at(s scale.Scale) size {
	smoke := size{n: b.n / 2, epochs: max(b.epochs/4, 5)}
	if b.fullAtSmoke {
		smoke = b
	}
	return scale.Pick(s, smoke, b, size{n: b.n * 5 / 2, epochs: b.epochs * 3, fullAtSmoke: b.fullAtSmoke})
}

// currentScale is the scale named by scale.Env, with the notebook's way
// to fix a bad value.
func currentScale() (scale.Scale, error) {
	s, err := scale.FromEnv()
	if err != nil {
		return "", fmt.Errorf("exercise: %w; in a notebook set it with `%%env %s=quick` (smoke, quick or paper)", err, scale.Env)
	}
	return s, nil
}

// scaled returns base at the current scale.
func scaled(base size) (size, error) {
	s, err := currentScale()
	if err != nil {
		return size{}, err
	}
	return base.at(s), nil
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

// width is the hidden width of every exercise network.
const width = 64

// mlpSpec declares an exercise run without its data: a bias-free MLP of
// the given number of layers and the hidden width width, trained for epochs with SGD
// (batch 64, learning rate 0.05, weight decay wd, the trainer's default
// momentum and schedule) and measured at its final epoch only.
func mlpSpec(layers, epochs int, wd float64) runs.Spec {
	cfg := train.DefaultConfig(epochs)
	cfg.BatchSize = 64
	cfg.LearningRate = 0.05
	cfg.WeightDecay = wd
	cfg.MeasureEpochs = []int{} // the final epoch only
	return runs.Spec{Model: runs.Model{MLP: &runs.MLP{Hidden: width, Layers: layers}}, Train: cfg}
}

// newRunner returns a runner on the default run store, showing each run's
// progress on stderr when progress is set. A store that cannot be opened
// is an error.
func newRunner(progress bool) (*runs.Runner, error) {
	var opt runs.Options
	if progress {
		opt.Progress = func(string) train.Progress { return train.NewProgress(os.Stderr) }
	}
	r, err := runs.NewRunner(opt)
	if err != nil {
		return nil, fmt.Errorf("exercise: %w", err)
	}
	return r, nil
}

// trainRecords trains spec under name with r (or loads it from the store)
// and returns its records.
func trainRecords(r *runs.Runner, spec runs.Spec, name string) ([]nrc.Record, error) {
	done, err := r.Train(context.Background(), &spec, name)
	if err != nil {
		return nil, fmt.Errorf("exercise: %w", err)
	}
	return done[0].Result.Records, nil
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
	v, err := nrc.Results(records).Value(run, metric, nrc.Final)
	return v, err == nil
}
