package experiment

import (
	"fmt"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	gplot "gonum.org/v1/plot"
)

// drawFigure draws the spec's panels from the result's records.
func drawFigure(spec *Spec, res *Result) (*plot.Figure, error) {
	type cell struct {
		p     *gplot.Plot
		title string
	}
	grid := make([][]cell, len(spec.Rows))
	for ri, row := range spec.Rows {
		grid[ri] = make([]cell, len(spec.Columns))
		for ci := range spec.Columns {
			p, err := drawPanel(spec, res, row, ci)
			if err != nil {
				return nil, fmt.Errorf("row %d (%s), column %q: %w", ri+1, strings.Join(row.Metrics, ", "), spec.Columns[ci].Title, err)
			}
			grid[ri][ci] = cell{p, spec.Columns[ci].Title}
		}
	}
	var fig *plot.Figure
	var err error
	if spec.Wrap > 0 {
		var flat []cell
		for ci := range spec.Columns {
			for ri := range spec.Rows {
				flat = append(flat, grid[ri][ci])
			}
		}
		cols := min(spec.Wrap, len(flat))
		rows := (len(flat) + cols - 1) / cols
		panels := make([][]*gplot.Plot, rows)
		for i := range panels {
			panels[i] = make([]*gplot.Plot, cols)
		}
		for i, c := range flat {
			if len(spec.Columns) > 1 {
				c.p.Title.Text = c.title
			}
			panels[i/cols][i%cols] = c.p
		}
		fig, err = plot.Grid(rows, cols, panels, nil)
	} else {
		panels := make([][]*gplot.Plot, len(grid))
		titles := make([]string, len(spec.Columns))
		for ri := range grid {
			panels[ri] = make([]*gplot.Plot, len(spec.Columns))
			for ci, c := range grid[ri] {
				panels[ri][ci] = c.p
			}
		}
		for ci, c := range spec.Columns {
			titles[ci] = c.Title
		}
		fig, err = plot.Grid(len(grid), len(spec.Columns), panels, titles)
	}
	if err != nil {
		return nil, err
	}
	fig.Title = fmt.Sprintf("%s, %s scale, as trained: %s", spec.Paper, spec.Scale, trainedModels(spec))
	return fig, nil
}

// trainedModels names the networks as trained at the spec's scale, column
// by column ("Reacher: 8-layer bias-free MLP, width 64"), so that a figure
// says what it shows rather than only the paper's setup. Columns with the
// same model and dataset share one entry.
func trainedModels(spec *Spec) string {
	var order []string
	cols := map[string][]string{}
	for _, c := range spec.Columns {
		seen := map[string]bool{}
		for _, r := range c.Runs {
			m := r.Model.String()
			if seen[m] {
				continue
			}
			seen[m] = true
			if _, ok := cols[m]; !ok {
				order = append(order, m)
			}
			cols[m] = append(cols[m], c.Title)
		}
	}
	parts := make([]string, len(order))
	for i, m := range order {
		parts[i] = strings.Join(cols[m], ", ") + ": " + m
	}
	return strings.Join(parts, "; ")
}

func isResNet(rs *RunSpec) bool { return rs.Model.ResNet != nil }

