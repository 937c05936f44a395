package exercise

import (
	"fmt"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// GivenRunName is the run name of exercise (b).
const GivenRunName = "hopper-mlp6"

// StrictNoiseMax is the noise threshold of the stricter rule in question b3.
const StrictNoiseMax = 0.1

// givenSize is the quick-scale size of the run of exercise (b).
var givenSize = size{n: 2000, epochs: 120}

// GivenSpec declares the run of exercise (b) at scale s: a 6-layer MLP of
// width 64 on the offline stand-in for Hopper, weight decay 1e-3, measured
// at its final epoch.
func GivenSpec(s scale.Scale) runs.Spec {
	sz := givenSize.at(s)
	spec := mlpSpec(6, sz.epochs, 1e-3)
	spec.Dataset, spec.Data = "hopper", data.Options{Source: data.SourceStandIn, N: sz.n}
	return spec
}

// GivenRun trains (or loads from the run store) the run of exercise (b)
// (GivenSpec) at the current scale and returns its long-format records
// under the run name GivenRunName.
func GivenRun() ([]nrc.Record, error) { return givenRun(true) }

func givenRun(progress bool) ([]nrc.Record, error) {
	s, err := currentScale()
	if err != nil {
		return nil, err
	}
	r, err := newRunner(progress)
	if err != nil {
		return nil, err
	}
	return trainRecords(r, GivenSpec(s), GivenRunName)
}

// LayerValues returns the per-layer values of metric for run at the run's
// last epoch, in network order, with the layer names.
func LayerValues(records []nrc.Record, run, metric string) (layers []string, values []float64) {
	return layerSeries(records, run, metric)
}

// layerSeries is nrc.Results.Series at the final epoch, with no values
// when the records lack the metric (the self-checks then say so).
func layerSeries(records []nrc.Record, run, metric string) ([]string, []float64) {
	layers, values, err := nrc.Results(records).Series(run, metric, nrc.Final)
	if err != nil {
		return nil, nil
	}
	return layers, values
}

// StrictRule is the rule of question b3: DefaultRule with the noise
// threshold lowered to StrictNoiseMax.
func StrictRule() nrc.CollapseRule {
	r := nrc.DefaultRule()
	r.NoiseMax = StrictNoiseMax
	return r
}

// givenTruth is what the questions of exercise (b) expect.
type givenTruth struct {
	layers     []string
	noise, cka []float64
	first      int // DefaultRule
	strict     int // StrictRule
}

// loadGiven returns the records the checks of exercise (b) read; tests
// replace it with constructed records.
var loadGiven = func() ([]nrc.Record, error) { return givenRun(false) }

func givenTruthValues() (*givenTruth, error) {
	recs, err := loadGiven()
	if err != nil {
		return nil, err
	}
	var g givenTruth
	g.layers, g.noise = layerSeries(recs, GivenRunName, nrc.MetricNoise)
	_, g.cka = layerSeries(recs, GivenRunName, nrc.MetricCKA)
	if len(g.layers) == 0 || len(g.cka) != len(g.noise) {
		return nil, fmt.Errorf("the run has no per-layer noise and CKA records")
	}
	g.first = nrc.DefaultRule().FirstCollapsed(g.noise, g.cka)
	g.strict = StrictRule().FirstCollapsed(g.noise, g.cka)
	return &g, nil
}

// layerIndex finds a layer name (case and spaces ignored); "none" gives -1.
func (g *givenTruth) layerIndex(name string) (int, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "none" {
		return -1, true
	}
	for i, l := range g.layers {
		if strings.ToLower(l) == name {
			return i, true
		}
	}
	return 0, false
}

// checkFirst builds the evaluator of a "first collapsed layer" question under
// rule; pick selects the expected index.
func checkFirst(rule func() nrc.CollapseRule, pick func(*givenTruth) int) func(any) Result {
	return func(a any) Result {
		s, ok := a.(string)
		if !ok {
			return typeHint(a, `a string: a layer name such as the ones in the table's layer column, or "none"`)
		}
		if strings.TrimSpace(s) == "" {
			return todo(`set the answer to the name of the first collapsed layer (or "none")`)
		}
		g, err := givenTruthValues()
		if err != nil {
			return wrong("could not load the run (%v); re-run the training cell", err)
		}
		got, ok := g.layerIndex(s)
		if !ok {
			return wrong("%q is not a probe of this run; use a name from the layer column of the table, or \"none\"", s)
		}
		want := pick(g)
		if got == want {
			return correct("")
		}
		rl := rule()
		if want == -1 {
			return wrong("check every layer from your answer up to the last one against both thresholds (%s)", rl)
		}
		if got == -1 {
			return wrong("some layer does qualify: walk back from the last probe while every layer has noise ≤ %g and CKA ≥ %g", rl.NoiseMax, rl.CKAMin)
		}
		qual := func(i int) bool { return g.noise[i] <= rl.NoiseMax && g.cka[i] >= rl.CKAMin }
		switch {
		case !qual(got) && g.noise[got] > rl.NoiseMax:
			return wrong("at %s the noise fraction is above the threshold %g, so it does not qualify", g.layers[got], rl.NoiseMax)
		case !qual(got):
			return wrong("at %s the noise is low enough, but the CKA with the targets is below %g: both conditions must hold", g.layers[got], rl.CKAMin)
		case got < want:
			return wrong("%s qualifies, but some later layer does not: the rule asks that collapse persist from the first collapsed layer to the last probe", g.layers[got])
		default:
			return wrong("%s qualifies, but it is not the first: an earlier layer already qualifies, and so does every layer after it", g.layers[got])
		}
	}
}

// Conditions a layer can fail, the answers of question b2.
const (
	FailsNoise = "noise"
	FailsCKA   = "cka"
	FailsBoth  = "both"
)

func checkWhy(a any) Result {
	s, ok := a.(string)
	if !ok {
		return typeHint(a, `a string: "noise", "cka" or "both"`)
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return todo(`say which condition fails at the layer just before the first collapsed one: "noise", "cka" or "both"`)
	}
	if s != FailsNoise && s != FailsCKA && s != FailsBoth {
		return wrong(`answer "noise", "cka" or "both", not %q`, s)
	}
	g, err := givenTruthValues()
	if err != nil {
		return wrong("could not load the run (%v); re-run the training cell", err)
	}
	rl := nrc.DefaultRule()
	i := g.first - 1
	if g.first == -1 {
		i = len(g.layers) - 1 // no collapsed layer: ask about the last probe
	}
	if i < 0 {
		return wrong("the first probe already collapses in this run, so no layer comes before it; answer for the last probe instead")
	}
	badNoise, badCKA := g.noise[i] > rl.NoiseMax, g.cka[i] < rl.CKAMin
	want := FailsBoth
	switch {
	case badNoise && !badCKA:
		want = FailsNoise
	case badCKA && !badNoise:
		want = FailsCKA
	}
	if s == want {
		return correct("")
	}
	if s == FailsBoth {
		return wrong("compare that layer's noise with %g and its CKA with %g separately: one of them passes", rl.NoiseMax, rl.CKAMin)
	}
	return wrong("look at that layer's row again and compare each of the two values with its own threshold (noise ≤ %g, CKA ≥ %g)", rl.NoiseMax, rl.CKAMin)
}

func init() {
	register("b1-first", "the first collapsed layer of the given run under nrc.DefaultRule() (a layer name)",
		checkFirst(nrc.DefaultRule, func(g *givenTruth) int { return g.first }))
	register("b2-why", `the condition that fails at the layer just before the first collapsed one ("noise", "cka" or "both")`, checkWhy)
	register("b3-strict", fmt.Sprintf("the first collapsed layer under the stricter rule noise ≤ %g (a layer name, or \"none\")", StrictNoiseMax),
		checkFirst(StrictRule, func(g *givenTruth) int { return g.strict }))
}
