package plot

import (
	"fmt"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// resolveRun returns run when it is given, and otherwise the only run that
// has metric.
func resolveRun(records nrc.Results, metric, run string) (string, error) {
	if run != "" {
		return run, nil
	}
	runs := records.Metric(metric).Runs()
	switch len(runs) {
	case 0:
		return "", fmt.Errorf("plot: metric %q not found in the records; metrics present: %s; layers available: %s",
			metric, quoteList(records.Metrics()), quoteList(records.Layers()))
	case 1:
		return runs[0], nil
	default:
		return "", fmt.Errorf("plot: metric %q is present in %d runs (%s); name the run to plot (Curve.Runs or Run)",
			metric, len(runs), quoteList(runs))
	}
}

// resolveEpoch returns epoch when it is positive, and otherwise the final
// epoch of run's metric.
func resolveEpoch(records nrc.Results, run, metric string, epoch int) (int, error) {
	if epoch > 0 {
		return epoch, nil
	}
	return records.FinalEpoch(run, metric)
}

// layerValues returns the values of metric per layer for one run and epoch.
func layerValues(records nrc.Results, run string, epoch int, metric string) (map[string]float64, error) {
	layers, vals, err := records.Series(run, metric, epoch)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(layers))
	for i, l := range layers {
		out[l] = vals[i]
	}
	return out, nil
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
