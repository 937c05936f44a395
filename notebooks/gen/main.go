// Command gen writes the notebooks of deepnrc — the tour (00-tour) and one
// per paper figure and table, the latter from the experiment specs — so that every notebook has the same
// cell-by-cell shape and its text cannot drift from the code:
//
//	claim (with the paper's numbers) → the runs → data → model → training
//	with live progress → the records → a panel drawn with plot → the figure,
//	claims and this run vs the paper → what to notice → exercises.
//
// The cells call nrclib's public packages step by step (experiment, runs,
// data, model, train, nrc, plot); they hold no logic of their own. Notebooks are written without outputs. Run from the repository root:
//
//	go run ./notebooks/gen          # (re)write notebooks/*.ipynb
//	go run ./notebooks/gen -check   # fail if a notebook differs from its generated form
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// files names each experiment's notebook.
var files = map[string]string{
	"fig1": "fig1-resnets", "fig2": "fig2-mlps", "fig3": "fig3-intrinsic-dimension", "fig4": "fig4-weight-decay",
	"fig5": "fig5-loss-curves", "fig6": "fig6-reacher", "fig7": "fig7-sgemm", "fig8": "fig8-synthetic",
	"fig9": "fig9-sgemm-weight-decay", "table1": "table1-nc-vs-nrc", "table2": "table2-datasets",
	"nrc2024": "nrc2024-last-layer",
}

