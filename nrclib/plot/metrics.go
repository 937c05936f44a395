package plot

import (
	"math"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// MetricAxis is how a metric's values are drawn on a y axis: the axis label,
// the metric's domain (the y range never extends beyond it) and whether the
// axis is logarithmic by default.
type MetricAxis struct {
	// Label is the y axis label ("noise fraction", "probe MSE").
	Label string
	// Min and Max bound the metric's values: a linear axis is clamped to
	// [Min, Max] (±Inf for no bound).
	Min, Max float64
	// Log draws the metric on a log axis by default (errors).
	Log bool
	// Reference is the legend label of a reference line drawn at this
	// metric's value ("model train MSE"); "" for the metric's Label.
	Reference string
}

// metricAxes is the one table of metric labels and domains the figures use,
// keyed by the nrc.Metric* names. The last-layer metrics of the nrc2024
// experiment are keyed by their record names (experiment.MetricNRC1…3; this
// package cannot import experiment).
var metricAxes = map[string]MetricAxis{
	nrc.MetricNoise:                  {Label: "noise fraction", Min: 0, Max: 1},
	nrc.MetricCKA:                    {Label: "CKA", Min: 0, Max: 1},
	nrc.MetricCKAProjected:           {Label: "CKA (projected)", Min: 0, Max: 1},
	nrc.MetricCKAFirstT:              {Label: "CKA (first t neurons)", Min: 0, Max: 1},
	nrc.MetricWHAlignment:            {Label: "WH alignment", Min: 0, Max: 1},
	nrc.MetricNoiseSubspaceAlignment: {Label: "alignment", Min: 0, Max: 1},
	nrc.MetricProbeMSE:               {Label: "probe MSE", Min: 0, Max: math.Inf(1), Log: true},
	nrc.MetricProbeMSEPaper:          {Label: "probe MSE", Min: 0, Max: math.Inf(1), Log: true},
	nrc.MetricStableRankH:            {Label: "stable rank", Min: 0, Max: math.Inf(1)},
	nrc.MetricStableRankHPaper:       {Label: "stable rank", Min: 0, Max: math.Inf(1)},
	nrc.MetricStableRankW:            {Label: "stable rank", Min: 0, Max: math.Inf(1)},
	nrc.MetricTargetStableRank:       {Label: "stable rank", Min: 0, Max: math.Inf(1), Reference: "stable rank of Y"},
	nrc.MetricTargetStableRankPaper:  {Label: "stable rank", Min: 0, Max: math.Inf(1), Reference: "stable rank of Y"},
	nrc.MetricModelMSE:               {Label: "MSE", Min: 0, Max: math.Inf(1), Log: true, Reference: "model train MSE"},
	nrc.MetricTrainMSE:               {Label: "MSE", Min: 0, Max: math.Inf(1), Log: true, Reference: "train MSE"},
	nrc.MetricTestMSE:                {Label: "MSE", Min: 0, Max: math.Inf(1), Log: true, Reference: "test MSE"},
	// ‖h̃ − P h̃‖² of unit-norm features.
	"nrc1": {Label: "NRC1", Min: 0, Max: 1},
	"nrc2": {Label: "NRC2", Min: 0, Max: 1},
	// ‖A − B‖_F² of two unit-norm positive semi-definite matrices.
	"nrc3": {Label: "NRC3", Min: 0, Max: 2},
}

// AxisOf returns how metric is drawn. A metric outside the table gets its
// own name as the label and an unbounded linear axis.
func AxisOf(metric string) MetricAxis {
	if a, ok := metricAxes[metric]; ok {
		return a
	}
	return MetricAxis{Label: metric, Min: math.Inf(-1), Max: math.Inf(1)}
}

// ReferenceLabel is the legend label of a reference line drawn at metric's
// value, e.g. "model train MSE" for nrc.MetricModelMSE.
func ReferenceLabel(metric string) string {
	a := AxisOf(metric)
	if a.Reference != "" {
		return a.Reference
	}
	return a.Label
}
