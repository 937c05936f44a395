package train

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// TableMetrics are the per-layer metrics WriteLayerTable shows by default,
// in column order.
var TableMetrics = []string{
	nrc.MetricNoise, nrc.MetricCKA, nrc.MetricWHAlignment, nrc.MetricProbeMSE,
	nrc.MetricStableRankH, nrc.MetricStableRankW,
}

// LastMeasuredEpoch returns the largest epoch that has layer metrics in
// recs, or -1 when none has.
func LastMeasuredEpoch(recs []nrc.Record) int {
	last := -1
	for _, r := range recs {
		if r.Layer != "" && r.Epoch > last {
			last = r.Epoch
		}
	}
	return last
}

// WriteLayerTable writes the layer metrics of one epoch as an aligned
// table, one row per layer in the order the layers first appear, one
// column per metric (nil means TableMetrics); a missing value prints "-".
// The run-level values of that epoch (model, train and test MSE) follow.
func WriteLayerTable(w io.Writer, recs []nrc.Record, epoch int, metrics []string) error {
	if metrics == nil {
		metrics = TableMetrics
	}
	var layers []string
	vals := map[string]map[string]float64{}
	runLevel := map[string]float64{}
	for _, r := range recs {
		if r.Epoch != epoch {
			continue
		}
		if r.Layer == "" {
			runLevel[r.Metric] = r.Value
			continue
		}
		if vals[r.Layer] == nil {
			vals[r.Layer] = map[string]float64{}
			layers = append(layers, r.Layer)
		}
		vals[r.Layer][r.Metric] = r.Value
	}
	if len(layers) == 0 {
		return fmt.Errorf("train: no layer metrics at epoch %d", epoch)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "layer\t%s\t\n", strings.Join(metrics, "\t"))
	for _, l := range layers {
		row := []string{l}
		for _, m := range metrics {
			if v, ok := vals[l][m]; ok {
				row = append(row, formatValue(v))
			} else {
				row = append(row, "-")
			}
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var parts []string
	for _, m := range []string{nrc.MetricModelMSE, nrc.MetricTrainMSE, nrc.MetricTestMSE, nrc.MetricTargetStableRank} {
		if v, ok := runLevel[m]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", m, formatValue(v)))
		}
	}
	_, err := fmt.Fprintf(w, "epoch %d: %s\n", epoch, strings.Join(parts, ", "))
	return err
}

func formatValue(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return fmt.Sprintf("%.4g", v)
}
