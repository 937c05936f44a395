package nrc

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Results is a long-format results table with the questions every consumer
// of records asks: filters by run, epoch, layer and metric, the final epoch
// of a metric, per-layer series, run-level values and traces over epochs.
// It is a plain slice: convert with Results(records), range over it, append
// to it.
//
// The final epoch of a run's metric is always the largest epoch at which
// the run has a record of that metric (FinalEpoch); every query that takes
// an epoch reads Final as that epoch (0 is the epoch before training).
// Errors name what was asked and list what the records have instead.
type Results []Record

// Final, passed as an epoch, selects the final epoch of the run's metric.
const Final = -1

// Where returns the records for which keep is true, in order.
func (rs Results) Where(keep func(Record) bool) Results {
	var out Results
	for _, r := range rs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Run returns the records of one run.
func (rs Results) Run(name string) Results {
	return rs.Where(func(r Record) bool { return r.Run == name })
}

// AtEpoch returns the records of one epoch.
func (rs Results) AtEpoch(e int) Results {
	return rs.Where(func(r Record) bool { return r.Epoch == e })
}

// Metric returns the records of one metric.
func (rs Results) Metric(name string) Results {
	return rs.Where(func(r Record) bool { return r.Metric == name })
}

// Layer returns the records of one layer ("" for run-level records).
func (rs Results) Layer(name string) Results {
	return rs.Where(func(r Record) bool { return r.Layer == name })
}

// PerLayer returns the records that belong to a layer (Layer ≠ "").
func (rs Results) PerLayer() Results {
	return rs.Where(func(r Record) bool { return r.Layer != "" })
}

// firstSeen returns the distinct values of key, in order of first
// appearance, skipping "".
func (rs Results) firstSeen(key func(Record) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		k := key(r)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}

// Runs returns the run names in order of first appearance.
func (rs Results) Runs() []string { return rs.firstSeen(func(r Record) string { return r.Run }) }

// Layers returns the layer names in network order (the order of first
// appearance); run-level records are skipped.
func (rs Results) Layers() []string { return rs.firstSeen(func(r Record) string { return r.Layer }) }

// Metrics returns the metric names in order of first appearance.
func (rs Results) Metrics() []string { return rs.firstSeen(func(r Record) string { return r.Metric }) }

// Epochs returns the distinct epochs, ascending.
func (rs Results) Epochs() []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.Epoch)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// FinalEpoch returns the largest epoch at which run has a record of metric:
// the one definition of "the final epoch" in this project.
func (rs Results) FinalEpoch(run, metric string) (int, error) {
	best, found := math.MinInt, false
	for _, r := range rs {
		if r.Run == run && r.Metric == metric && r.Epoch > best {
			best, found = r.Epoch, true
		}
	}
	if !found {
		return 0, rs.missing(run, metric)
	}
	return best, nil
}

// FirstEpoch returns the smallest epoch at which run has a record of
// metric.
func (rs Results) FirstEpoch(run, metric string) (int, error) {
	best, found := math.MaxInt, false
	for _, r := range rs {
		if r.Run == run && r.Metric == metric && r.Epoch < best {
			best, found = r.Epoch, true
		}
	}
	if !found {
		return 0, rs.missing(run, metric)
	}
	return best, nil
}

// resolve returns epoch, or the final epoch of run's metric when epoch is
// Final.
func (rs Results) resolve(run, metric string, epoch int) (int, error) {
	if epoch != Final {
		return epoch, nil
	}
	return rs.FinalEpoch(run, metric)
}

