package experiment

import (
	"context"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/runs"
)

// These tests train small seeded networks on the synthetic low-rank task
// of Fig 3 (x ~ N(0, I₂₀), t = 10 targets of a random ReLU net of width
// r = 2) and check the paper's phenomena on the measured records. Each run
// takes a few seconds on two cores.

// trainSynthetic trains a 6-layer, width-32 MLP and returns its records at
// the last epoch.
func trainSynthetic(t *testing.T, wd float64, epochs, rank int) map[string]map[string]float64 {
	t.Helper()
	rs := RunSpec{Name: "synthetic", Spec: runs.Spec{Dataset: "synthetic-fig3", Data: data.Options{N: 1250, Source: data.SourceStandIn},
		Model: mlp(32, 6), Train: sgd(epochs, 64, 0.05, wd, nil), ScaleTargets: true}}
	rs.Train.Rank, rs.Train.MeasureEpochs = rank, []int{}
	spec := &Spec{ID: "science", Kind: KindFigure, Columns: []Column{{Title: "synthetic", Runs: []RunSpec{rs}}},
		Rows: []Panel{{Metrics: []string{nrc.MetricNoise}}}}
	res, err := Run(context.Background(), spec, Options{NoStore: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, r := range res.Records.AtEpoch(epochs) {
		if out[r.Metric] == nil {
			out[r.Metric] = map[string]float64{}
		}
		out[r.Metric][r.Layer] = r.Value
	}
	return out
}

func TestCollapseInTheTopLayersOfTheLowRankTask(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network (about 5 s)")
	}
	m := trainSynthetic(t, 1e-4, 60, 2)
	// Collapse at the last probe: almost all variance in the top-r
	// subspace, features linearly aligned with the targets.
	if v := m[nrc.MetricNoise]["fc6"]; !(v < 0.1) {
		t.Errorf("noise at the last probe = %.4g, want < 0.1", v)
	}
	if v := m[nrc.MetricCKA]["fc6"]; !(v > 0.9) {
		t.Errorf("CKA at the last probe = %.4g, want > 0.9", v)
	}
	// …and not at the input, whose noise with r = 2 of 20 isotropic
	// dimensions is about 1 − 2/20.
	if v := m[nrc.MetricNoise]["fc1"]; !(v > 0.7) {
		t.Errorf("noise at the input = %.4g, want > 0.7", v)
	}
	// The top layers' features have the targets' stable rank.
	target := m[nrc.MetricTargetStableRankPaper][""]
	for _, l := range []string{"fc5", "fc6"} {
		if v := m[nrc.MetricStableRankHPaper][l]; !(v > target-0.5 && v < target+0.5) {
			t.Errorf("stable rank of H at %s = %.4g, want within 0.5 of the targets' %.4g", l, v, target)
		}
	}
	if v := m[nrc.MetricStableRankHPaper]["fc1"]; !(v > target+5) {
		t.Errorf("stable rank of the input = %.4g; the test needs inputs of much higher rank than the targets' %.4g", v, target)
	}
}

func TestWeightDecayAlignsFeaturesWithWeights(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two networks (about 8 s)")
	}
	mean := func(m map[string]map[string]float64) float64 {
		var s float64
		for _, l := range []string{"fc3", "fc4", "fc5", "fc6"} {
			s += m[nrc.MetricWHAlignment][l]
		}
		return s / 4
	}
	tuned, zero := mean(trainSynthetic(t, 1e-3, 80, 1)), mean(trainSynthetic(t, 0, 80, 1))
	if !(zero < tuned) {
		t.Errorf("mean WH alignment over fc3…fc6: %.4g without weight decay, %.4g with 1e-3; want the first below the second", zero, tuned)
	}
}
