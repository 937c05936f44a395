package experiment

import (
	"fmt"
	"math"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
)

// comparisonTables builds the run-vs-paper tables: one per column with
// reference numbers (layers × metrics, this run beside the paper), and one
// table of the first collapsed layers and onset epochs.
func comparisonTables(spec *Spec, res *Result) ([]Table, error) {
	var out []Table
	for ci := range spec.Columns {
		col := &spec.Columns[ci]
		var refs []Reference
		for _, r := range spec.Reference {
			if r.Column == col.Title {
				refs = append(refs, r)
			}
		}
		if len(refs) == 0 {
			continue
		}
		t, err := columnComparison(col, refs, res)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if len(res.Gamma) > 0 {
		t := Table{Title: "Optimal γ/λ_min of the last-layer NRC3: this run vs the paper",
			Header: []string{"column", "γ*/λ_min: this run (grid)", "closed form (Thm F.1)", "γ*/λ_min: paper", "λ_min", "NRC3(γ*)"}}
		for ci := range spec.Columns {
			col := &spec.Columns[ci]
			for _, g := range res.Gamma {
				if g.Run != col.Main().SeedRuns()[0] {
					continue
				}
				paper := "—"
				if col.PaperGammaRatio > 0 {
					paper = fmtVal(col.PaperGammaRatio)
				}
				cf := "—"
				if g.ClosedFormRatio != nil {
					cf = fmtVal(*g.ClosedFormRatio)
				}
				t.Rows = append(t.Rows, []string{col.Title, fmtVal(g.Ratio), cf, paper,
					fmtVal(g.Search.LambdaMin), fmtVal(g.Search.BestValue)})
			}
		}
		t.Note = "λ_min is that of the targets as trained (standardised); the paper's ratios are read from its Fig 4. The closed form minimises the un-normalised NRC3 and is \"—\" when it does not exist."
		out = append(out, t)
	}
	if len(res.Collapse) > 0 && spec.Kind == KindFigure && len(res.Gamma) == 0 {
		t := Table{Title: "First collapsed layer (green line) and onset epoch",
			Header: []string{"column", "first collapsed: this run", "first collapsed: paper", "onset epoch: this run", "onset epoch: paper"}}
		for _, c := range res.Collapse {
			t.Rows = append(t.Rows, []string{c.Column, orDash(c.Layer), orDash(c.Paper), epochOrDash(c.Onset), epochOrDash(c.PaperOnset)})
		}
		t.Note = "This run's line is computed with the rule: " + nrc0Rule(res) + ". The paper gives no threshold; its lines are read off its figures."
		out = append(out, t)
	}
	return out, nil
}

func nrc0Rule(res *Result) string {
	if len(res.Collapse) > 0 {
		return res.Collapse[0].Rule
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func epochOrDash(e int) string {
	if e == 0 {
		return "—"
	}
	return fmt.Sprint(e)
}

// fmtVal formats a metric value for a table.
func fmtVal(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a < 1e-2 || a >= 1e3:
		return fmt.Sprintf("%.2e", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func findRun(col *Column, name string) *RunSpec {
	if name == "" {
		return col.Main()
	}
	for i := range col.Runs {
		if col.Runs[i].Name == name {
			return &col.Runs[i]
		}
	}
	return nil
}

func columnComparison(col *Column, refs []Reference, res *Result) (Table, error) {
	t := Table{Title: "This run vs the paper: " + col.Title, Header: []string{"layer"}}
	var rowNames []string
	rowIdx := map[string]int{}
	addRow := func(name string) int {
		if i, ok := rowIdx[name]; ok {
			return i
		}
		rowIdx[name] = len(rowNames)
		rowNames = append(rowNames, name)
		return len(rowNames) - 1
	}
	type colVals struct{ run, paper map[int]float64 }
	var cols []colVals
	// Rows follow the main run's layers, so they are in network order.
	main := col.Main()
	mainLayers := res.Records.Run(main.SeedRuns()[0]).PerLayer().Layers()
	for _, l := range mainLayers {
		addRow(l)
	}
	used := map[int]bool{}
	for _, ref := range refs {
		rs := findRun(col, ref.Run)
		if rs == nil {
			return Table{}, fmt.Errorf("experiment: reference for column %q names run %q, which the column does not have", col.Title, ref.Run)
		}
		head := plot.DefaultTitle(ref.Metric)
		if ref.Run != "" && rs.Label != "" {
			head += " (" + rs.Label + ")"
		}
		t.Header = append(t.Header, head+": this run", head+": paper")
		cv := colVals{run: map[int]float64{}, paper: map[int]float64{}}
		if len(ref.Layers) == 0 && !ref.FromEnd {
			i := addRow("(whole network)")
			used[i] = true
			cv.paper[i] = ref.Values[0]
			if v, err := seedMeanValue(res.Records, rs, ref.Metric, false); err == nil {
				cv.run[i] = v
			}
			cols = append(cols, cv)
			continue
		}
		layers, vals, err := seedMeanSeries(res.Records, rs, ref.Metric, false, nrc.Final)
		if err != nil {
			layers, vals = nil, nil // the table shows "—" for this run
		}
		byLayer := map[string]float64{}
		for i, l := range layers {
			byLayer[l] = vals[i]
		}
		names := ref.Layers
		if ref.FromEnd {
			names = nil
			n := len(ref.Values)
			if len(layers) >= n {
				names = layers[len(layers)-n:]
			}
		}
		for i, l := range names {
			if i >= len(ref.Values) {
				break
			}
			r := addRow(l)
			used[r] = true
			cv.paper[r] = ref.Values[i]
			if v, ok := byLayer[l]; ok {
				cv.run[r] = v
			}
		}
		// This run's values at the other rows too, so the table shows the
		// whole profile.
		for l, v := range byLayer {
			if r, ok := rowIdx[l]; ok {
				if _, set := cv.run[r]; !set {
					cv.run[r] = v
				}
			}
		}
		cols = append(cols, cv)
	}
	for r, name := range rowNames {
		row := []string{name}
		filled := used[r]
		for _, c := range cols {
			rv, ok := c.run[r]
			if !ok {
				rv = math.NaN()
			}
			filled = filled || ok
			pv, ok := c.paper[r]
			if !ok {
				pv = math.NaN()
			}
			row = append(row, fmtVal(rv), fmtVal(pv))
		}
		if filled { // leave out rows with nothing to compare
			t.Rows = append(t.Rows, row)
		}
	}
	t.Note = "Paper values are read off its figures (±0.02); \"—\" where the paper gives no number at that layer."
	return t, nil
}
