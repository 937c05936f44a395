package nrc

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteTable writes one run's per-layer metrics at one epoch as an aligned
// text table: a row per layer in network order, a column per metric (nil
// means every per-layer metric present, in catalogue order, headed by its
// short name), "-" where a layer has no value; then a line with the
// run-level metrics of that epoch. run "" means the only run; epoch Final the
// last epoch with per-layer records. `deepnrc measure` and `deepnrc train`
// both print this table.
func (rs Results) WriteTable(w io.Writer, run string, epoch int, metrics []string) error {
	if run == "" {
		runs := rs.Runs()
		if len(runs) > 1 {
			return fmt.Errorf("nrc: the records hold %d runs (%s); name the one to tabulate", len(runs), quoteList(runs))
		}
		if len(runs) == 1 {
			run = runs[0]
		}
	}
	sel := rs.Run(run)
	if epoch == Final {
		if es := sel.MeasuredEpochs(run); len(es) > 0 {
			epoch = es[len(es)-1]
		}
	}
	at := sel.AtEpoch(epoch)
	layers := at.Layers()
	if len(layers) == 0 {
		return fmt.Errorf("nrc: no per-layer metrics for run %q at epoch %d; epochs with them: %v", run, epoch, sel.MeasuredEpochs(run))
	}
	present := map[string]bool{}
	for _, m := range at.PerLayer().Metrics() {
		present[m] = true
	}
	if metrics == nil {
		for _, m := range Metrics() {
			if m.Level == PerLayer && present[m.Name] {
				metrics = append(metrics, m.Name)
			}
		}
	}
	vals := map[[2]string]float64{}
	for _, r := range at.PerLayer() {
		vals[[2]string{r.Layer, r.Metric}] = r.Value
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"layer"}
	for _, m := range metrics {
		head = append(head, MustMetric(m).Short)
	}
	fmt.Fprintf(tw, "%s\t\n", strings.Join(head, "\t"))
	for _, l := range layers {
		row := []string{l}
		for _, m := range metrics {
			if v, ok := vals[[2]string{l, m}]; ok {
				row = append(row, FormatValue(v))
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
	for _, m := range Metrics() {
		if m.Level != PerRun {
			continue
		}
		if v, err := at.Value(run, m.Name, epoch); err == nil {
			parts = append(parts, fmt.Sprintf("%s %s", m.Name, FormatValue(v)))
		}
	}
	if len(parts) > 0 {
		_, err := fmt.Fprintf(w, "epoch %d: %s\n", epoch, strings.Join(parts, ", "))
		return err
	}
	return nil
}

// FormatValue formats a metric value with four significant digits (plain
// decimals for ordinary magnitudes, exponents for tiny or huge ones).
func FormatValue(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// WriteTable writes the report as an aligned text table, one row per layer
// with every per-layer metric of the catalogue (Results.WriteTable),
// followed by the sample count, the target stable ranks, the model MSE, the
// first collapsed layer with its rule, and the warnings. Values that need a
// missing weight print as "-".
func (r *Report) WriteTable(w io.Writer) error {
	if err := Results(r.Records("", 0)).WriteTable(w, "", Final, nil); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "N = %d samples, t = %d targets, rank k = %d\n", r.N, r.TargetDim, r.Rank)
	fmt.Fprintf(&b, "target stable rank: %.4f (Σλ/λ₁), %.4f (Σλ²/λ₁², the paper's convention)\n", r.TargetStableRank, r.TargetStableRankPaper)
	if r.ModelMSE != nil {
		fmt.Fprintf(&b, "model train MSE: %.4g\n", *r.ModelMSE)
	}
	if r.FirstCollapsed != nil {
		fmt.Fprintf(&b, "first collapsed layer: %s (%s)\n", *r.FirstCollapsed, r.Rule)
	} else {
		fmt.Fprintf(&b, "first collapsed layer: none (%s)\n", r.Rule)
	}
	for _, l := range r.Layers {
		for _, warn := range l.Warnings {
			fmt.Fprintf(&b, "warning: %s: %s\n", l.Name, warn)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
