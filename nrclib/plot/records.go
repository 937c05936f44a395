package plot

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// Layers returns the layer names of records in network order: the order of
// first appearance. Run-level records (Layer "") are skipped.
func Layers(records []nrc.Record) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range records {
		if r.Layer == "" || seen[r.Layer] {
			continue
		}
		seen[r.Layer] = true
		out = append(out, r.Layer)
	}
	return out
}

// Runs returns the run names of records in order of first appearance.
func Runs(records []nrc.Record) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range records {
		if seen[r.Run] {
			continue
		}
		seen[r.Run] = true
		out = append(out, r.Run)
	}
	return out
}

// Metrics returns the metric names of records in order of first appearance.
func Metrics(records []nrc.Record) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range records {
		if seen[r.Metric] {
			continue
		}
		seen[r.Metric] = true
		out = append(out, r.Metric)
	}
	return out
}

// runsWithMetric lists, in order of first appearance, the runs that have
// at least one record of metric.
func runsWithMetric(records []nrc.Record, metric string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range records {
		if r.Metric == metric && !seen[r.Run] {
			seen[r.Run] = true
			out = append(out, r.Run)
		}
	}
	return out
}

// resolveRun returns run when it is given, and otherwise the only run that
// has metric.
func resolveRun(records []nrc.Record, metric, run string) (string, error) {
	if run != "" {
		return run, nil
	}
	runs := runsWithMetric(records, metric)
	switch len(runs) {
	case 0:
		return "", missingMetric(records, metric)
	case 1:
		return runs[0], nil
	default:
		return "", fmt.Errorf("plot: metric %q is present in %d runs (%s); name the run to plot (Curve.Runs or Run)",
			metric, len(runs), quoteList(runs))
	}
}

// resolveEpoch returns epoch when it is positive, and otherwise the latest
// epoch at which run has metric.
func resolveEpoch(records []nrc.Record, run, metric string, epoch int) (int, error) {
	if epoch > 0 {
		return epoch, nil
	}
	best, found := math.MinInt, false
	for _, r := range records {
		if r.Run == run && r.Metric == metric && r.Epoch > best {
			best, found = r.Epoch, true
		}
	}
	if !found {
		return 0, missingInRun(records, metric, run)
	}
	return best, nil
}

// layerValues returns the values of metric per layer for one run and epoch.
// Duplicate records and non-finite values are errors.
func layerValues(records []nrc.Record, run string, epoch int, metric string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, r := range records {
		if r.Run != run || r.Epoch != epoch || r.Metric != metric || r.Layer == "" {
			continue
		}
		if _, dup := out[r.Layer]; dup {
			return nil, fmt.Errorf("plot: duplicate records for run %q, epoch %d, layer %q, metric %q; keep one record per (run, epoch, layer, metric)",
				run, epoch, r.Layer, metric)
		}
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
			return nil, fmt.Errorf("plot: metric %q of run %q at layer %q, epoch %d, is %v; only finite values can be plotted",
				metric, run, r.Layer, epoch, r.Value)
		}
		out[r.Layer] = r.Value
	}
	if len(out) == 0 {
		return nil, missingAtEpoch(records, metric, run, epoch)
	}
	return out, nil
}

// runValue returns the run-level (Layer "") value of metric for one run and
// epoch.
func runValue(records []nrc.Record, run string, epoch int, metric string) (float64, error) {
	var v float64
	n := 0
	for _, r := range records {
		if r.Run == run && r.Epoch == epoch && r.Metric == metric && r.Layer == "" {
			v = r.Value
			n++
		}
	}
	switch {
	case n == 0:
		return 0, fmt.Errorf("plot: run-level metric %q (a record with Layer \"\") not found for run %q at epoch %d; run-level metrics there: %s",
			metric, run, epoch, quoteList(metricsWhere(records, func(r nrc.Record) bool {
				return r.Run == run && r.Epoch == epoch && r.Layer == ""
			})))
	case n > 1:
		return 0, fmt.Errorf("plot: %d records of run-level metric %q for run %q at epoch %d; keep one", n, metric, run, epoch)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("plot: run-level metric %q of run %q at epoch %d is %v; only finite values can be plotted", metric, run, epoch, v)
	}
	return v, nil
}

func metricsWhere(records []nrc.Record, keep func(nrc.Record) bool) []string {
	var sel []nrc.Record
	for _, r := range records {
		if keep(r) {
			sel = append(sel, r)
		}
	}
	return Metrics(sel)
}

func missingMetric(records []nrc.Record, metric string) error {
	return fmt.Errorf("plot: metric %q not found in the records; metrics present: %s; layers available: %s",
		metric, quoteList(Metrics(records)), quoteList(Layers(records)))
}

func missingInRun(records []nrc.Record, metric, run string) error {
	var sel []nrc.Record
	for _, r := range records {
		if r.Run == run {
			sel = append(sel, r)
		}
	}
	if len(sel) == 0 {
		return fmt.Errorf("plot: run %q not found in the records; runs present: %s", run, quoteList(Runs(records)))
	}
	return fmt.Errorf("plot: metric %q not found for run %q; its metrics: %s; layers available: %s",
		metric, run, quoteList(Metrics(sel)), quoteList(Layers(sel)))
}

func missingAtEpoch(records []nrc.Record, metric, run string, epoch int) error {
	var sel []nrc.Record
	epochs := map[int]bool{}
	for _, r := range records {
		if r.Run == run && r.Metric == metric {
			epochs[r.Epoch] = true
		}
		if r.Run == run && r.Epoch == epoch {
			sel = append(sel, r)
		}
	}
	if len(epochs) == 0 {
		return missingInRun(records, metric, run)
	}
	var es []string
	for e := range epochs {
		es = append(es, fmt.Sprint(e))
	}
	sort.Slice(es, func(i, j int) bool { return len(es[i]) < len(es[j]) || len(es[i]) == len(es[j]) && es[i] < es[j] })
	return fmt.Errorf("plot: metric %q has no per-layer records for run %q at epoch %d; epochs with it: %s; layers available at that epoch: %s",
		metric, run, epoch, strings.Join(es, ", "), quoteList(Layers(sel)))
}

func quoteList(xs []string) string {
	if len(xs) == 0 {
		return "(none)"
	}
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
