package main

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/exercise"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// Exercise (d): the intrinsic dimension of an unseen task. The tasks and
// the network are described from package exercise's constants and the
// runs' declaration (exercise.CalibrationSpec).
func exIntrinsicDim() notebookPair {
	spec := exercise.CalibrationSpec(scale.Quick, exercise.CalibrationRanks[0])
	tasks := fmt.Sprintf("x ~ N(0, I%s) and y = x·M + small noise, with t = %d targets and a map M of rank r. The same\n"+
		"%s, weight decay %g, is trained on\n"+
		"* %d **calibration** tasks whose rank is known: r = %s;\n"+
		"* one **unseen** task whose rank is hidden (between 1 and %d). The check knows it; the notebook never prints it.",
		subscript(exercise.LowRankInputDim), exercise.LowRankTargetDim, spec.Model, spec.Train.WeightDecay,
		len(exercise.CalibrationRanks), list(exercise.CalibrationRanks), exercise.MaxHiddenRank)
	return notebookPair{
		file:   "04-intrinsic-dimension",
		title:  "Exercise 4: intrinsic dimension",
		checks: []string{"d1-rank"},
		cells: []cell{
			md(`
# Exercise 4: infer the intrinsic dimension of an unseen task

**Goal.** The paper (§4.3, Fig 3) finds that deep networks learn the *intrinsic* dimension of a regression
task: when the targets depend on the input only through r < t directions, the top layers' features collapse
onto about r directions, not t. You will use that to infer r for a task whose r you are not told.

**The tasks.** ` + tasks + `

**Your seed.** Your teacher may give your group a seed: change the value below (each seed hides its own r).

**Time:** about 20 minutes; the ` + fmt.Sprint(len(exercise.CalibrationRanks)+1) + ` runs train in about 40 s on two cores (once).`),
			code(`%env DEEPNRC_EXERCISE_SEED=1`),
			code(`
import (
	"fmt"
	"math"
	"strings"

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

// runNames lists the calibration runs, then the unseen one.
func runNames() []string {
	var names []string
	for _, r := range exercise.CalibrationRanks {
		names = append(names, exercise.CalibrationRunName(r))
	}
	return append(names, exercise.UnseenRunName)
}

// allRuns trains (or loads) every run of this exercise.
func allRuns() []nrc.Record {
	return append(must(exercise.CalibrationRuns()), must(exercise.UnseenRun())...)
}

%%
ds := must(exercise.UnseenTask())
fmt.Println(ds.Description)
fmt.Printf("train: %d samples, test: %d samples, t = %d\n", ds.Train.N, ds.Test.N, ds.TargetDim)`),
			md(`
## Train and look

The first figure shows the **stable rank of each layer's features**, Σλ/λ₁ of Σ_H, across the layers for every
run (log axis: fc1, the raw input, sits near 16); the second the **noise fraction with k = 1**. The table below gives, at the last probe, the share of the
variance carried by each principal component (evr1 ≥ evr2 ≥ …).`),
			fig(`
%%
recs := allRuns()
var curves []plot.Curve
for _, name := range runNames() {
	curves = append(curves, plot.Curve{Label: name, Runs: []string{name}, Highlight: name == exercise.UnseenRunName})
}
sr := must(plot.AcrossLayers(recs, plot.PanelSpec{Metric: nrc.MetricStableRankH, Curves: curves, YScale: plot.ScaleLog}))
noise := must(plot.AcrossLayers(recs, plot.PanelSpec{Metric: nrc.MetricNoise, Curves: curves, Title: "noise fraction (k = 1)"}))
if err := display.Figure(must(plot.Grid(1, 2, [][]*gplot.Plot{{sr, noise}}, nil))); err != nil {
	panic(err)
}
fmt.Printf("%-8s %10s", "run", "srank top")
for j := 1; j <= exercise.LowRankTargetDim; j++ {
	fmt.Printf(" %6s", exercise.EVRMetric(j))
}
fmt.Println()
for _, name := range runNames() {
	_, s := exercise.LayerValues(recs, name, nrc.MetricStableRankH)
	fmt.Printf("%-8s %10.2f", name, s[len(s)-1])
	for j := 1; j <= exercise.LowRankTargetDim; j++ {
		_, v := exercise.LayerValues(recs, name, exercise.EVRMetric(j))
		fmt.Printf(" %6.3f", v[len(v)-1])
	}
	fmt.Println()
}
fmt.Println(strings.Repeat("-", 70))`),
			md(`
## d1. What is r?

Use the calibration runs to learn how a task's rank shows in the top layers (does the number of components that
carry variance equal r? does the stable rank?), then read the unseen run the same way. Set ` + "`r`" + ` to your
estimate. The check tells you whether it is right and, if not, what to look at (never the answer).`),
			answer(`
%%
recs := allRuns()
r := 0 // TODO: your estimate of the unseen task's rank
_ = recs // (remove once your code uses recs)
exercise.Check("d1-rank", r)`, `
%%
recs := allRuns()
// components counts, at the last probe of a run, the principal components carrying at least 1% of the variance.
components := func(run string) int {
	n := 0
	for j := 1; j <= exercise.LowRankTargetDim; j++ {
		_, v := exercise.LayerValues(recs, run, exercise.EVRMetric(j))
		if v[len(v)-1] >= 0.01 {
			n++
		}
	}
	return n
}
// Calibrate: how many more components than r do the known tasks show?
offset := 0.0
for _, k := range exercise.CalibrationRanks {
	c := components(exercise.CalibrationRunName(k))
	fmt.Printf("known r = %d: %d components\n", k, c)
	offset += float64(c - k)
}
offset /= float64(len(exercise.CalibrationRanks))
c := components(exercise.UnseenRunName)
r := c - int(math.Round(offset))
fmt.Printf("unseen: %d components, calibration offset %.1f, so r = %d\n", c, offset, r)
exercise.Check("d1-rank", r)`),
			md(`
## What to notice

* fc1 is the input: its stable rank is about 20/1.2 whatever the task. The rank of the task only shows up in
  the deeper layers, which compress the features onto the directions the targets need.
* The count of components that carry variance in the top layers is close to r, but not necessarily equal: a
  ReLU network needs an extra direction or so to represent a linear map, which is why the calibration runs
  with known r are useful.
* The stable rank Σλ/λ₁ is at most the rank and falls below it when the eigenvalues differ, so read it
  *against* the calibration curves rather than as a number.
* The paper's SGEMM run (t = 4) collapses onto one direction: its learned intrinsic dimension is 1.`),
		},
	}
}
