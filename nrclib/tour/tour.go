// Package tour is the small end-to-end example behind notebooks/00-tour.ipynb:
// a bias-free MLP trained on the Swimmer data with and without weight
// decay, measured in every layer, and drawn with every plot type deepnrc
// has. At quick scale both runs take well under a minute on 2 cores; the run
// store makes every later call return at once.
package tour

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/stats"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// ScaleEnv names the environment variable that selects the scale: "quick"
// (the default), "smoke" (a few seconds, for CI) or "paper" (the paper's
// Swimmer network and schedule).
const ScaleEnv = "DEEPNRC_SCALE"

// Settings are the tour's network and training choices at one scale.
type Settings struct {
	Scale  string
	Width  int
	Layers int
	Epochs int
	Batch  int
	LR     float64
	// WeightDecays lists the runs: the first is the main, well-tuned one;
	// the others are drawn against it in the weight-decay overlay.
	WeightDecays []float64
	Seed         int64
}

// ForScale returns the settings of a scale ("" means quick).
func ForScale(scale string) (Settings, error) {
	switch scale {
	case "", "quick":
		return Settings{Scale: "quick", Width: 64, Layers: 6, Epochs: 150, Batch: 64, LR: 0.05, WeightDecays: []float64{5e-3, 0}, Seed: 1}, nil
	case "smoke":
		return Settings{Scale: "smoke", Width: 32, Layers: 4, Epochs: 20, Batch: 64, LR: 0.05, WeightDecays: []float64{5e-3, 0}, Seed: 1}, nil
	case "paper":
		return Settings{Scale: "paper", Width: 256, Layers: 8, Epochs: 1000, Batch: 128, LR: 0.1, WeightDecays: []float64{5e-3, 0}, Seed: 1}, nil
	}
	return Settings{}, fmt.Errorf("tour: unknown scale %q: use quick, smoke or paper", scale)
}

// FromEnv returns the settings of the scale named by $DEEPNRC_SCALE.
func FromEnv() (Settings, error) { return ForScale(os.Getenv(ScaleEnv)) }

// Dataset loads the Swimmer data: the real files when present in the data
// directory, else the simulated data deepnrc ships (Dataset.Kind says
// which).
func Dataset() (*data.Dataset, error) { return data.Load("swimmer", data.Options{}) }

// Model returns the tour's bias-free MLP for a dataset.
func (s Settings) Model(ds *data.Dataset) (*model.MLP, error) {
	return model.NewMLP(model.MLPConfig{InputDim: ds.InputSize(), Hidden: s.Width, Targets: ds.TargetDim, Layers: s.Layers})
}

// RunName labels the run with weight decay wd.
func RunName(wd float64) string { return fmt.Sprintf("wd=%g", wd) }

// Job returns the training job of the run with weight decay wd.
func (s Settings) Job(ds *data.Dataset, wd float64) (train.Job, error) {
	m, err := s.Model(ds)
	if err != nil {
		return train.Job{}, err
	}
	cfg := train.DefaultConfig(s.Epochs)
	cfg.BatchSize, cfg.LearningRate, cfg.WeightDecay, cfg.Seed = s.Batch, s.LR, wd, s.Seed
	return train.Job{Name: RunName(wd), Model: m, Data: ds, DataOptions: "swimmer", Config: cfg}, nil
}

// Result holds every run of the tour.
type Result struct {
	Settings Settings
	Data     *data.Dataset
	// Records of all runs, long format; Main is the well-tuned run's name.
	Records []nrc.Record
	Main    string
	Runs    []string
	// Keys are the runs' store keys, in Runs order.
	Keys  []string
	Store *train.Store
}

// Run trains (or loads from the run store) every run of the tour,
// reporting progress to p (nil for none).
func Run(ctx context.Context, s Settings, p train.Progress) (*Result, error) {
	ds, err := Dataset()
	if err != nil {
		return nil, err
	}
	dir, err := train.DefaultStoreDir()
	if err != nil {
		return nil, err
	}
	store, err := train.OpenStore(dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Settings: s, Data: ds, Store: store, Main: RunName(s.WeightDecays[0])}
	for _, wd := range s.WeightDecays {
		job, err := s.Job(ds, wd)
		if err != nil {
			return nil, err
		}
		r, err := train.Run(ctx, job, train.Options{Store: store, Progress: p})
		if err != nil {
			return nil, fmt.Errorf("tour: run %s: %w", job.Name, err)
		}
		res.Records = append(res.Records, r.Records...)
		res.Runs = append(res.Runs, job.Name)
		res.Keys = append(res.Keys, r.Key)
	}
	return res, nil
}

// FinalEpoch returns the last epoch at which run was measured.
func (r *Result) FinalEpoch(run string) int {
	last := 0
	for _, rec := range r.Records {
		if rec.Run == run && rec.Metric == nrc.MetricNoise && rec.Epoch > last {
			last = rec.Epoch
		}
	}
	return last
}

// FirstCollapsed applies the default collapse rule to run's final
// measurement and returns the layer it marks ("" for none).
func (r *Result) FirstCollapsed(run string) string {
	return nrc.DefaultRule().FirstCollapsedLayer(r.Records, run, 0)
}

// LastLayerGamma scans the last-layer NRC3 of Andriopoulos et al. over
// γ ∈ [0, λ_min] for the main run's final weights (loaded from the run
// store) and the training targets' covariance.
func (r *Result) LastLayerGamma() (*nrc.GammaSearch, error) {
	if len(r.Keys) == 0 {
		return nil, errors.New("tour: no runs")
	}
	ctx, _, err := r.Store.LoadContext(r.Keys[0])
	if err != nil {
		return nil, err
	}
	m, err := r.Settings.Model(r.Data)
	if err != nil {
		return nil, err
	}
	ws, err := m.Weights(ctx)
	if err != nil {
		return nil, err
	}
	t := r.Data.TargetDim
	ys := stats.New(1, t)
	zeros := make([]float32, r.Data.Train.N)
	if err := ys.AddFloat32(zeros, r.Data.Train.Y, r.Data.Train.N); err != nil {
		return nil, err
	}
	return nrc.SearchGamma(ws[len(ws)-1], ys.CovY(), 1000)
}
