package main

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/exercise"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// Exercise (c): weight decay — predict, run, explain. The runs are
// described from their declaration (exercise.SweepSpec) and their data.
func exWeightDecay() (notebookPair, error) {
	spec := exercise.SweepSpec(scale.Quick, 0)
	ds, err := data.Load(spec.Dataset, spec.Data)
	if err != nil {
		return notebookPair{}, fmt.Errorf("exercise 3: %w", err)
	}
	n := len(exercise.SweepLambdas)
	runs := fmt.Sprintf("The same %s, trained %d times on the paper's synthetic task (%d Gaussian inputs, "+
		"t = %d targets that depend on the input through a rank-%d bottleneck, so the metrics use k = r = %d), once\n"+
		"per weight decay λ ∈ {%s}, everything else equal.", spec.Model, n, ds.InputSize(), ds.TargetDim,
		spec.Train.Rank, spec.Train.Rank, commas(exercise.SweepLambdas))
	return notebookPair{
		file:   "03-weight-decay",
		title:  "Exercise 3: weight decay",
		checks: []string{"c0-predict", "c1-lowest-srank-w", "c2-underfit", "c3-why"},
		cells: []cell{
			md(`
# Exercise 3: weight decay — predict, run, explain

**Goal.** The paper claims that weight decay is *necessary* for deep neural regression collapse (in particular
for NRC3, the alignment of each layer's weights with its features) and that too much of it makes the network
underfit (§4.4). You will predict what weight decay does to a network, run the experiment, and explain it.

**The runs.** ` + runs + `

**Time:** about 25 minutes; training the ` + fmt.Sprint(n) + ` runs takes about a minute on two cores (once).

Two quantities matter here:
* the **stable rank of W**, ‖W‖²_F / ‖W‖²₂ = Σσ²/σ₁²: how many singular directions of a layer's weight carry
  its energy;
* the **noise fraction** of each layer's features (exercise 1).`),
			code(`
import (
	"fmt"
	"math"

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
fmt.Println("weight decays of the sweep:", exercise.SweepLambdas)`),
			md(`
## c0. Predict first

Before running anything: which λ will give the **lowest** stable rank of the hidden layers' weights? Write your
guess (one of the four values) and run the cell. Any λ of the sweep is accepted here; you will compare later.`),
			answer(`
// TODO: your prediction, one of exercise.SweepLambdas.
var prediction = math.NaN()

%%
exercise.Check("c0-predict", prediction)`, `
// The natural guess: the most weight decay (see c1 for what actually happens).
var prediction = 5e-2

%%
exercise.Check("c0-predict", prediction)`),
			md(`
## Run the sweep

Each run shows its progress; finished runs are read back from the run store.`),
			fig(`
%%
recs := must(exercise.WeightDecaySweep())
var curves []plot.Curve
for _, l := range exercise.SweepLambdas {
	curves = append(curves, plot.Curve{Label: exercise.SweepRunName(l), Runs: []string{exercise.SweepRunName(l)}})
}
var panels []*gplot.Plot
for _, m := range []string{nrc.MetricNoise, nrc.MetricStableRankW, nrc.MetricWHAlignment, nrc.MetricCKA} {
	panels = append(panels, must(plot.AcrossLayers(recs, plot.PanelSpec{Metric: m, Curves: curves})))
}
if err := display.Figure(must(plot.Grid(2, 2, [][]*gplot.Plot{panels[:2], panels[2:]}, nil))); err != nil {
	panic(err)
}
fmt.Printf("%-10s %12s\n", "run", "train MSE")
for _, l := range exercise.SweepLambdas {
	mse, _ := exercise.RunValue(recs, exercise.SweepRunName(l), nrc.MetricTrainMSE)
	fmt.Printf("%-10s %12.4g\n", exercise.SweepRunName(l), mse)
}`),
			md(`
## c1. Which λ gives the lowest stable rank of W?

Compute, for every λ, the mean stable rank of W over the hidden layers (` + "`exercise.MeanHiddenStableRankW`" + `)
and keep the λ with the smallest mean. Was your prediction right?`),
			answer(`
%%
recs := must(exercise.WeightDecaySweep())
lowest := math.NaN()
// TODO: loop over exercise.SweepLambdas, call exercise.MeanHiddenStableRankW(recs, λ), keep the λ of the smallest mean.
_ = recs // (remove once your code uses recs)
exercise.Check("c1-lowest-srank-w", lowest)
fmt.Printf("your prediction was λ = %g\n", prediction)`, `
%%
recs := must(exercise.WeightDecaySweep())
lowest, best := math.NaN(), math.Inf(1)
for _, l := range exercise.SweepLambdas {
	v := must(exercise.MeanHiddenStableRankW(recs, l))
	fmt.Printf("λ = %-6g mean stable rank W = %.2f\n", l, v)
	if v < best {
		lowest, best = l, v
	}
}
exercise.Check("c1-lowest-srank-w", lowest)
fmt.Printf("your prediction was λ = %g\n", prediction)`),
			md(`
## c2. Which λ underfits?

Which run fits its training set worst (highest final train MSE, ` + "`exercise.RunValue(recs, run, nrc.MetricTrainMSE)`" + `)?
Look at its noise-fraction curve too: a noise fraction of exactly 1 with CKA 0 means the layer's features are
constant over the whole training set.`),
			answer(`
%%
recs := must(exercise.WeightDecaySweep())
worst := math.NaN()
// TODO: the λ whose run has the highest final train MSE.
_ = recs // (remove once your code uses recs)
exercise.Check("c2-underfit", worst)`, `
%%
recs := must(exercise.WeightDecaySweep())
worst, highest := math.NaN(), math.Inf(-1)
for _, l := range exercise.SweepLambdas {
	mse, _ := exercise.RunValue(recs, exercise.SweepRunName(l), nrc.MetricTrainMSE)
	if mse > highest {
		worst, highest = l, mse
	}
}
exercise.Check("c2-underfit", worst)`),
			md(`
## c3. Explain

Why does weight decay lower the stable rank of W? Pick one letter.`),
			code(`
%%
for _, k := range []string{"a", "b", "c", "d"} {
	fmt.Printf("(%s) %s\n", k, exercise.WhyOptions[k])
}`),
			answer(`
%%
why := "" // TODO: "a", "b", "c" or "d"
exercise.Check("c3-why", why)`, `
%%
why := "b"
exercise.Check("c3-why", why)`),
			md(`
## What to notice

* With more weight decay the hidden weights concentrate on fewer singular directions (stable rank of W falls),
  and the noise fraction reaches 0 at a shallower layer: the network compresses its features earlier.
* Too much weight decay does not "collapse more": the network stops learning. Its features die (noise 1,
  CKA 0), its train MSE stays at the target variance, and its weights, which no longer get any gradient from
  the loss, only shrink as a whole, so their stable rank stays where initialisation put it.
* The paper's "right" λ sits between the two (Fig 4): enough decay to collapse and align, not so much that the
  network underfits. At this small scale, how clearly does the feature–weight alignment (NRC3) separate the
  runs? Write down what you see.`),
		},
	}, nil
}
