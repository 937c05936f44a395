package plot

import "github.com/deepnrc/deepnrc/nrclib/nrc"

// MetricAxis is how a metric's values are drawn on a y axis, read from the
// metric catalogue of package nrc (nrc.Metrics): the axis label, the
// metric's domain (the y range never extends beyond it) and whether the
// axis is logarithmic by default.
type MetricAxis struct {
	// Label is the y axis label ("noise fraction", "probe MSE").
	Label string
	// Min and Max bound the metric's values: a linear axis is clamped to
	// [Min, Max] (±Inf for no bound).
	Min, Max float64
	// Log draws the metric on a log axis by default (errors).
	Log bool
}

// AxisOf returns how metric is drawn, from its catalogue entry. A metric
// outside the catalogue gets its own name as the label and an unbounded
// linear axis.
func AxisOf(metric string) MetricAxis {
	m := nrc.MustMetric(metric)
	return MetricAxis{Label: m.Axis, Min: m.Min, Max: m.Max, Log: m.Log}
}

// ReferenceLabel is the legend label of a reference line drawn at metric's
// value, e.g. "model train MSE" for nrc.MetricModelMSE.
func ReferenceLabel(metric string) string { return nrc.MustMetric(metric).ReferenceLabel() }

// DefaultTitle returns the paper's panel title for a metric name (its
// catalogue title), or the name itself for a metric the catalogue lacks.
func DefaultTitle(metric string) string { return nrc.MustMetric(metric).Title }
