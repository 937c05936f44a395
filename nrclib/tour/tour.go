// Package tour is the small end-to-end example behind notebooks/00-tour.ipynb:
// a bias-free MLP trained on the Swimmer data with and without weight
// decay, measured in every layer, and drawn with every plot type deepnrc
// has. The runs are declared as runs.Spec values and trained by a
// runs.Runner, like every other run of deepnrc. At quick scale both runs
// take well under a minute on 2 cores; the run store makes every later call
// return at once.
package tour

import (
	"context"
	"errors"
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// WeightDecays are the weight decays of the tour's runs: the first is the
// main, well-tuned run; the others are drawn against it.
var WeightDecays = []float64{5e-3, 0}

// gammaPoints is the number of γ values the last-layer NRC3 is scanned at.
const gammaPoints = 1000

// Settings are the tour's runs at one scale.
type Settings struct {
	// Scale is the size the runs were chosen for.
	Scale scale.Scale
	// Specs declare the runs, one per weight decay of WeightDecays: the
	// first is the main run; the others differ from it only in weight
	// decay and are drawn against it in the weight-decay overlay.
	Specs []runs.Spec
}

// ForScale returns the tour's runs at scale s: a bias-free MLP on Swimmer
// (width 32, 64 or 256 and 4, 6 or 8 layers; 20, 150 or 1000 epochs at
// smoke, quick or paper scale; paper is the paper's Swimmer network and
// schedule), trained with SGD and measured with the last layer's state
// kept for its NRC3 (train.Measure.LastLayer).
func ForScale(s scale.Scale) Settings {
	cfg := train.DefaultConfig(scale.Pick(s, 20, 150, 1000))
	cfg.BatchSize = scale.Pick(s, 64, 64, 128)
	cfg.LearningRate = scale.Pick(s, 0.05, 0.05, 0.1)
	cfg.Seed = 1
	main := runs.Spec{
		Dataset: "swimmer",
		Model:   runs.Model{MLP: &runs.MLP{Hidden: scale.Pick(s, 32, 64, 256), Layers: scale.Pick(s, 4, 6, 8)}},
		Train:   cfg,
		Measure: train.Measure{LastLayer: true},
	}
	set := Settings{Scale: s}
	for _, wd := range WeightDecays {
		spec := main
		spec.Train.WeightDecay = wd
		set.Specs = append(set.Specs, spec)
	}
	return set
}

// FromEnv returns the tour's runs at the scale named by the environment
// variable scale.Env (quick when unset).
func FromEnv() (Settings, error) {
	s, err := scale.FromEnv()
	if err != nil {
		return Settings{}, fmt.Errorf("tour: %w", err)
	}
	return ForScale(s), nil
}

// Main returns the main run's declaration.
func (s Settings) Main() *runs.Spec { return &s.Specs[0] }

// RunName labels the run with weight decay wd.
func RunName(wd float64) string { return fmt.Sprintf("wd=%g", wd) }

// Result holds every run of the tour.
type Result struct {
	Settings Settings
	// Data is the dataset the runs were trained on.
	Data *data.Dataset
	// Records of all runs, long format; Main is the main run's name and
	// Runs every run's, in Settings.Specs order.
	Records nrc.Results
	Main    string
	Runs    []string
	// Trained are the finished runs, in Runs order: store keys and the
	// main run's last-layer states (Trained[0].Result.LastLayer).
	Trained []runs.Trained
}

// Run trains (or loads from the run store) every run of s with a
// runs.Runner on the default store, reporting progress to p (nil for
// none).
func Run(ctx context.Context, s Settings, p train.Progress) (*Result, error) {
	if len(s.Specs) == 0 {
		return nil, errors.New("tour: no runs to train; get the settings from ForScale or FromEnv")
	}
	var opt runs.Options
	if p != nil {
		opt.Progress = func(string) train.Progress { return p }
	}
	runner, err := runs.NewRunner(opt)
	if err != nil {
		return nil, fmt.Errorf("tour: %w", err)
	}
	res := &Result{Settings: s, Main: RunName(s.Specs[0].Train.WeightDecay)}
	for i := range s.Specs {
		name := RunName(s.Specs[i].Train.WeightDecay)
		done, err := runner.Train(ctx, &s.Specs[i], name)
		if err != nil {
			return nil, fmt.Errorf("tour: %w", err)
		}
		for _, t := range done {
			res.Records = append(res.Records, t.Result.Records...)
			res.Trained = append(res.Trained, t)
		}
		res.Runs = append(res.Runs, name)
		res.Data = done[0].Data
	}
	return res, nil
}

// FinalEpoch returns the last epoch at which run was measured (the final
// epoch of its noise component, nrc.Results.FinalEpoch).
func (r *Result) FinalEpoch(run string) (int, error) {
	return r.Records.FinalEpoch(run, nrc.MetricNoise)
}

// FirstCollapsed applies the default collapse rule to run's final
// measurement and returns the layer it marks ("" for none).
func (r *Result) FirstCollapsed(run string) string {
	return nrc.DefaultRule().FirstCollapsedLayer(r.Records, run, nrc.Final)
}

// LastLayerGamma scans the last-layer NRC3 of Andriopoulos et al. over
// γ ∈ [0, λ_min] for the main run's final measurement: the last layer's
// W·Wᵀ and the training targets' Σ_Y that the run kept
// (train.Result.LastLayer).
func (r *Result) LastLayerGamma() (*nrc.GammaSearch, error) {
	if len(r.Trained) == 0 {
		return nil, errors.New("tour: no runs")
	}
	states := r.Trained[0].Result.LastLayer
	if len(states) == 0 {
		return nil, fmt.Errorf("tour: run %s kept no last-layer states; declare it with Measure: train.Measure{LastLayer: true}", r.Main)
	}
	final := states[0]
	for _, st := range states[1:] {
		if st.Epoch > final.Epoch {
			final = st
		}
	}
	return final.SearchGamma(gammaPoints)
}
