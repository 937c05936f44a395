// Package nb is the notebook side of package experiment: the few calls a
// figure notebook makes, each of which displays one part of the story
// (claim, data, model, training, metrics, figure, comparison with the
// paper, what to notice, exercises) in a GoNB cell and ends with
// gonbui.Sync().
//
// A GoNB cell is a separate program, so every cell starts a new Session;
// the run store makes that cheap: only the training cell trains, every
// later cell reads the finished runs from the store.
//
//	s := nb.MustOpen("fig2") // scale from $DEEPNRC_SCALE, default quick
//	s.ShowClaim()
//	s.Train()                // live progress, then a summary
//	s.ShowFigure()
//
// Every Show method builds its output as HTML or markdown (the *HTML and
// *Markdown functions, testable outside a notebook) and displays it only
// when running inside GoNB.
package nb

import (
	"context"
	"fmt"
	"html"
	"os"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	"github.com/deepnrc/deepnrc/nrclib/plot/display"
	"github.com/deepnrc/deepnrc/nrclib/train"
	"github.com/janpfeifer/gonb/gonbui"
)

// Session is one notebook's experiment: its spec at the scale chosen by
// $DEEPNRC_SCALE and the options of its runs.
type Session struct {
	// Spec is the experiment; edit it (e.g. a run's weight decay) before
	// Train to try a variation.
	Spec *experiment.Spec
	// Options are passed to experiment.Run; Open sets none (the default
	// run store, data directory and backend).
	Options experiment.Options
	res     *experiment.Result
}

// Open returns the session of experiment id at the scale named by
// $DEEPNRC_SCALE (default quick).
func Open(id string) (*Session, error) {
	s, err := experiment.ScaleFromEnv()
	if err != nil {
		return nil, err
	}
	spec, err := experiment.Get(id, s)
	if err != nil {
		return nil, err
	}
	return &Session{Spec: spec}, nil
}

// MustOpen is Open for notebooks: it panics with the error, which the
// notebook runner reports as a failed cell.
func MustOpen(id string) *Session {
	s, err := Open(id)
	if err != nil {
		panic(err)
	}
	return s
}

func (s *Session) must(err error) {
	if err != nil {
		panic(fmt.Sprintf("%s: %v", s.Spec.ID, err))
	}
}

// show displays HTML in the notebook and waits for it to be delivered.
func show(h string) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.DisplayHTML(h)
	gonbui.Sync()
}

// ShowClaim displays what the figure claims, with the paper's numbers, the
// machine-checked claims and the scale.
func (s *Session) ShowClaim() { show(ClaimHTML(s.Spec)) }

// ClaimHTML is what ShowClaim displays.
func ClaimHTML(spec *experiment.Spec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<h3>%s: %s</h3><p>%s</p>", esc(spec.Paper), esc(spec.Title), esc(spec.Claim))
	if len(spec.Claims) > 0 {
		b.WriteString("<p>Checked on this run at the end of the notebook:</p><ul>")
		for _, c := range spec.Claims {
			fmt.Fprintf(&b, "<li>%s</li>", esc(c.Text))
		}
		b.WriteString("</ul>")
	}
	fmt.Fprintf(&b, "<p><b>Scale: %s</b> (set %s=quick|paper|smoke before starting the kernel to change it).</p>", esc(string(spec.Scale)), experiment.ScaleEnv)
	return b.String()
}

// ShowData loads each dataset of the experiment and displays its summary
// and a preview of its first training samples.
func (s *Session) ShowData() {
	h, err := DataHTML(s.Spec, s.Options)
	s.must(err)
	show(h)
}

// DataHTML is what ShowData displays.
func DataHTML(spec *experiment.Spec, opt experiment.Options) (string, error) {
	var b strings.Builder
	seen := map[string]bool{}
	for _, rs := range experiment.DataRuns(spec) {
		key := fmt.Sprintf("%s|%+v", rs.Dataset, rs.Data)
		if seen[key] {
			continue
		}
		seen[key] = true
		d := rs.Data
		if opt.DataDir != "" {
			d.Dir = opt.DataDir
		}
		if opt.Source != "" {
			d.Source = opt.Source
		}
		ds, err := data.Load(rs.Dataset, d)
		if err != nil {
			return "", err
		}
		sum := data.Describe(ds)
		fmt.Fprintf(&b, "<h4>%s</h4><pre>%s</pre>", esc(ds.Name), esc(sum.String()))
		b.WriteString(previewHTML(ds, 5))
	}
	return b.String(), nil
}

