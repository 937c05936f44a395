package plot

import (
	"fmt"
	"math"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	gplot "gonum.org/v1/plot"
)

// EpochSpec describes a metric-vs-epoch panel; see OverEpochs.
type EpochSpec struct {
	// Run is the run to draw; "" means the only run that has the first
	// metric.
	Run string
	// Metrics are run-level metrics (records with Layer "") drawn against
	// the epoch, one curve each; nil means train and test MSE.
	Metrics []string
	// Labels are the legend entries, one per metric; nil means "train" and
	// "test" for the train/test MSE metrics and the metric names otherwise,
	// and no legend for a single metric (the y label names it).
	Labels []string
	// Title is the panel title; "" means the run name.
	Title string
	// XLabel and YLabel are the axis labels; "" means "epoch" and the first
	// metric's label (AxisOf).
	XLabel, YLabel string
	// YScale is the y axis scale; ScaleAuto is log for error metrics.
	YScale Scale
	// LogX puts the epoch axis on a log scale (epochs must then be ≥ 1).
	// Without it, XScale decides: ScaleAuto (the default) is log when the
	// epochs are all ≥ 1, span at least two decades and half of them lie in
	// the first tenth of the range (measurements dense early in training,
	// which a linear axis piles up at its left edge); ScaleLinear keeps it
	// linear.
	LogX   bool
	XScale Scale
	// MarkEpoch, when positive, draws the green dotted vertical line at
	// that epoch (e.g. where Deep NRC first appears).
	MarkEpoch int
	// LogFloor, when positive, clamps values below it on a log y axis; see
	// PanelSpec.LogFloor.
	LogFloor float64
	// Legend is ignored (see LegendPosition).
	Legend LegendPosition
}

// OverEpochs draws run-level metrics against the epoch (e.g. train and test
// MSE on a log y axis), the first curve in purple × and the others in the
// sweep colours, with an optional green dotted line at spec.MarkEpoch.
func OverEpochs(records []nrc.Record, spec EpochSpec) (*gplot.Plot, error) {
	metrics := spec.Metrics
	if metrics == nil {
		metrics = []string{nrc.MetricTrainMSE, nrc.MetricTestMSE}
	}
	if len(metrics) == 0 {
		return nil, fmt.Errorf("plot: EpochSpec.Metrics is empty; name at least one run-level metric")
	}
	labels := spec.Labels
	if labels == nil {
		labels = make([]string, len(metrics))
		for i, m := range metrics {
			switch {
			case m == nrc.MetricTrainMSE:
				labels[i] = "train"
			case m == nrc.MetricTestMSE:
				labels[i] = "test"
			case len(metrics) > 1:
				labels[i] = m
			}
		}
	}
	if len(labels) != len(metrics) {
		return nil, fmt.Errorf("plot: %d labels for %d metrics; give one label per metric or nil", len(labels), len(metrics))
	}
	run, err := resolveRun(records, metrics[0], spec.Run)
	if err != nil {
		return nil, err
	}
	title := spec.Title
	if title == "" {
		title = run
	}
	logY := spec.YScale.log(metrics[0])
	p := newPlot(title)
	p.X.Label.Text = firstNonEmpty(spec.XLabel, "epoch")
	p.Y.Label.Text = firstNonEmpty(spec.YLabel, AxisOf(metrics[0]).Label)
	p.X.Tick.Marker = NiceTicks{Integer: true}
	logX := spec.LogX || spec.XScale == ScaleLog
	if !logX && spec.XScale == ScaleAuto {
		pts, err := epochSeries(records, run, metrics[0])
		if err != nil {
			return nil, err
		}
		logX = denseEarly(pts)
	}
	var legend headerLegend

	if spec.MarkEpoch > 0 {
		// Added first so that the curves are drawn over it.
		p.Add(&VLine{X: float64(spec.MarkEpoch), LineStyle: CollapseLineStyle})
	}
	curves := make([]Curve, len(metrics))
	styles := assignStyles(curves)
	for i, m := range metrics {
		pts, err := epochSeries(records, run, m)
		if err != nil {
			return nil, err
		}
		for j := range pts {
			if logX && pts[j].x < 1 {
				return nil, fmt.Errorf("plot: epoch %v of metric %q cannot sit on a log epoch axis; drop epochs below 1 or set LogX false", pts[j].x, m)
			}
			if logY {
				what := fmt.Sprintf("metric %q of run %q at epoch %v", m, run, pts[j].x)
				if pts[j].mean, err = logValue(pts[j].mean, spec.LogFloor, what); err != nil {
					return nil, err
				}
				pts[j].lo, pts[j].hi = pts[j].mean, pts[j].mean
			}
		}
		thumbs, err := addCurve(p, pts, styles[i], false)
		if err != nil {
			return nil, err
		}
		if labels[i] != "" {
			legend.add(labels[i], thumbs...)
		}
	}
	legend.attach(p)
	if err := finishYAxis(p, metrics[0], logY); err != nil {
		return nil, err
	}
	if logX {
		if err := finishLogAxis(&p.X); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// denseEarly reports whether epochs (sorted) call for a log axis: all ≥ 1,
// spanning at least two decades, half of them in the first tenth of the
// range.
func denseEarly(pts []bandPoint) bool {
	if len(pts) < 4 {
		return false
	}
	lo, hi := pts[0].x, pts[len(pts)-1].x
	if lo < 1 || hi < 100*lo {
		return false
	}
	median := pts[len(pts)/2].x
	return median-lo < 0.1*(hi-lo)
}

// epochSeries returns the run-level values of metric for run, by epoch.
func epochSeries(records []nrc.Record, run, metric string) ([]bandPoint, error) {
	epochs, vals, err := nrc.Results(records).Trace(run, metric, "")
	if err != nil {
		return nil, fmt.Errorf("plot: run %q: %w", run, err)
	}
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("plot: metric %q of run %q at epoch %d is %v; only finite values can be plotted", metric, run, epochs[i], v)
		}
	}
	out := make([]bandPoint, len(epochs))
	for i, e := range epochs {
		v := vals[i]
		out[i] = bandPoint{x: float64(e), mean: v, lo: v, hi: v}
	}
	return out, nil
}
