package main

import (
	"fmt"
	"strings"

	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/tour"
)

// tourFile is the tour notebook's name.
const tourFile = "00-tour"

// Tour builds the tour notebook: a small end-to-end run through package
// nrclib/tour (data, model, training with live progress, every metric in a
// table, every plot type, backend and scale switches). The cells only call
// tested library functions; the text names the runs from their declarations
// (tour.ForScale), and the cells print what the data and the specs say.
func Tour() *ipynb.Notebook {
	quick, paper := tour.ForScale(scale.Quick), tour.ForScale(scale.Paper).Main()
	var wds []string
	for _, sp := range quick.Specs {
		wds = append(wds, fmt.Sprint(sp.Train.WeightDecay))
	}
	cells := []ipynb.Cell{
		ipynb.Markdown(`# A tour of deepnrc

**Deep Neural Regression Collapse** (Rangamani & Unal, CPAL 2026): in the top layers of a well-trained regression network, layer by layer,

| condition | metric | collapsed when |
|:---|:---|:---|
| NRC1 | noise component: share of the features' variance outside their top-t principal subspace | → 0 |
| NRC2 | CKA between the features and the targets | → 1 |
| NRC3 | WH alignment: mean cosine of the principal angles between that subspace and the layer weight's top input subspace | → 1 |
| NRC4 | linear-probe MSE of the targets from the features | ≈ the network's own train MSE |

This tour trains a small bias-free MLP on the Swimmer data once per weight decay λ ∈ {` + strings.Join(wds, ", ") + `} (the first is the main run), measures every layer as it trains, and shows every kind of table and figure deepnrc makes. Each run is declared as a ` + "`runs.Spec`" + ` (data, architecture, training configuration, what is measured) and trained by a ` + "`runs.Runner`" + `, as every run of deepnrc is. At the default **quick** scale the runs take well under a minute on 2 cores; the run store keeps them, so re-running a cell is instant. The numbered notebooks (` + "`fig1-…`" + ` to ` + "`fig9-…`" + `, ` + "`table1-…`, `table2-…`, `nrc2024-…`" + `) reproduce the paper's figures the same way.

Every cell is its own Go program (GoNB): functions and imports declared in one cell carry over, values do not — so each cell asks ` + "`tour.Run`" + ` for the runs, which the store answers at once after the first time.`),
		ipynb.Code(`import (
	"context"
	"fmt"
	"os"

	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	"github.com/deepnrc/deepnrc/nrclib/plot/display"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/tour"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// must stops the cell with the error, if any.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// check stops the cell on an error.
func check(err error) {
	if err != nil {
		panic(err)
	}
}

%%
s := must(tour.FromEnv())
fmt.Printf("scale: %s (set %s to quick, smoke or paper)\n", s.Scale, scale.Env)
fmt.Printf("backend: %s; compiled in: %v\n", backend.Config(), backend.Compiled())`),
		ipynb.Markdown("## Data\n\nSwimmer (MuJoCo): the swimmer's state in, the controller's actions out; the cell loads the main run's data (its `Dataset` and `Data` options) and prints the sizes. Without the real `swimmer.csv` in the data directory (`deepnrc data info swimmer`), deepnrc uses the Swimmer data it simulated itself with MuJoCo 2.2.2 and an expert controller (shipped with deepnrc), and says so."),
		ipynb.Code(`%%
mainRun := must(tour.FromEnv()).Main()
ds := must(data.Load(mainRun.Dataset, mainRun.Data))
fmt.Println(ds.Description)
fmt.Println("source:", ds.Kind())
d, t := ds.InputSize(), ds.TargetDim
fmt.Printf("%d state dimensions in, %d actions out\n", d, t)
fmt.Println(data.Describe(ds))
for i := 0; i < 3; i++ {
	fmt.Printf("x = %6.3f  →  y = %6.3f\n", ds.Train.X[i*d:(i+1)*d], ds.Train.Y[i*t:(i+1)*t])
}`),
		ipynb.Markdown("## Model\n\nA bias-free MLP: Linear layers with ReLU between them. `Model.Build` takes its input size and number of outputs from the dataset. Each probe is the **input** of a Linear layer, so fc1 is the data itself. Below the probes, each run's declaration in one line (`Spec.Describe`): the optimiser is SGD with momentum and a MultiStepLR schedule."),
		ipynb.Code(`%%
s := must(tour.FromEnv())
mainRun := s.Main()
m := must(mainRun.Model.Build(must(data.Load(mainRun.Dataset, mainRun.Data))))
for _, p := range m.Probes() {
	fmt.Printf("%-4s width %d\n", p.Name, p.Width)
}
for _, spec := range s.Specs {
	fmt.Printf("%s: %s\n", tour.RunName(spec.Train.WeightDecay), spec.Describe())
}`),
		ipynb.Markdown("## Training, with live progress\n\nAt each logged epoch one pass over the training set feeds every probe's features into streaming statistics, from which every metric is computed."),
		ipynb.Code(`%%
res := must(tour.Run(context.Background(), must(tour.FromEnv()), train.NewProgress(os.Stderr)))
fmt.Printf("runs %v: %d records (run, epoch, layer, metric, value)\n", res.Runs, len(res.Records))
fmt.Printf("first collapsed layer of %s: %q (rule: %s)\n", res.Main, res.FirstCollapsed(res.Main), nrc.DefaultRule())`),
		ipynb.Markdown("## Every metric, per layer, at the last epoch"),
		ipynb.Code(`%%
res := must(tour.Run(context.Background(), must(tour.FromEnv()), nil))
check(display.TableHTML(res.Records, plot.TableSpec{Run: res.Main}))`),
		ipynb.Markdown("## Across layers, in the paper's style\n\nPurple × per layer, the green dotted line at the first collapsed layer, red dashed targets: the network's own train MSE for the prediction error, the targets' stable rank for the stable rank of H."),
		ipynb.Code(`%%
res := must(tour.Run(context.Background(), must(tour.FromEnv()), nil))
check(display.Figure(must(res.LayerFigure())))`).ExpectSVG(),
		ipynb.Markdown("## Weight decay, overlaid\n\nThe same metrics for both runs: without weight decay the weights stay high-rank and the alignment of features and weights (NRC3) is weaker — the paper's Figs 4 and 9."),
		ipynb.Code(`%%
res := must(tour.Run(context.Background(), must(tour.FromEnv()), nil))
check(display.Figure(must(res.SweepFigure())))`).ExpectSVG(),
		ipynb.Markdown("## Losses against epochs (log axes)"),
		ipynb.Code(`%%
res := must(tour.Run(context.Background(), must(tour.FromEnv()), nil))
check(display.Figure(must(res.LossFigure())))`).ExpectSVG(),
		ipynb.Markdown("## The last layer, as Andriopoulos et al. measure it\n\nNRC3(γ) compares W·Wᵀ with Σ_Y^½ − √γ·I; the curve over γ ∈ [0, λ_min] and its minimiser come from the last layer's W·Wᵀ and the targets' Σ_Y at the final measurement, which the run keeps because its spec asks for them (`Measure: train.Measure{LastLayer: true}`; `Result.LastLayer`)."),
		ipynb.Code(`%%
res := must(tour.Run(context.Background(), must(tour.FromEnv()), nil))
g := must(res.LastLayerGamma())
fmt.Printf("λ_min %.4g; best γ/λ_min %.3f; NRC3 there %.4f\n", g.LambdaMin, g.Best/g.LambdaMin, g.BestValue)
check(display.Figure(must(tour.GammaFigure(g))))`).ExpectSVG(),
		ipynb.Markdown(`## Switching backend and scale

- **Scale:** put ` + "`%env " + scale.Env + "=paper`" + ` (the paper's Swimmer network: ` + fmt.Sprintf("%s, %d epochs", paper.Model, paper.Train.Epochs) + `) or ` + "`smoke`" + ` in a cell before the others and re-run; **quick** is the default.
- **Backend:** the pure-Go backend is built in. With a build that has XLA (` + "`go build -tags xla`" + `, as in the Docker images) and a PJRT plugin installed, ` + "`%env GOMLX_BACKEND=xla:cpu`" + ` or ` + "`xla:cuda`" + ` moves training there. ` + "`deepnrc doctor`" + ` says what is installed and how to get what is missing.
- **Your own model:** export each layer's input features and weight from PyTorch as ` + "`.npy`" + ` and run ` + "`deepnrc measure --targets Y.npy --layer fc1=H1.npy:W1.npy …`" + ` (see the README).`),
	}
	return ipynb.New(cells...).ExpectSVG()
}
