package plot

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// TableSpec selects what NewTable tabulates.
type TableSpec struct {
	// Run is the run to tabulate; "" means the only run in the records.
	Run string
	// Epoch is the epoch; 0 means the run's latest epoch.
	Epoch int
	// Metrics are the columns, in order; nil means every per-layer metric
	// of the run at that epoch, in order of first appearance.
	Metrics []string
	// Layers are the rows, in order; nil means the run's layers in network
	// order.
	Layers []string
	// Digits is the number of significant digits shown; 0 means 4.
	Digits int
}

// Table is a layers × metrics table of one run at one epoch.
type Table struct {
	Run   string
	Epoch int
	// Layers are the rows and Metrics the columns.
	Layers, Metrics []string
	// Values[i][j] is metric j at layer i; NaN where the records have no
	// value (e.g. weight metrics of a layer measured without its weight).
	Values [][]float64
	// RunMetrics and RunValues are the run-level records (Layer "") of the
	// run at that epoch, such as the model MSE and target stable ranks.
	RunMetrics []string
	RunValues  []float64
	// Digits is the number of significant digits shown.
	Digits int
}

// NewTable tabulates the records of one run and epoch.
func NewTable(records []nrc.Record, spec TableSpec) (*Table, error) {
	rs := nrc.Results(records)
	run := spec.Run
	if run == "" {
		runs := rs.Runs()
		switch len(runs) {
		case 0:
			return nil, fmt.Errorf("plot: no records to tabulate")
		case 1:
			run = runs[0]
		default:
			return nil, fmt.Errorf("plot: the records hold %d runs (%s); set TableSpec.Run to one of them", len(runs), quoteList(runs))
		}
	}
	inRun := rs.Run(run)
	if len(inRun) == 0 {
		return nil, fmt.Errorf("plot: run %q not found in the records; runs present: %s", run, quoteList(rs.Runs()))
	}
	es := inRun.Epochs()
	latest := es[len(es)-1]
	epoch := spec.Epoch
	if epoch <= 0 {
		epoch = latest
	}
	sel := inRun.AtEpoch(epoch)
	if len(sel) == 0 {
		return nil, fmt.Errorf("plot: run %q has no records at epoch %d; its latest epoch is %d", run, epoch, latest)
	}
	t := &Table{Run: run, Epoch: epoch, Layers: spec.Layers, Metrics: spec.Metrics, Digits: spec.Digits}
	if t.Digits <= 0 {
		t.Digits = 4
	}
	if t.Layers == nil {
		t.Layers = sel.Layers()
	}
	if t.Metrics == nil {
		t.Metrics = sel.PerLayer().Metrics()
	}
	row := map[string]int{}
	for i, l := range t.Layers {
		row[l] = i
	}
	col := map[string]int{}
	for j, m := range t.Metrics {
		col[m] = j
	}
	t.Values = make([][]float64, len(t.Layers))
	for i := range t.Values {
		t.Values[i] = make([]float64, len(t.Metrics))
		for j := range t.Values[i] {
			t.Values[i][j] = math.NaN()
		}
	}
	seen := make([]bool, len(t.Metrics))
	for _, r := range sel {
		if r.Layer == "" {
			t.RunMetrics = append(t.RunMetrics, r.Metric)
			t.RunValues = append(t.RunValues, r.Value)
			continue
		}
		i, okr := row[r.Layer]
		j, okc := col[r.Metric]
		if okr && okc {
			t.Values[i][j] = r.Value
			seen[j] = true
		}
	}
	for j, ok := range seen {
		if !ok && len(t.Layers) > 0 {
			return nil, fmt.Errorf("plot: metric %q has no per-layer records for run %q at epoch %d; metrics there: %s; layers available: %s",
				t.Metrics[j], run, epoch, quoteList(sel.PerLayer().Metrics()), quoteList(sel.Layers()))
		}
	}
	return t, nil
}

func (t *Table) format(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'g', t.Digits, 64)
}

// Markdown renders the table as a GitHub-flavoured markdown table, followed
// by the run-level values as a list.
func (t *Table) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**, epoch %d\n\n", mdEscape(t.Run), t.Epoch)
	b.WriteString("| layer |")
	for _, m := range t.Metrics {
		b.WriteString(" " + mdEscape(m) + " |")
	}
	b.WriteString("\n|---|")
	for range t.Metrics {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for i, l := range t.Layers {
		b.WriteString("| " + mdEscape(l) + " |")
		for j := range t.Metrics {
			b.WriteString(" " + t.format(t.Values[i][j]) + " |")
		}
		b.WriteString("\n")
	}
	if len(t.RunMetrics) > 0 {
		b.WriteString("\n")
		for k, m := range t.RunMetrics {
			fmt.Fprintf(&b, "- %s = %s\n", mdEscape(m), t.format(t.RunValues[k]))
		}
	}
	return b.String()
}

// mdEscape escapes the characters that would break a markdown table cell
// or be read as emphasis.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "_", `\_`, "*", `\*`, "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// HTML renders the table as an HTML fragment (a caption, a <table> and the
// run-level values as a list), with all names escaped.
func (t *Table) HTML() string {
	var b strings.Builder
	b.WriteString(`<table class="deepnrc-table">`)
	fmt.Fprintf(&b, "<caption>%s, epoch %d</caption>", html.EscapeString(t.Run), t.Epoch)
	b.WriteString("<thead><tr><th>layer</th>")
	for _, m := range t.Metrics {
		b.WriteString("<th>" + html.EscapeString(m) + "</th>")
	}
	b.WriteString("</tr></thead><tbody>")
	for i, l := range t.Layers {
		b.WriteString("<tr><td>" + html.EscapeString(l) + "</td>")
		for j := range t.Metrics {
			b.WriteString(`<td style="text-align:right">` + t.format(t.Values[i][j]) + "</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>\n")
	if len(t.RunMetrics) > 0 {
		b.WriteString("<ul>")
		for k, m := range t.RunMetrics {
			fmt.Fprintf(&b, "<li>%s = %s</li>", html.EscapeString(m), t.format(t.RunValues[k]))
		}
		b.WriteString("</ul>\n")
	}
	return b.String()
}
