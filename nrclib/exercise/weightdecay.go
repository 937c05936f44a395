package exercise

import (
	"fmt"
	"math"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// SweepLambdas are the weight decays of exercise (c), smallest first.
var SweepLambdas = []float64{0, 1e-3, 5e-3, 5e-2}

// SweepRunName is the run name of the sweep's run with weight decay lambda.
func SweepRunName(lambda float64) string { return fmt.Sprintf("λ=%g", lambda) }

// sweepSize is the quick-scale size of the sweep's runs.
var sweepSize = size{n: 2000, epochs: 100}

// sweepRank is the signal rank k of the sweep's metrics: the intrinsic rank
// r = 2 of the synthetic task.
const sweepRank = 2

// SweepSpec declares the sweep's run with weight decay lambda at scale s:
// a 6-layer MLP of width 64 on the paper's synthetic task (t = 10,
// intrinsic rank r = 2, metrics with k = r), measured at its final epoch.
func SweepSpec(s scale.Scale, lambda float64) runs.Spec {
	sz := sweepSize.at(s)
	spec := mlpSpec(6, sz.epochs, lambda)
	spec.Train.Rank = sweepRank
	spec.Dataset, spec.Data = "synthetic-fig3", data.Options{Source: data.SourceStandIn, N: sz.n}
	return spec
}

// WeightDecaySweep trains (or loads from the run store) the runs of exercise
// (c) at the current scale: SweepSpec once per weight decay of
// SweepLambdas, everything else equal. It returns the records of all runs,
// named SweepRunName(λ).
func WeightDecaySweep() ([]nrc.Record, error) { return weightDecaySweep(true) }

func weightDecaySweep(progress bool) ([]nrc.Record, error) {
	s, err := currentScale()
	if err != nil {
		return nil, err
	}
	r, err := newRunner(progress)
	if err != nil {
		return nil, err
	}
	var all []nrc.Record
	for _, wd := range SweepLambdas {
		recs, err := trainRecords(r, SweepSpec(s, wd), SweepRunName(wd))
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
	}
	return all, nil
}

// MeanHiddenStableRankW returns, for the sweep run with weight decay lambda,
// the mean stable rank of the hidden-to-hidden weights (every probe but the
// first, whose weight reads the input, and the last, whose weight writes the
// t outputs).
func MeanHiddenStableRankW(records []nrc.Record, lambda float64) (float64, error) {
	_, v := layerSeries(records, SweepRunName(lambda), nrc.MetricStableRankW)
	if len(v) < 3 {
		return 0, fmt.Errorf("exercise: run %s has %d stable-rank-W values; need at least 3", SweepRunName(lambda), len(v))
	}
	s := 0.0
	for _, x := range v[1 : len(v)-1] {
		s += x
	}
	return s / float64(len(v)-2), nil
}

// sweepLambda validates a λ answer: it must be one of SweepLambdas.
func sweepLambda(a any, what string) (float64, *Result) {
	v, ok := asFloat(a)
	if !ok {
		r := typeHint(a, "a float64: one of the weight decays of the sweep")
		return 0, &r
	}
	if math.IsNaN(v) {
		r := todo(fmt.Sprintf("replace math.NaN() by the weight decay that %s", what))
		return 0, &r
	}
	for _, l := range SweepLambdas {
		if near(v, l, 1e-9) {
			return l, nil
		}
	}
	r := wrong("%g is not one of the weight decays that were run (%s)", v, lambdaList())
	return 0, &r
}

func lambdaList() string {
	s := make([]string, len(SweepLambdas))
	for i, l := range SweepLambdas {
		s[i] = fmt.Sprintf("%g", l)
	}
	return strings.Join(s, ", ")
}

// lowestStableRankW returns the λ whose run has the lowest mean hidden
// stable rank of W.
func lowestStableRankW(recs []nrc.Record) (float64, error) {
	best, bestV := math.NaN(), math.Inf(1)
	for _, l := range SweepLambdas {
		v, err := MeanHiddenStableRankW(recs, l)
		if err != nil {
			return 0, err
		}
		if v < bestV {
			best, bestV = l, v
		}
	}
	return best, nil
}

// worstFit returns the λ whose run ends with the highest training MSE.
func worstFit(recs []nrc.Record) (float64, error) {
	worst, worstV := math.NaN(), math.Inf(-1)
	for _, l := range SweepLambdas {
		v, ok := finalRunValue(recs, SweepRunName(l), nrc.MetricTrainMSE)
		if !ok {
			return 0, fmt.Errorf("run %s has no train MSE", SweepRunName(l))
		}
		if v > worstV {
			worst, worstV = l, v
		}
	}
	return worst, nil
}

// loadSweep returns the records the checks of exercise (c) read; tests
// replace it with constructed records.
var loadSweep = func() ([]nrc.Record, error) { return weightDecaySweep(false) }

func checkPrediction(a any) Result {
	if _, r := sweepLambda(a, "you expect to give the lowest stable rank of W"); r != nil {
		return *r
	}
	return correct("prediction recorded; run the sweep and compare with question c1")
}

func checkLowestSRW(a any) Result {
	v, r := sweepLambda(a, "gives the lowest mean stable rank of W over the hidden layers")
	if r != nil {
		return *r
	}
	recs, err := loadSweep()
	if err != nil {
		return wrong("could not load the sweep (%v); re-run the training cell", err)
	}
	want, err := lowestStableRankW(recs)
	if err != nil {
		return wrong("%v", err)
	}
	if v == want {
		return correct("")
	}
	if v == SweepLambdas[len(SweepLambdas)-1] {
		return wrong("the largest λ is not automatically the answer: look at that run's train MSE and noise first — did it learn anything? A weight that gets no gradient from the loss only shrinks as a whole, which leaves its stable rank as it was at initialisation")
	}
	return wrong("compute the mean of stable_rank_w over the hidden layers for each λ (exercise.MeanHiddenStableRankW does it) and compare them")
}

func checkUnderfit(a any) Result {
	v, r := sweepLambda(a, "fits the training data worst")
	if r != nil {
		return *r
	}
	recs, err := loadSweep()
	if err != nil {
		return wrong("could not load the sweep (%v); re-run the training cell", err)
	}
	want, err := worstFit(recs)
	if err != nil {
		return wrong("%v", err)
	}
	if v == want {
		return correct("")
	}
	if v == 0 {
		return wrong("without weight decay nothing holds the network back from fitting the training set; compare the runs' final train_mse")
	}
	return wrong("compare the final train_mse (layer \"\") of the runs: which is highest?")
}

// WhyOptions are the choices of question c3 ("why does weight decay lower
// the stable rank of W?"), keyed by letter.
var WhyOptions = map[string]string{
	"a": "Weight decay adds random noise to every gradient step, which scrambles W.",
	"b": "Every step shrinks each weight by a factor (1 − lr·λ); only the few directions that the loss keeps reinforcing survive, so ‖W‖²_F concentrates in a few singular values.",
	"c": "Weight decay normalises each layer's features to unit variance, and W follows them.",
	"d": "Weight decay raises the learning rate of the largest singular value only.",
}

var whyHints = map[string]string{
	"a": "the decay term λ·w is deterministic: it adds no noise",
	"c": "weight decay acts on the weights, not on the features; nothing normalises the features here",
	"d": "the decay term λ·w acts on every weight in the same way; it changes no learning rate",
}

func checkWhy3(a any) Result {
	s, ok := a.(string)
	if !ok {
		return typeHint(a, `a string: "a", "b", "c" or "d"`)
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return todo(`choose one of the options "a"…"d"`)
	}
	if _, ok := WhyOptions[s]; !ok {
		return wrong(`answer one letter, "a", "b", "c" or "d", not %q`, s)
	}
	if s == "b" {
		return correct("")
	}
	return wrong("%s", whyHints[s])
}

func init() {
	register("c0-predict", "your prediction, before running: the λ with the lowest stable rank of W (any λ of the sweep is accepted)", checkPrediction)
	register("c1-lowest-srank-w", "the λ whose run has the lowest mean stable rank of W over the hidden layers", checkLowestSRW)
	register("c2-underfit", "the λ whose run fits the training set worst (highest final train MSE)", checkUnderfit)
	register("c3-why", "why weight decay lowers the stable rank of W (a letter, see exercise.WhyOptions)", checkWhy3)
}