func drawPanel(spec *Spec, res *Result, row Panel, ci int) (*gplot.Plot, error) {
	col := &spec.Columns[ci]
	main := col.Main()
	var coll *Collapse
	for i := range res.Collapse {
		if res.Collapse[i].Column == col.Title {
			coll = &res.Collapse[i]
		}
	}
	switch row.Kind {
	case PanelEpochs:
		es := plot.EpochSpec{Run: main.SeedRuns()[0], Metrics: row.Metrics, Title: row.Title}
		if es.Title == "" {
			es.Title = "Loss (MSE)"
		}
		if coll != nil && coll.Onset > 0 {
			es.MarkEpoch = coll.Onset
		}
		es.LogFloor = 1e-12
		return plot.OverEpochs(res.Records, es)
	case PanelGamma:
		for _, g := range res.Gamma {
			if g.Run == main.SeedRuns()[0] {
				ratios := make([]float64, len(g.Search.Gammas))
				for i, v := range g.Search.Gammas {
					ratios[i] = v / g.Search.LambdaMin
				}
				title := row.Title
				if title == "" {
					title = "NRC3 vs γ/λ_min"
				}
				return plot.GammaCurve(plot.GammaSpec{Ratios: ratios, Values: g.Search.Values, Optimum: g.Ratio, Title: title})
			}
		}
		return nil, fmt.Errorf("no γ search for run %s (NRC3 needs at least two targets)", main.Name)
	}
	metric := row.Metrics[0]
	if len(row.PerColumn) > ci && row.PerColumn[ci] != "" {
		metric = row.PerColumn[ci]
	}
	metric = col.Metric(metric)
	ps := plot.PanelSpec{Metric: metric, Title: row.Title, TargetMetric: row.Target}
	if len(row.PerColumn) > 0 {
		ps.Title = ""
	}
	if row.Log {
		ps.YScale = plot.ScaleLog
	}
	if ps.YScale == plot.ScaleLog || metric == nrc.MetricProbeMSE || metric == nrc.MetricProbeMSEPaper {
		ps.LogFloor = 1e-12
	}
	switch {
	case len(col.Runs) > 1:
		for _, rs := range col.Runs {
			ps.Curves = append(ps.Curves, plot.Curve{Label: rs.Label, Runs: rs.SeedRuns(), Highlight: rs.Highlight})
		}
		ps.Run = main.SeedRuns()[0]
		ps.Legend = plot.LegendBottomRight
		if metric == nrc.MetricNoise || metric == nrc.MetricStableRankW {
			ps.Legend = plot.LegendTopRight
		}
	case len(row.Metrics) > 1:
		for i, m := range row.Metrics {
			label := m
			if i < len(row.Labels) {
				label = row.Labels[i]
			}
			ps.Curves = append(ps.Curves, plot.Curve{Label: label, Metric: col.Metric(m), Runs: main.SeedRuns(), Highlight: i == 0})
		}
		ps.Run = main.SeedRuns()[0]
	default:
		ps.Curves = []plot.Curve{{Runs: main.SeedRuns(), Highlight: true}}
		ps.Run = main.SeedRuns()[0]
	}
	if row.Target != "" {
		ps.TargetLabel = plot.ReferenceLabel(row.Target)
	}
	ps.Layers = res.Records.Run(main.SeedRuns()[0]).PerLayer().Layers()
	if isResNet(main) {
		ps.TickLabel = plot.ResNetTicks
	}
	if coll != nil && coll.Layer != "" {
		ps.FirstCollapsed = coll.Layer
	}
	return plot.AcrossLayers(res.Records, ps)
}

// dynamicsMetrics are the columns of the collapse-dynamics figure.
var dynamicsMetrics = []string{nrc.MetricNoise, nrc.MetricCKAProjected, nrc.MetricWHAlignment}

// drawDynamics draws, for each column's main run (first seed) with
// per-layer records at two or more epochs, a row of layer × epoch maps of
// dynamicsMetrics. It returns nil when no run qualifies.
func drawDynamics(spec *Spec, res *Result) (*plot.Figure, error) {
	var rows [][]*gplot.Plot
	var names []string
	for _, rs := range spec.MainRuns() {
		run := rs.SeedRuns()[0]
		if len(res.Records.MeasuredEpochs(run)) < 2 {
			continue
		}
		var row []*gplot.Plot
		for _, m := range dynamicsMetrics {
			if len(res.Records.Run(run).Metric(m).PerLayer()) == 0 {
				row = append(row, nil) // e.g. no WH alignment without weights
				continue
			}
			p, err := plot.CollapseDynamics(res.Records, plot.DynamicsSpec{Run: run, Metric: m,
				Title: fmt.Sprintf("%s: %s", rs.Name, nrc.MustMetric(m).Short)})
			if err != nil {
				return nil, err
			}
			row = append(row, p)
		}
		rows = append(rows, row)
		names = append(names, rs.Name)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	fig, err := plot.Grid(len(rows), len(dynamicsMetrics), rows, nil)
	if err != nil {
		return nil, err
	}
	fig.Title = fmt.Sprintf("%s, %s scale: collapse dynamics by layer and epoch (purple: collapsed — noise near 0, CKA and WH near 1; orange: not)", spec.Paper, spec.Scale)
	return fig, nil
}
