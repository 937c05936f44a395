package tour

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	gplot "gonum.org/v1/plot"
)

// LayerFigure draws the main run's final measurement across layers in the
// paper's style (2×3): noise, CKA, WH alignment, prediction error with the
// model's MSE as target, stable rank of H with the target's, stable rank
// of W; the green line marks the first collapsed layer.
func (r *Result) LayerFigure() (*plot.Figure, error) {
	first := r.FirstCollapsed(r.Main)
	specs := []plot.PanelSpec{
		{Metric: nrc.MetricNoise},
		{Metric: nrc.MetricCKA},
		{Metric: nrc.MetricWHAlignment},
		{Metric: nrc.MetricProbeMSE, TargetMetric: nrc.MetricModelMSE, TargetLabel: plot.ReferenceLabel(nrc.MetricModelMSE)},
		{Metric: nrc.MetricStableRankHPaper, TargetMetric: nrc.MetricTargetStableRankPaper, TargetLabel: plot.ReferenceLabel(nrc.MetricTargetStableRankPaper)},
		{Metric: nrc.MetricStableRankW},
	}
	panels := make([][]*gplot.Plot, 2)
	for i, s := range specs {
		s.Run, s.FirstCollapsed = r.Main, first
		p, err := plot.AcrossLayers(r.Records, s)
		if err != nil {
			return nil, err
		}
		panels[i/3] = append(panels[i/3], p)
	}
	return plot.Grid(2, 3, panels, nil)
}

// SweepFigure overlays every run (one per weight decay) across layers:
// noise, WH alignment and stable rank of W (1×3), the main run in purple.
func (r *Result) SweepFigure() (*plot.Figure, error) {
	var row []*gplot.Plot
	for _, metric := range []string{nrc.MetricNoise, nrc.MetricWHAlignment, nrc.MetricStableRankW} {
		s := plot.PanelSpec{Metric: metric}
		for i, run := range r.Runs {
			label := fmt.Sprintf("λ %g", r.Settings.Specs[i].Train.WeightDecay)
			s.Curves = append(s.Curves, plot.Curve{Label: label, Metric: metric, Runs: []string{run}, Highlight: run == r.Main})
		}
		p, err := plot.AcrossLayers(r.Records, s)
		if err != nil {
			return nil, err
		}
		row = append(row, p)
	}
	return plot.Grid(1, 3, [][]*gplot.Plot{row}, nil)
}

// LossFigure draws the main run's train and test MSE against the epoch on
// log axes.
func (r *Result) LossFigure() (*plot.Figure, error) {
	p, err := plot.OverEpochs(r.Records, plot.EpochSpec{
		Run: r.Main, Metrics: []string{nrc.MetricTrainMSE, nrc.MetricTestMSE},
		Labels: []string{"train", "test"}, Title: "Loss (" + r.Main + ")", LogX: true,
	})
	if err != nil {
		return nil, err
	}
	return plot.Single(p)
}

// GammaFigure draws the last-layer NRC3 against γ/λ_min with its minimiser.
func GammaFigure(g *nrc.GammaSearch) (*plot.Figure, error) {
	ratios := make([]float64, len(g.Gammas))
	for i, v := range g.Gammas {
		ratios[i] = v / g.LambdaMin
	}
	p, err := plot.GammaCurve(plot.GammaSpec{Ratios: ratios, Values: g.Values, Optimum: g.Best / g.LambdaMin})
	if err != nil {
		return nil, err
	}
	return plot.Single(p)
}