func main() {
	dir := flag.String("dir", "notebooks", "directory to write the notebooks into")
	check := flag.Bool("check", false, "only check that the notebooks in -dir match their generated form")
	flag.Parse()
	if err := run(*dir, *check); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string, check bool) error {
	var stale []string
	for _, id := range experiment.IDs() {
		name, ok := files[id]
		if !ok {
			return fmt.Errorf("experiment %s has no notebook name; add it to files", id)
		}
		nb, err := Notebook(id)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, name+".ipynb")
		if check {
			want, err := nb.Marshal()
			if err != nil {
				return err
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want) {
				stale = append(stale, path)
			}
			continue
		}
		if err := nb.Write(path); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	tour := Tour()
	path := filepath.Join(dir, tourFile+".ipynb")
	if check {
		want, err := tour.Marshal()
		if err != nil {
			return err
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
			stale = append(stale, path)
		}
	} else {
		if err := tour.Write(path); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	if len(stale) > 0 {
		return fmt.Errorf("%s differ from their generated form; run `go run ./notebooks/gen`", strings.Join(stale, ", "))
	}
	return nil
}

// setupCell is the first code cell of every figure notebook: the imports,
// the experiment's ID and three small helpers the later cells share (GoNB
// keeps a cell's declarations for the cells after it).
const setupCell = `import (
	"cmp"
	"context"
	"fmt"
	"os"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	"github.com/deepnrc/deepnrc/nrclib/plot/display"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// figure is the experiment this notebook reproduces.
const figure = %q

func must[T any](v T, err error) T {
	check(err)
	return v
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

// spec is the experiment's declaration at the scale $DEEPNRC_SCALE names
// (quick by default): its runs, panels, claims and the paper's numbers.
func spec() *experiment.Spec { return must(experiment.Get(figure, must(scale.FromEnv()))) }

// runner trains with the default run store (finished runs are read back,
// not retrained) and shows a live progress bar.
func runner() *runs.Runner {
	return must(runs.NewRunner(runs.Options{Progress: func(string) train.Progress { return train.NewProgress(os.Stderr) }}))
}

// trained trains every run of the experiment, or reads it from the store.
func trained() []runs.Trained { return must(experiment.Train(context.Background(), spec(), runner())) }

%%%%
s := spec()
fmt.Printf("%%s at %%s scale\n", s.Paper, s.Scale)
for _, r := range s.Runs() {
	fmt.Printf("- %%s (shared run %%q): %%s\n", r.Name, r.ID, r.Describe())
}`

// dataCell loads each dataset of the experiment and looks at it.
const dataCell = `%%
r := runner()
for _, run := range spec().DataRuns() {
	ds := must(r.Data(&run.Spec))
	fmt.Println(data.Describe(ds))
	check(ds.WritePreview(os.Stdout, 5))
	check(display.Plot(must(plot.Targets(ds, 2000))))
}`

// modelCell builds each network for its data and lists what is probed.
const modelCell = `%%
r := runner()
for _, run := range spec().DataRuns() {
	ds := must(r.Data(&run.Spec))
	var m model.Model = must(run.Model.Build(ds))
	fmt.Printf("%s: %s, %d inputs, %d outputs\n", run.Name, run.Model, ds.InputSize(), ds.TargetDim)
	for _, p := range m.Probes() {
		fmt.Printf("  probe %-16s width %d\n", p.Name, p.Width)
	}
}`

// trainCell trains every run with a live progress bar.
const trainCell = `%%
for _, t := range trained() {
	fmt.Println(t)
}`

// recordsCell queries the long-format records of each column's main run.
const recordsCell = `%%
records := runs.Records(trained())
rule := nrc.DefaultRule()
for _, run := range spec().MainRuns() {
	name := run.SeedRuns()[0]
	check(records.WriteTable(os.Stdout, name, nrc.Final, nil))
	fmt.Printf("first collapsed layer of %s (%s): %s\n\n", name, rule, cmp.Or(rule.FirstCollapsedLayer(records, name, nrc.Final), "none"))
}`

// layersCell draws one across-layer panel per column with package plot.
const layersCell = `%%%%
records := runs.Records(trained())
for _, run := range spec().MainRuns() {
	panel := plot.PanelSpec{
		Metric: %q, // any per-layer metric of nrc.Metrics()
		Run:    run.SeedRuns()[0],
		Curves: []plot.Curve{{Runs: run.SeedRuns(), Highlight: true}}, // seeds: mean and min–max band
		Title:  run.Name,
	}
	check(display.Plot(must(plot.AcrossLayers(records, panel))))
}`

// epochsCell draws a run-level metric over the epochs, per column.
const epochsCell = `%%%%
records := runs.Records(trained())
for _, run := range spec().MainRuns() {
	check(display.Plot(must(plot.OverEpochs(records, plot.EpochSpec{Run: run.SeedRuns()[0], Metrics: %s, Title: run.Name}))))
}`

// resultCell assembles what deepnrc reproduce writes: the figure, the
// claims evaluated on the records and the run-vs-paper tables.
const resultCell = `%%
result := must(experiment.Assemble(spec(), trained(), runner()))
if result.Figure != nil {
	check(display.Figure(result.Figure))
}
if result.Dynamics != nil { // beyond the paper: each run's collapse by layer and epoch
	check(display.Figure(result.Dynamics))
}
check(display.HTML(experiment.TablesHTML(result.Tables)))
check(display.HTML(experiment.OutcomesHTML(result.Outcomes)))
check(display.HTML(experiment.TablesHTML(result.Comparison)))`

// Notebook builds the notebook of experiment id: the steps deepnrc
// reproduce runs, one cell each, with nrclib's public API. Its text comes
// from the quick-scale spec (the notebooks' default).
func Notebook(id string) (*ipynb.Notebook, error) {
	spec, err := experiment.Get(id, scale.Quick)
	if err != nil {
		return nil, err
	}
	var cells []ipynb.Cell
	md := func(s string) { cells = append(cells, ipynb.Markdown(s)) }
	code := func(s string) { cells = append(cells, ipynb.Code(s)) }

	var claims strings.Builder
	for _, c := range spec.Claims {
		fmt.Fprintf(&claims, "- %s\n", c.Text)
	}
	md(fmt.Sprintf("# %s: %s\n\n**What it claims.** %s\n\n"+
		"Each cell below is one step of `deepnrc reproduce %s`, written with nrclib's public packages: the declaration of the runs "+
		"(`experiment`, `runs`), the data (`data`), the network (`model`), training (`train`, through a `runs.Runner`), the records (`nrc.Results`) "+
		"and the figure (`plot`). Change a step and re-run the cells below it. The scale is the environment variable `%s` "+
		"(`quick` by default: minutes on a laptop; `paper`: the paper's hyperparameters; `smoke`: a seconds-long check). "+
		"Finished runs are kept in the run store, so a cell that trains only trains once.\n\n"+
		"Claims checked on this run at the end:\n\n%s",
		spec.Paper, spec.Title, spec.Claim, spec.ID, scale.Env, claims.String()))
	code(fmt.Sprintf(setupCell, spec.ID))

	md("## The data\n\nEach dataset at this scale: its size and shapes, the structure of its training targets (Σ_Y's eigenvalues, rank and stable rank), " +
		"its first samples, and the targets themselves (a scatter of their first two principal components when t > 2: a line means a low intrinsic rank). " +
		"Swimmer, Reacher and Hopper are deepnrc's simulated MuJoCo data and the other datasets offline stand-ins, unless their real files are in the data directory (`deepnrc data`).")
	code(dataCell)
	md("## The model\n\nThe network each run trains, built for its data (the input size and number of outputs come from the dataset), and its probes: " +
		"the input of every Linear or conv layer, where the metrics are measured (conv features are globally average-pooled).")
	code(modelCell)
	if len(spec.Columns) > 0 {
		md("## Training\n\nTrains every run with a live progress bar, measuring the Deep NRC metrics at the logged epochs; a run already in the run store is read back instead. " +
			"To try a variation, redefine `spec` in a new cell — e.g. `func spec() *experiment.Spec { s := must(experiment.Get(figure, must(scale.FromEnv()))); " +
			"s.Columns[0].Runs[0].Train.WeightDecay = 0; return s }` — and re-run the cells below it: the changed run is a new run in the store.")
		code(trainCell)
		md("## The records\n\nEvery measurement is a long-format record (run, epoch, layer, metric, value); `nrc.Results` answers the questions asked of them. " +
			"Here: the metrics of each column's main run at its final epoch, layer by layer, and the first collapsed layer by the documented rule.")
		code(recordsCell)
		switch first := spec.Rows; {
		case len(first) > 0 && first[0].Kind == experiment.PanelEpochs:
			md("## Over the epochs\n\nThe run-level metrics of the figure's first row, drawn with `plot.OverEpochs`.")
			code(fmt.Sprintf(epochsCell, goStrings(first[0].Metrics)))
		case len(first) > 0 && first[0].Kind == experiment.PanelLayers:
			md("## Across the layers\n\nOne panel per column, drawn with `plot.AcrossLayers`: the metric of the figure's first row at the final epoch, layer by layer (with several seeds, their mean and min–max band). Change `Metric` to draw another row.")
			code(fmt.Sprintf(layersCell, first[0].Metrics[0]))
		default:
			md("## Across the layers\n\nThe noise component of each column's main run, layer by layer, drawn with `plot.AcrossLayers`.")
			code(fmt.Sprintf(layersCell, "noise"))
		}
	}
	if spec.Kind == experiment.KindFigure {
		md("## The figure, and this run against the paper\n\n`experiment.Assemble` turns the trained runs into what `deepnrc reproduce` writes: the figure in the paper's style " +
			"(purple ×, the green dotted line at the first collapsed layer computed with the documented rule, the red dashed target, log axes for errors), " +
			"each claim evaluated on this run's records with the numbers compared, and this run's values beside the paper's.")
		cells = append(cells, ipynb.Code(resultCell).ExpectSVG())
	} else {
		md("## The table, and this run against the paper\n\n`experiment.Assemble` builds the table from this run's records (or, for Table 2, from the datasets), evaluates the claims and compares with the paper's numbers.")
		code(resultCell)
	}

	var notice strings.Builder
	notice.WriteString("## What to notice\n\n")
	for _, n := range spec.Notice {
		fmt.Fprintf(&notice, "- %s\n", n)
	}
	notice.WriteString("\n## Exercises\n\n")
	for i, e := range spec.Exercises {
		fmt.Fprintf(&notice, "%d. %s\n", i+1, e)
	}
	md(notice.String())

	nb := ipynb.New(cells...)
	if spec.Kind == experiment.KindFigure {
		nb.ExpectSVG()
	}
	return nb, nil
}

// goStrings writes ss as a Go []string literal.
func goStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}
