package main

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/exercise"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// Exercise (b): the first collapsed layer of a given run. The run is
// described from its declaration (exercise.GivenSpec) and its data.
func exFirstCollapsed() (notebookPair, error) {
	spec := exercise.GivenSpec(scale.Quick)
	ds, err := data.Load(spec.Dataset, spec.Data)
	if err != nil {
		return notebookPair{}, fmt.Errorf("exercise 2: %w", err)
	}
	run := fmt.Sprintf("A %s, trained with SGD and weight decay %g on the offline %s: %d inputs, t = %d targets",
		spec.Model, spec.Train.WeightDecay, ds.Kind(), ds.InputSize(), ds.TargetDim)
	return notebookPair{
		file:   "02-first-collapsed",
		title:  "Exercise 2: the first collapsed layer",
		checks: []string{"b1-first", "b2-why", "b3-strict"},
		cells: []cell{
			md(`
# Exercise 2: find the first collapsed layer, and justify it

**Goal.** Read a per-layer metrics table the way the paper does, and turn "the layers collapse from here on"
into a rule you can apply and defend.

The paper marks the *first collapsed layer* with a green dotted line but gives no threshold. deepnrc makes the
rule explicit (` + "`nrc.DefaultRule()`" + `): a layer **qualifies** when its noise fraction is at most 0.2 **and**
its linear CKA with the targets is at least 0.5; the first collapsed layer is the first layer from which
**every** later probe qualifies too (collapse persists to the output).

**The run.** ` + run + `. It is measured at its last epoch. Probe fc1 is the input X itself;
fc_k is the input of the k-th linear layer.

**Time:** about 20 minutes; the training cell takes about 20 s on two cores the first time, and is read back
from the run store afterwards.`),
			fig(`
import (
	"fmt"

	gplot "gonum.org/v1/plot"

	"github.com/deepnrc/deepnrc/nrclib/exercise"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	"github.com/deepnrc/deepnrc/nrclib/plot/display"
)

// must stops the cell with the library's error message when a call fails.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

%%
recs := must(exercise.GivenRun())
if err := display.Table(recs, plot.TableSpec{Run: exercise.GivenRunName,
	Metrics: []string{nrc.MetricNoise, nrc.MetricCKA, nrc.MetricStableRankH, nrc.MetricProbeMSE}}); err != nil {
	panic(err)
}
noise := must(plot.AcrossLayers(recs, plot.PanelSpec{Metric: nrc.MetricNoise}))
cka := must(plot.AcrossLayers(recs, plot.PanelSpec{Metric: nrc.MetricCKA}))
if err := display.Figure(must(plot.Grid(1, 2, [][]*gplot.Plot{{noise, cka}}, nil))); err != nil {
	panic(err)
}
fmt.Println("rule:", nrc.DefaultRule())`),
			md(`
## b1. Apply the rule

Write ` + "`firstCollapsed(records, rule)`" + `: it returns the name of the first collapsed layer under
` + "`rule`" + ` (thresholds ` + "`rule.NoiseMax`" + ` and ` + "`rule.CKAMin`" + `), or ` + "`\"none\"`" + `.
` + "`exercise.LayerValues`" + ` gives you the layer names and one metric's values in network order.
Write the loop yourself (nrclib has the rule built in, but the point is to see how it decides).`),
			answer(`
// firstCollapsed returns the first layer from which every later layer has noise ≤ rule.NoiseMax
// and CKA ≥ rule.CKAMin, or "none".
func firstCollapsed(records []nrc.Record, rule nrc.CollapseRule) string {
	layers, noise := exercise.LayerValues(records, exercise.GivenRunName, nrc.MetricNoise)
	_, cka := exercise.LayerValues(records, exercise.GivenRunName, nrc.MetricCKA)
	// TODO: walk the layers and apply the rule.
	_, _, _ = layers, noise, cka
	return ""
}`, `
// firstCollapsed returns the first layer from which every later layer has noise ≤ rule.NoiseMax
// and CKA ≥ rule.CKAMin, or "none".
func firstCollapsed(records []nrc.Record, rule nrc.CollapseRule) string {
	layers, noise := exercise.LayerValues(records, exercise.GivenRunName, nrc.MetricNoise)
	_, cka := exercise.LayerValues(records, exercise.GivenRunName, nrc.MetricCKA)
	first := "none"
	// Walk back from the last probe while layers qualify.
	for i := len(layers) - 1; i >= 0; i-- {
		if noise[i] > rule.NoiseMax || cka[i] < rule.CKAMin {
			break
		}
		first = layers[i]
	}
	return first
}`),
			code(`
%%
recs := must(exercise.GivenRun())
exercise.Check("b1-first", firstCollapsed(recs, nrc.DefaultRule()))`),
			md(`
## b2. Justify it

Why is the layer **just before** your answer not collapsed? Answer ` + "`\"noise\"`" + ` (its noise fraction is
too high), ` + "`\"cka\"`" + ` (its CKA is too low) or ` + "`\"both\"`" + `.`),
			answer(`
%%
recs := must(exercise.GivenRun())
layers, noise := exercise.LayerValues(recs, exercise.GivenRunName, nrc.MetricNoise)
_, cka := exercise.LayerValues(recs, exercise.GivenRunName, nrc.MetricCKA)
for i := range layers {
	fmt.Printf("%-4s noise %.3f  CKA %.3f\n", layers[i], noise[i], cka[i])
}
why := "" // TODO: "noise", "cka" or "both"
exercise.Check("b2-why", why)`, `
%%
recs := must(exercise.GivenRun())
layers, noise := exercise.LayerValues(recs, exercise.GivenRunName, nrc.MetricNoise)
_, cka := exercise.LayerValues(recs, exercise.GivenRunName, nrc.MetricCKA)
for i := range layers {
	fmt.Printf("%-4s noise %.3f  CKA %.3f\n", layers[i], noise[i], cka[i])
}
rule := nrc.DefaultRule()
first := firstCollapsed(recs, rule)
i := len(layers) - 1 // with no collapsed layer, look at the last probe
for j, l := range layers {
	if l == first {
		i = j - 1
	}
}
badNoise, badCKA := noise[i] > rule.NoiseMax, cka[i] < rule.CKAMin
why := "both"
if badNoise && !badCKA {
	why = "noise"
} else if badCKA && !badNoise {
	why = "cka"
}
fmt.Printf("layer before %s: %s (noise %.3f vs ≤ %g, CKA %.3f vs ≥ %g)\n", first, layers[i], noise[i], rule.NoiseMax, cka[i], rule.CKAMin)
exercise.Check("b2-why", why)`),
			md(`
## b3. A stricter rule

Thresholds are a choice. With the noise threshold lowered to 0.1 (` + "`exercise.StrictRule()`" + `), which layer
is first? If your ` + "`firstCollapsed`" + ` applies the rule rather than a remembered answer, this check passes
without new code.`),
			code(`
%%
recs := must(exercise.GivenRun())
fmt.Println("rule:", exercise.StrictRule())
exercise.Check("b3-strict", firstCollapsed(recs, exercise.StrictRule()))`),
			md(`
## In your own words

Write two or three sentences in this cell: where does this network collapse, which metric decides it, and how
would the answer move if the thresholds changed? Compare with the paper: in its 8-layer MLPs the NRC
conditions hold together in about the last 3–4 probes, from mid-network (fc5; the paper's Hopper line sits at
fc5). Does this ` + fmt.Sprint(spec.Model.MLP.Layers) + `-layer network fit that picture?`),
		},
	}, nil
}
