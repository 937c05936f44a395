// Command gen writes the notebooks of deepnrc — the tour (00-tour) and one
// per paper figure and table, the latter from the experiment specs — so that every notebook has the same
// cell-by-cell shape and its text cannot drift from the code:
//
//	claim (with the paper's numbers) → data → model → training with live
//	progress → per-layer metrics → the figure inline → this run vs the
//	paper → what to notice → exercises.
//
// The cells call package nrclib/experiment/nb; they hold no logic of their
// own. Notebooks are written without outputs. Run from the repository root:
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

// Notebook builds the notebook of experiment id. Its text comes from the
// quick-scale spec (the notebooks' default).
func Notebook(id string) (*ipynb.Notebook, error) {
	spec, err := experiment.Get(id, experiment.Quick)
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
	md(fmt.Sprintf("# %s: %s\n\n**What it claims.** %s\n\nThis notebook reproduces it with `nrclib/experiment` (experiment `%s`). "+
		"It runs at the scale named by the environment variable `%s` (`quick` by default: minutes on a laptop; `paper`: the paper's "+
		"hyperparameters; `smoke`: a seconds-long check). Finished runs are kept in the run store, so re-running a cell does not retrain.\n\n"+
		"Claims checked on this run at the end:\n\n%s",
		spec.Paper, spec.Title, spec.Claim, spec.ID, experiment.ScaleEnv, claims.String()))
	code(fmt.Sprintf("import \"github.com/deepnrc/deepnrc/nrclib/experiment/nb\"\n\n// experiment is the figure this notebook reproduces.\nconst experiment = %q\n\n%%%%\nnb.MustOpen(experiment).ShowClaim()", spec.ID))

	md("## Data\n\nThe datasets at this scale: size, shapes, the structure of the training targets (Σ_Y's eigenvalues, rank and stable rank) and the first samples. " +
		"Swimmer, Reacher and Hopper are deepnrc's simulated MuJoCo data and the other datasets offline stand-ins, unless their real files are in the data directory (`deepnrc data`).")
	code("%%\nnb.MustOpen(experiment).ShowData()")

	if spec.Kind == experiment.KindFigure || len(experiment.DataRuns(spec)) > 0 {
		md("## Model\n\nThe networks, their probed layers (the input of every Linear or conv layer; conv features are globally average-pooled) and the training settings.")
		code("%%\nnb.MustOpen(experiment).ShowModel()")
	}
	if len(spec.Columns) > 0 {
		md("## Training\n\nTrains every run of the experiment with a live progress bar, measuring the Deep NRC metrics at the logged epochs. Runs already in the run store are read back instead.")
		code("%%\nnb.MustOpen(experiment).Train()")
	}
	if spec.Kind == experiment.KindFigure {
		md("## Per-layer metrics\n\nThe metrics of each column's main run at its last measured epoch: noise component (NRC1), CKA with the targets (NRC2), WH alignment (NRC3), linear-probe MSE (NRC4) and the stable ranks.")
		code("%%\nnb.MustOpen(experiment).ShowMetrics()")
		md("## The figure\n\nDrawn in the paper's style: purple × markers, the green dotted line at the first collapsed layer (computed with the documented rule), the red dashed target, log axes for errors.")
		cells = append(cells, ipynb.Code("%%\nnb.MustOpen(experiment).ShowFigure()").ExpectSVG())
	} else {
		md("## The table\n\nThe table, computed from this run.")
		code("%%\nnb.MustOpen(experiment).ShowFigure()")
	}
	md("## This run vs the paper\n\nEach claim evaluated on this run's records (with the numbers compared), and this run's values beside the paper's.")
	code("%%\nnb.MustOpen(experiment).ShowComparison()")

	var notice strings.Builder
	notice.WriteString("## What to notice\n\n")
	for _, n := range spec.Notice {
		fmt.Fprintf(&notice, "- %s\n", n)
	}
	notice.WriteString("\n## Exercises\n\n")
	for i, e := range spec.Exercises {
		fmt.Fprintf(&notice, "%d. %s\n", i+1, e)
	}
	notice.WriteString("\nTo change a run, edit the spec before running it, e.g.\n\n```go\n%%\ns := nb.MustOpen(experiment)\ns.Spec.Columns[0].Runs[0].Train.WeightDecay = 0\ns.Train()\ns.ShowFigure()\n```\n")
	md(notice.String())

	nb := ipynb.New(cells...)
	if spec.Kind == experiment.KindFigure {
		nb.ExpectSVG()
	}
	return nb, nil
}