// Series returns the per-layer values of metric for run at epoch (Final:
// the final epoch), layers in network order. Duplicate records, non-finite
// values and a metric absent at that epoch are errors.
func (rs Results) Series(run, metric string, epoch int) (layers []string, values []float64, err error) {
	if epoch, err = rs.resolve(run, metric, epoch); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if r.Run != run || r.Epoch != epoch || r.Metric != metric || r.Layer == "" {
			continue
		}
		if seen[r.Layer] {
			return nil, nil, fmt.Errorf("nrc: duplicate records for run %q, epoch %d, layer %q, metric %q; keep one record per (run, epoch, layer, metric)",
				run, epoch, r.Layer, metric)
		}
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
			return nil, nil, fmt.Errorf("nrc: metric %q of run %q at layer %q, epoch %d, is %v (not finite)",
				metric, run, r.Layer, epoch, r.Value)
		}
		seen[r.Layer] = true
		layers = append(layers, r.Layer)
		values = append(values, r.Value)
	}
	if len(layers) == 0 {
		return nil, nil, rs.missingAt(run, metric, epoch)
	}
	return layers, values, nil
}

// Value returns the run-level value (the record with Layer "") of metric
// for run at epoch (Final: the final epoch).
func (rs Results) Value(run, metric string, epoch int) (float64, error) {
	epoch, err := rs.resolve(run, metric, epoch)
	if err != nil {
		return 0, err
	}
	var v float64
	n := 0
	for _, r := range rs {
		if r.Run == run && r.Epoch == epoch && r.Metric == metric && r.Layer == "" {
			v = r.Value
			n++
		}
	}
	switch {
	case n == 0:
		return 0, fmt.Errorf("nrc: run-level metric %q (a record with Layer \"\") not found for run %q at epoch %d; run-level metrics there: %s",
			metric, run, epoch, quoteList(rs.Run(run).AtEpoch(epoch).Layer("").Metrics()))
	case n > 1:
		return 0, fmt.Errorf("nrc: %d records of run-level metric %q for run %q at epoch %d; keep one", n, metric, run, epoch)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("nrc: run-level metric %q of run %q at epoch %d is %v (not finite)", metric, run, epoch, v)
	}
	return v, nil
}

// Trace returns metric of run at one layer ("" for the run-level value)
// over the epochs, ascending.
func (rs Results) Trace(run, metric, layer string) (epochs []int, values []float64, err error) {
	byEpoch := map[int]float64{}
	for _, r := range rs {
		if r.Run != run || r.Metric != metric || r.Layer != layer {
			continue
		}
		if _, dup := byEpoch[r.Epoch]; dup {
			return nil, nil, fmt.Errorf("nrc: duplicate records for run %q, epoch %d, layer %q, metric %q", run, r.Epoch, layer, metric)
		}
		byEpoch[r.Epoch] = r.Value
	}
	if len(byEpoch) == 0 {
		if layer == "" {
			return nil, nil, rs.missing(run, metric)
		}
		return nil, nil, fmt.Errorf("nrc: no records of metric %q at layer %q for run %q; its layers: %s",
			metric, layer, run, quoteList(rs.Run(run).Metric(metric).Layers()))
	}
	for e := range byEpoch {
		epochs = append(epochs, e)
	}
	slices.Sort(epochs)
	for _, e := range epochs {
		values = append(values, byEpoch[e])
	}
	return epochs, values, nil
}

// MeasuredEpochs returns the epochs at which run has per-layer records,
// ascending.
func (rs Results) MeasuredEpochs(run string) []int { return rs.Run(run).PerLayer().Epochs() }

func (rs Results) missing(run, metric string) error {
	sel := rs.Run(run)
	if len(sel) == 0 {
		return fmt.Errorf("nrc: run %q not found in the records; runs present: %s", run, quoteList(rs.Runs()))
	}
	return fmt.Errorf("nrc: metric %q not found for run %q; its metrics: %s; layers available: %s",
		metric, run, quoteList(sel.Metrics()), quoteList(sel.Layers()))
}

func (rs Results) missingAt(run, metric string, epoch int) error {
	with := rs.Run(run).Metric(metric)
	if len(with) == 0 {
		return rs.missing(run, metric)
	}
	var es []string
	for _, e := range with.Epochs() {
		es = append(es, fmt.Sprint(e))
	}
	return fmt.Errorf("nrc: metric %q has no per-layer records for run %q at epoch %d; epochs with it: %s; layers available at that epoch: %s",
		metric, run, epoch, strings.Join(es, ", "), quoteList(rs.Run(run).AtEpoch(epoch).Layers()))
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