// previewHTML tabulates the first rows of the training split: up to 6
// input values and every target.
func previewHTML(ds *data.Dataset, rows int) string {
	rows = min(rows, ds.Train.N)
	in, t := ds.InputSize(), ds.TargetDim
	show := min(in, 6)
	var b strings.Builder
	b.WriteString("<table><tr>")
	for j := 0; j < show; j++ {
		fmt.Fprintf(&b, "<th>x[%d]</th>", j)
	}
	if show < in {
		fmt.Fprintf(&b, "<th>… (%d inputs)</th>", in)
	}
	for j := 0; j < t; j++ {
		fmt.Fprintf(&b, "<th>y[%d]</th>", j)
	}
	b.WriteString("</tr>")
	for i := 0; i < rows; i++ {
		b.WriteString("<tr>")
		for j := 0; j < show; j++ {
			fmt.Fprintf(&b, "<td>%.4g</td>", ds.Train.X[i*in+j])
		}
		if show < in {
			b.WriteString("<td>…</td>")
		}
		for j := 0; j < t; j++ {
			fmt.Fprintf(&b, "<td>%.4g</td>", ds.Train.Y[i*t+j])
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}

// ShowModel displays each run's network, its probed layers and its
// training settings.
func (s *Session) ShowModel() {
	h, err := ModelHTML(s.Spec)
	s.must(err)
	show(h)
}

// ModelHTML is what ShowModel displays.
func ModelHTML(spec *experiment.Spec) (string, error) {
	var b strings.Builder
	b.WriteString("<ul>")
	for _, rs := range experiment.DataRuns(spec) {
		m, err := rs.Model.Build()
		if err != nil {
			return "", err
		}
		var names []string
		for _, p := range m.Probes() {
			names = append(names, fmt.Sprintf("%s (%d)", p.Name, p.Width))
		}
		c := rs.Train
		fmt.Fprintf(&b, "<li><b>%s</b>: %s on %s; %d epochs, batch %d, lr %g, weight decay %g, momentum %g; %d probes: %s</li>",
			esc(rs.Name), esc(rs.Model.String()), esc(rs.Dataset), c.Epochs, c.BatchSize, c.LearningRate, c.WeightDecay, c.Momentum,
			len(names), esc(strings.Join(names, ", ")))
	}
	b.WriteString("</ul><p>Notes:</p><ul>")
	for _, n := range spec.Notes {
		fmt.Fprintf(&b, "<li>%s</li>", esc(n))
	}
	b.WriteString("</ul>")
	return b.String(), nil
}

// Train runs the experiment with a live progress display (runs already in
// the store are not retrained) and displays which runs were trained and
// how long they took.
func (s *Session) Train() *experiment.Result {
	opt := s.Options
	opt.Progress = func(string) train.Progress { return train.NewProgress(os.Stderr) }
	res, err := experiment.Run(context.Background(), s.Spec, opt)
	s.must(err)
	s.res = res
	var b strings.Builder
	b.WriteString("<ul>")
	for _, r := range res.Runs {
		how := "trained"
		if r.Cached {
			how = "from the run store"
		}
		fmt.Fprintf(&b, "<li>%s: %s in %s</li>", esc(r.Name), how, r.Elapsed.Round(1e6))
	}
	fmt.Fprintf(&b, "</ul><p>Backend: %s. Total %s.</p>", esc(res.Backend), res.Elapsed.Round(1e6))
	show(b.String())
	return res
}

// Result returns the experiment's result, running it (from the store when
// finished) on first use, without a progress display.
func (s *Session) Result() *experiment.Result {
	if s.res == nil {
		res, err := experiment.Run(context.Background(), s.Spec, s.Options)
		s.must(err)
		s.res = res
	}
	return s.res
}

// ShowMetrics displays the per-layer metrics of each column's main run at
// its last measured epoch (or, for table experiments, the tables).
func (s *Session) ShowMetrics() {
	res := s.Result()
	if s.Spec.Kind == experiment.KindTable {
		show(TablesHTML(res.Tables))
		return
	}
	for _, run := range experiment.MainRuns(s.Spec) {
		recs := experiment.RunRecords(res.Records, run)
		if !hasLayerRecords(recs) {
			continue
		}
		if gonbui.IsNotebook {
			gonbui.DisplayHTML("<h4>" + esc(run) + "</h4>")
		}
		s.must(display.TableHTML(recs, plot.TableSpec{Run: run, Metrics: []string{nrc.MetricNoise, nrc.MetricCKA,
			nrc.MetricWHAlignment, nrc.MetricProbeMSE, nrc.MetricStableRankHPaper, nrc.MetricStableRankW}}))
	}
	if gonbui.IsNotebook {
		gonbui.Sync()
	}
}

func hasLayerRecords(recs []nrc.Record) bool {
	for _, r := range recs {
		if r.Layer != "" {
			return true
		}
	}
	return false
}

// ShowFigure displays the figure inline as SVG (table experiments show
// their tables instead).
func (s *Session) ShowFigure() {
	res := s.Result()
	if res.Figure == nil {
		show(TablesHTML(res.Tables))
		return
	}
	s.must(display.Figure(res.Figure))
}

// ShowComparison displays the claims evaluated on this run and the
// run-vs-paper tables.
func (s *Session) ShowComparison() { show(ComparisonHTML(s.Result())) }

// ComparisonHTML is what ShowComparison displays.
func ComparisonHTML(res *experiment.Result) string {
	var b strings.Builder
	b.WriteString("<h4>Claims</h4><ul>")
	for _, o := range res.Outcomes {
		mark := `<span style="color:#2a9d3f"><b>holds</b></span>`
		if !o.Holds {
			mark = `<span style="color:#d62828"><b>does not hold</b></span>`
		}
		fmt.Fprintf(&b, "<li>%s: %s<ul>", mark, esc(o.Text))
		for _, d := range o.Details {
			fmt.Fprintf(&b, "<li><code>%s</code></li>", esc(d))
		}
		b.WriteString("</ul></li>")
	}
	b.WriteString("</ul>")
	b.WriteString(TablesHTML(res.Comparison))
	return b.String()
}

// TablesHTML renders tables as HTML.
func TablesHTML(tables []experiment.Table) string {
	var b strings.Builder
	for _, t := range tables {
		fmt.Fprintf(&b, "<h4>%s</h4><table><tr>", esc(t.Title))
		for _, h := range t.Header {
			fmt.Fprintf(&b, "<th>%s</th>", esc(h))
		}
		b.WriteString("</tr>")
		for _, row := range t.Rows {
			b.WriteString("<tr>")
			for _, c := range row {
				fmt.Fprintf(&b, "<td>%s</td>", esc(c))
			}
			b.WriteString("</tr>")
		}
		b.WriteString("</table>")
		if t.Note != "" {
			fmt.Fprintf(&b, "<p><i>%s</i></p>", esc(t.Note))
		}
	}
	return b.String()
}

// ShowNotice displays what to notice and the exercises.
func (s *Session) ShowNotice() { show(NoticeHTML(s.Spec)) }

// NoticeHTML is what ShowNotice displays.
func NoticeHTML(spec *experiment.Spec) string {
	var b strings.Builder
	if len(spec.Notice) > 0 {
		b.WriteString("<h4>What to notice</h4><ul>")
		for _, n := range spec.Notice {
			fmt.Fprintf(&b, "<li>%s</li>", esc(n))
		}
		b.WriteString("</ul>")
	}
	if len(spec.Exercises) > 0 {
		b.WriteString("<h4>Exercises</h4><ol>")
		for _, n := range spec.Exercises {
			fmt.Fprintf(&b, "<li>%s</li>", esc(n))
		}
		b.WriteString("</ol>")
	}
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }
