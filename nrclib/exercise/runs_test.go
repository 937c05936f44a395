package exercise

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// layerRecords builds records of one run at one epoch, one value per layer
// fc1…fcL for each metric.
func layerRecords(run string, epoch int, metrics map[string][]float64) []nrc.Record {
	var out []nrc.Record
	for m, vals := range metrics {
		for i, v := range vals {
			out = append(out, nrc.Record{Run: run, Epoch: epoch, Layer: fmt.Sprintf("fc%d", i+1), Metric: m, Value: v})
		}
	}
	return out
}

// Constructed runs: the given run of exercise (b), the sweep of (c) and the
// unseen run of (d), with answers known by construction.
var (
	// Default rule (noise ≤ 0.2, CKA ≥ 0.5, sustained): fc2 qualifies but
	// fc3 does not; fc4 fails on noise; fc5 and fc6 qualify → fc5.
	// Strict rule (noise ≤ 0.1): fc5 fails → fc6.
	givenNoise = []float64{0.5, 0.15, 0.6, 0.3, 0.15, 0.05}
	givenCKA   = []float64{0.2, 0.6, 0.4, 0.9, 0.9, 0.95}
)

func givenRecords(noise, cka []float64) []nrc.Record {
	// An earlier epoch with other values must be ignored.
	early := layerRecords(GivenRunName, 1, map[string][]float64{nrc.MetricNoise: {1, 1, 1, 1, 1, 1}, nrc.MetricCKA: {0, 0, 0, 0, 0, 0}})
	return append(early, layerRecords(GivenRunName, 120, map[string][]float64{nrc.MetricNoise: noise, nrc.MetricCKA: cka})...)
}

// sweepRecords: mean hidden stable rank W (fc2–fc5) is 14, 6, 1.5, 15 for
// λ = 0, 1e-3, 5e-3, 5e-2; the first and last layers are extreme so that a
// mean over all layers would pick λ = 1e-3. Train MSE is worst for 5e-2.
func sweepRecords() []nrc.Record {
	srw := map[float64][]float64{
		0:    {10, 14, 14, 14, 14, 3},
		1e-3: {0.1, 6, 6, 6, 6, 0.1},
		5e-3: {30, 1.5, 1.5, 1.5, 1.5, 30},
		5e-2: {10, 15, 15, 15, 15, 3},
	}
	mse := map[float64]float64{0: 0.01, 1e-3: 0.012, 5e-3: 0.011, 5e-2: 0.39}
	var out []nrc.Record
	for _, l := range SweepLambdas {
		out = append(out, layerRecords(SweepRunName(l), 100, map[string][]float64{nrc.MetricStableRankW: srw[l]})...)
		out = append(out, nrc.Record{Run: SweepRunName(l), Epoch: 100, Metric: nrc.MetricTrainMSE, Value: mse[l]})
	}
	return out
}

// unseenRecords: top-layer stable rank 3.4 and five components above 1% of
// the variance.
func unseenRecords() []nrc.Record {
	m := map[string][]float64{nrc.MetricStableRankH: {16.5, 7, 4.1, 3.6, 3.4}}
	evr := []float64{0.3, 0.25, 0.2, 0.13, 0.11, 0.005, 0.003, 0.002}
	for j, v := range evr {
		m[EVRMetric(j+1)] = []float64{0.06, 0.06, 0.05, 0.05, v}
	}
	return layerRecords(UnseenRunName, 100, m)
}

func withConstructedRuns(t *testing.T) {
	t.Helper()
	g, s, u := loadGiven, loadSweep, loadUnseen
	t.Cleanup(func() { loadGiven, loadSweep, loadUnseen = g, s, u })
	loadGiven = func() ([]nrc.Record, error) { return givenRecords(givenNoise, givenCKA), nil }
	loadSweep = func() ([]nrc.Record, error) { return sweepRecords(), nil }
	loadUnseen = func() ([]nrc.Record, error) { return unseenRecords(), nil }
}

func TestFirstCollapsedChecks(t *testing.T) {
	withConstructedRuns(t)
	cases := []struct {
		id, answer string
		status     Status
		hint       string
	}{
		{"b1-first", "fc5", Correct, ""},
		{"b1-first", " FC5 ", Correct, ""},
		{"b1-first", "", Todo, "first collapsed"},
		{"b1-first", "fc2", Wrong, "persist"},
		{"b1-first", "fc6", Wrong, "not the first"},
		{"b1-first", "fc4", Wrong, "noise fraction is above"},
		{"b1-first", "fc1", Wrong, "noise fraction is above"},
		{"b1-first", "none", Wrong, "some layer does qualify"},
		{"b1-first", "fc9", Wrong, "not a probe"},
		{"b3-strict", "fc6", Correct, ""},
		{"b3-strict", "fc5", Wrong, "above the threshold 0.1"},
		{"b2-why", "noise", Correct, ""},
		{"b2-why", "cka", Wrong, "compare each"},
		{"b2-why", "both", Wrong, "one of them passes"},
		{"b2-why", "sustained", Wrong, `"noise", "cka" or "both"`},
		{"b2-why", " ", Todo, "noise"},
	}
	for _, c := range cases {
		r := Evaluate(c.id, c.answer)
		if r.Status != c.status || !strings.Contains(r.Message, c.hint) {
			t.Errorf("%s(%q): %s; want %v with %q", c.id, c.answer, r, c.status, c.hint)
		}
		// A hint never names the expected layer (fc5 for b1, fc6 for b3).
		if want := map[string]string{"b1-first": "fc5", "b3-strict": "fc6"}[c.id]; r.Status == Wrong && want != "" && strings.Contains(r.Message, want) {
			t.Errorf("%s(%q) hint names the answer %s: %s", c.id, c.answer, want, r.Message)
		}
	}
}

func TestFirstCollapsedOtherRuns(t *testing.T) {
	withConstructedRuns(t)
	for _, c := range []struct {
		name       string
		noise, cka []float64
		first, why string
	}{
		// fc3 fails only on CKA.
		{"cka fails", []float64{0.5, 0.5, 0.1, 0.1}, []float64{0.1, 0.1, 0.3, 0.8}, "fc4", "cka"},
		{"both fail", []float64{0.5, 0.5, 0.9, 0.1}, []float64{0.1, 0.1, 0.3, 0.8}, "fc4", "both"},
		// Nothing collapses: b2 asks about the last probe (noise fails).
		{"none", []float64{0.5, 0.5, 0.5, 0.5}, []float64{0.9, 0.9, 0.9, 0.9}, "none", "noise"},
		// A layer with CKA too low but low noise.
		{"cka too low", []float64{0.5, 0.1, 0.1, 0.1}, []float64{0.1, 0.2, 0.8, 0.8}, "fc3", "cka"},
	} {
		loadGiven = func() ([]nrc.Record, error) { return givenRecords(c.noise, c.cka), nil }
		if r := Evaluate("b1-first", c.first); !r.OK() {
			t.Errorf("%s: b1 rejected %s: %s", c.name, c.first, r)
		}
		if r := Evaluate("b2-why", c.why); !r.OK() {
			t.Errorf("%s: b2 rejected %s: %s", c.name, c.why, r)
		}
		if c.name == "cka too low" {
			if r := Evaluate("b1-first", "fc2"); !strings.Contains(r.Message, "CKA with the targets is below") {
				t.Errorf("fc2 with low CKA: %s", r)
			}
		}
		if c.name == "none" {
			if r := Evaluate("b1-first", "fc2"); r.OK() || !strings.Contains(r.Message, "both thresholds") {
				t.Errorf("no collapse, answer fc2: %s", r)
			}
		}
	}
}

func TestWeightDecayChecks(t *testing.T) {
	withConstructedRuns(t)
	recs := sweepRecords()
	if v, err := MeanHiddenStableRankW(recs, 1e-3); err != nil || v != 6 {
		t.Fatalf("MeanHiddenStableRankW(1e-3) = %v, %v; want 6 (fc2–fc5 only)", v, err)
	}
	if _, err := MeanHiddenStableRankW(recs, 0.5); err == nil {
		t.Error("MeanHiddenStableRankW of a λ that was not run: no error")
	}
	cases := []struct {
		id     string
		answer any
		status Status
		hint   string
	}{
		{"c0-predict", 5e-2, Correct, "recorded"},
		{"c0-predict", 0, Correct, "recorded"},
		{"c0-predict", math.NaN(), Todo, "math.NaN()"},
		{"c0-predict", 0.3, Wrong, "not one of"},
		{"c1-lowest-srank-w", 5e-3, Correct, ""},
		{"c1-lowest-srank-w", 0.005, Correct, ""},
		{"c1-lowest-srank-w", 5e-2, Wrong, "did it learn anything"},
		{"c1-lowest-srank-w", 1e-3, Wrong, "MeanHiddenStableRankW"},
		{"c1-lowest-srank-w", math.NaN(), Todo, "lowest mean stable rank"},
		{"c2-underfit", 5e-2, Correct, ""},
		{"c2-underfit", 0, Wrong, "without weight decay"},
		{"c2-underfit", 5e-3, Wrong, "train_mse"},
		{"c3-why", "b", Correct, ""},
		{"c3-why", " B ", Correct, ""},
		{"c3-why", "a", Wrong, "deterministic"},
		{"c3-why", "c", Wrong, "not on the features"},
		{"c3-why", "d", Wrong, "no learning rate"},
		{"c3-why", "e", Wrong, "one letter"},
		{"c3-why", "", Todo, "options"},
	}
	for _, c := range cases {
		r := Evaluate(c.id, c.answer)
		if r.Status != c.status || !strings.Contains(r.Message, c.hint) {
			t.Errorf("%s(%v): %s; want %v with %q", c.id, c.answer, r, c.status, c.hint)
		}
		if c.status == Wrong && c.id != "c0-predict" {
			if strings.Contains(r.Message, "0.005") || strings.Contains(r.Message, "5e-03") || strings.Contains(r.Message, "(b)") {
				t.Errorf("%s hint may leak the answer: %s", c.id, r.Message)
			}
		}
	}
	if len(WhyOptions) != 4 {
		t.Fatalf("WhyOptions has %d entries", len(WhyOptions))
	}
	for k := range WhyOptions {
		if k != "b" && whyHints[k] == "" {
			t.Errorf("option %s has no hint", k)
		}
	}
}

func TestScaleAndSeed(t *testing.T) {
	base := size{n: 2000, epochs: 100}
	for env, want := range map[string]size{"": base, "quick": base, "Quick": base, "smoke": {n: 1000, epochs: 25}, " SMOKE ": {n: 1000, epochs: 25}, "paper": {n: 5000, epochs: 300}} {
		t.Setenv(scale.Env, env)
		if got, err := scaled(base); err != nil || got != want {
			t.Errorf("%s=%q: %+v, %v; want %+v", scale.Env, env, got, err, want)
		}
	}
	t.Setenv(scale.Env, "huge")
	if _, err := scaled(base); err == nil || !strings.Contains(err.Error(), "smoke, quick or paper") {
		t.Errorf("bad scale: %v", err)
	}
	t.Setenv(SeedEnv, "")
	if s, err := Seed(); err != nil || s != 1 {
		t.Errorf("default seed %d, %v", s, err)
	}
	t.Setenv(SeedEnv, "-3")
	if _, err := Seed(); err == nil || !strings.Contains(err.Error(), "%env") {
		t.Errorf("bad seed: %v", err)
	}
	if r := Evaluate("d1-rank", 3); r.OK() || !strings.Contains(r.Message, SeedEnv) {
		t.Errorf("d1 with a bad seed: %s", r)
	}
}

// The run declarations: each validates, is sized by the scale, and keeps
// the settings the exercises' text and checks rely on.
func TestSpecs(t *testing.T) {
	for _, sc := range scale.All() {
		given, sweep, calib := GivenSpec(sc), SweepSpec(sc, 5e-3), CalibrationSpec(sc, 2)
		for _, sp := range []runs.Spec{given, sweep, calib} {
			if err := sp.Validate(); err != nil {
				t.Errorf("%s: %v", sc, err)
			}
		}
		if given.Model.MLP.Layers != 6 || given.Model.MLP.Hidden != width || given.Train.WeightDecay != 1e-3 || given.Dataset != "hopper" {
			t.Errorf("%s given spec %+v", sc, given)
		}
		if want := givenSize.at(sc); given.Data.N != want.n || given.Train.Epochs != want.epochs {
			t.Errorf("%s given: N %d, %d epochs; want %+v", sc, given.Data.N, given.Train.Epochs, want)
		}
		if sweep.Train.Rank != sweepRank || sweep.Train.WeightDecay != 5e-3 || sweep.Dataset != "synthetic-fig3" {
			t.Errorf("%s sweep spec %+v", sc, sweep)
		}
		if calib.Model.MLP.Layers != 5 || calib.Train.Rank != 1 || calib.Measure.Spectrum != LowRankTargetDim {
			t.Errorf("%s calibration spec %+v", sc, calib)
		}
		ds, err := calib.Make()
		if err != nil || ds.TargetDim != LowRankTargetDim || ds.Train.N+ds.Test.N != rankSize.at(sc).n {
			t.Errorf("%s calibration task: %v", sc, err)
		}
	}
	if a, b := unseenSpec(scale.Quick, 1), unseenSpec(scale.Quick, 2); fmt.Sprint(a.MakeKey) == fmt.Sprint(b.MakeKey) {
		t.Errorf("two seeds share the data key %v", a.MakeKey)
	}
}

// A run store that cannot be opened is an error of every run, never a
// silent run in memory.
func TestStoreErrorIsReturned(t *testing.T) {
	file := t.TempDir() + "/not-a-dir"
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(train.EnvStoreDir, file)
	t.Setenv(scale.Env, "smoke")
	for name, run := range map[string]func(bool) ([]nrc.Record, error){
		"given": givenRun, "sweep": weightDecaySweep, "calibration": calibrationRuns, "unseen": unseenRun,
	} {
		if recs, err := run(false); err == nil || !strings.Contains(err.Error(), "run store") {
			t.Errorf("%s with an unusable store: %d records, err %v", name, len(recs), err)
		}
	}
}
