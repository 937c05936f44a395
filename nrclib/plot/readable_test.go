package plot

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	gplot "gonum.org/v1/plot"
)

func labels(ts []gplot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

// Nice ticks are multiples of 1, 2 or 5 × 10^k, written with the fewest
// digits; integer ticks never fall between whole numbers.
func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		min, max float64
		integer  bool
		want     []string
	}{
		{0, 1, false, []string{"0", "0.2", "0.4", "0.6", "0.8", "1"}},
		{2.5, 12.5, false, []string{"4", "6", "8", "10", "12"}},
		{0.75, 0.85, false, []string{"0.76", "0.78", "0.8", "0.82", "0.84"}},
		{-0.3, 0.3, false, []string{"-0.2", "0", "0.2"}},
		{1, 6, true, []string{"1", "2", "3", "4", "5", "6"}},
		{1, 2, true, []string{"1", "2"}},
		{0, 1500, true, []string{"0", "500", "1000", "1500"}},
	} {
		ts := NiceTicks{Integer: tc.integer}.Ticks(tc.min, tc.max)
		if got := labels(ts); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("NiceTicks{%v}.Ticks(%g, %g) labels %q, want %q", tc.integer, tc.min, tc.max, got, tc.want)
		}
		for _, tk := range ts {
			if tk.Value < tc.min-1e-9 || tk.Value > tc.max+1e-9 || (tc.integer && tk.Value != math.Trunc(tk.Value)) {
				t.Errorf("NiceTicks{%v}.Ticks(%g, %g) has a tick at %g", tc.integer, tc.min, tc.max, tk.Value)
			}
		}
	}
}

// yRange returns the y axis range of a built panel and its labelled ticks.
func yRange(p *gplot.Plot) (lo, hi float64, ticks []string) {
	return p.Y.Min, p.Y.Max, labels(p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max))
}

// A bounded metric's axis stays within its domain even with a legend of
// four entries over data that reach the domain's edges (the old layout
// reserved legend room by stretching CKA down to -0.3 and alignments up to
// 1.2), and its ticks are nice.
func TestBoundedMetricsStayInDomain(t *testing.T) {
	layers := []string{"fc1", "fc2", "fc3", "fc4", "fc5"}
	var recs []nrc.Record
	var curves []Curve
	for k := range 4 {
		run := fmt.Sprintf("wd%d", k)
		for i, l := range layers {
			// CKA from 0.02 up to 0.99, noise from 0.98 down to 0.01.
			f := float64(i) / 4
			recs = append(recs,
				nrc.Record{Run: run, Epoch: 1, Layer: l, Metric: nrc.MetricCKA, Value: 0.02 + 0.97*f - 0.01*float64(k)},
				nrc.Record{Run: run, Epoch: 1, Layer: l, Metric: nrc.MetricNoise, Value: 0.98 - 0.97*f + 0.0},
				nrc.Record{Run: run, Epoch: 1, Layer: l, Metric: nrc.MetricWHAlignment, Value: 0.5 + 0.5*f},
				nrc.Record{Run: run, Epoch: 1, Layer: l, Metric: nrc.MetricStableRankW, Value: 12.5 - 2.5*float64(i)})
		}
		curves = append(curves, Curve{Label: "λ " + strconv.Itoa(k), Runs: []string{run}, Highlight: k == 0})
	}
	for _, tc := range []struct {
		metric string
		lo, hi float64
	}{
		{nrc.MetricCKA, 0, 1}, {nrc.MetricNoise, 0, 1}, {nrc.MetricWHAlignment, 0, 1},
		{nrc.MetricStableRankW, 0, math.Inf(1)},
	} {
		p, err := AcrossLayers(recs, PanelSpec{Metric: tc.metric, Curves: curves})
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, ticks := yRange(p)
		if lo < tc.lo || hi > tc.hi {
			t.Errorf("%s: y axis [%g, %g] leaves the domain [%g, %g]", tc.metric, lo, hi, tc.lo, tc.hi)
		}
		for _, l := range ticks {
			v, _ := strconv.ParseFloat(l, 64)
			if v < tc.lo || v > tc.hi || strings.HasSuffix(l, "0") && strings.Contains(l, ".") {
				t.Errorf("%s: tick label %q", tc.metric, l)
			}
		}
		if tc.metric != nrc.MetricWHAlignment && tc.hi == 1 && (hi != 1 || lo != 0) {
			t.Errorf("%s: data from about 0 to 1 should fill [0, 1], got [%g, %g]", tc.metric, lo, hi)
		}
		if tc.metric == nrc.MetricWHAlignment && (lo != 0.4 || hi != 1) {
			t.Errorf("WH alignment from 0.5 to 1: axis [%g, %g], want [0.4, 1] (5 %% padding rounded to 0.1 steps, capped at 1)", lo, hi)
		}
		if p.Y.Label.Text != AxisOf(tc.metric).Label || p.X.Label.Text != "layer" {
			t.Errorf("%s: axis labels %q / %q", tc.metric, p.X.Label.Text, p.Y.Label.Text)
		}
		// The legend sits above the data area: every legend text is higher
		// than the top tick label.
		d := render(t, p)
		top := math.Inf(-1)
		for _, tx := range numeric(d, "10px") {
			top = math.Max(top, tx.y)
		}
		n := 0
		for _, tx := range d.texts {
			if tx.size == "9.5px" {
				n++
				if tx.y <= top {
					t.Errorf("%s: legend %q at y %g is not above the top tick (y %g)", tc.metric, tx.text, tx.y, top)
				}
			}
		}
		if n != 4 {
			t.Errorf("%s: %d legend texts, want 4", tc.metric, n)
		}
	}
}

// Errors keep their log axis; the reference line is named as a model MSE.
func TestReferenceLabels(t *testing.T) {
	if got := ReferenceLabel(nrc.MetricModelMSE); got != "model train MSE" {
		t.Errorf("ReferenceLabel(model_mse) = %q", got)
	}
	if got := ReferenceLabel(nrc.MetricTargetStableRankPaper); got != "stable rank of Y" {
		t.Errorf("ReferenceLabel(target_stable_rank_paper) = %q", got)
	}
	if !AxisOf(nrc.MetricProbeMSE).Log || AxisOf(nrc.MetricCKA).Log {
		t.Error("probe MSE must be log, CKA linear")
	}
	if a := AxisOf("not_a_metric"); a.Label != "not_a_metric" || !math.IsInf(a.Min, -1) || !math.IsInf(a.Max, 1) {
		t.Errorf("unknown metric axis = %+v", a)
	}
	// Every metric name of nrc has an entry.
	for _, m := range []string{nrc.MetricNoise, nrc.MetricCKA, nrc.MetricCKAProjected, nrc.MetricCKAFirstT, nrc.MetricWHAlignment,
		nrc.MetricNoiseSubspaceAlignment, nrc.MetricProbeMSE, nrc.MetricProbeMSEPaper, nrc.MetricStableRankH, nrc.MetricStableRankHPaper,
		nrc.MetricStableRankW, nrc.MetricTargetStableRank, nrc.MetricTargetStableRankPaper, nrc.MetricModelMSE, nrc.MetricTrainMSE, nrc.MetricTestMSE} {
		if _, ok := nrc.LookupMetric(m); !ok {
			t.Errorf("metric %q has no axis entry", m)
		}
	}
}

// Epochs measured densely early (1, 2, …, 10, 20, …, 1500) get a log axis;
// evenly measured ones keep a linear axis with whole-number ticks.
func TestEpochAxis(t *testing.T) {
	var dense []nrc.Record
	for _, e := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 50, 100, 500, 1000, 1500} {
		dense = append(dense, nrc.Record{Run: "r", Epoch: e, Metric: "nrc1", Value: 0.5 + 1/float64(e)})
	}
	p, err := OverEpochs(dense, EpochSpec{Metrics: []string{"nrc1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.X.Scale.(gplot.LogScale); !ok {
		t.Errorf("dense-early epochs: x scale %T, want log", p.X.Scale)
	}
	if p.Y.Label.Text != "NRC1" || p.X.Label.Text != "epoch" {
		t.Errorf("labels %q / %q", p.X.Label.Text, p.Y.Label.Text)
	}
	if p.Y.Min < 0 || p.Y.Max > 1 {
		t.Errorf("NRC1 axis [%g, %g] outside [0, 1]", p.Y.Min, p.Y.Max)
	}
	p, err = OverEpochs(dense, EpochSpec{Metrics: []string{"nrc1"}, XScale: ScaleLinear})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.X.Scale.(gplot.LogScale); ok {
		t.Error("XScale linear gave a log axis")
	}
	p, err = OverEpochs(epochRecords(), EpochSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.X.Scale.(gplot.LogScale); ok {
		t.Error("evenly spaced epochs got a log axis")
	}
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if tk.Value != math.Trunc(tk.Value) {
			t.Errorf("epoch tick at %g", tk.Value)
		}
	}
}

// A long figure title is wrapped to the figure's width; the SVG names fonts
// with Liberation Serif's metrics as fallbacks.
func TestFigureTitleWrapsAndFonts(t *testing.T) {
	recs := mlpRun("r", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 0.1)
	p, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricNoise})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Single(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Title = strings.Repeat("a long title word ", 12)
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	d := parseSVG(t, svg)
	lines := d.textsOfSize("14px")
	if len(lines) < 2 {
		t.Fatalf("title in %d lines, want it wrapped: %q", len(lines), lines)
	}
	w, _ := f.Size()
	for _, l := range lines {
		if width := titleStyle().Width(l); width > w {
			t.Errorf("title line %q is %v wide, the figure %v", l, width, w)
		}
	}
	if got := strings.Join(strings.Fields(strings.Join(lines, " ")), " "); got != strings.TrimSpace(f.Title) {
		t.Errorf("wrapped title %q lost words", got)
	}
	if !strings.Contains(string(svg), "font-family:'Liberation Serif','Times New Roman'") || strings.Contains(string(svg), "font-family:Liberation Serif;") {
		t.Error("SVG fonts have no fallbacks")
	}
	// Every text carries its laid-out width: the title's first line as
	// measured in Liberation Serif at 14 pt.
	if n, m := strings.Count(string(svg), "<text "), strings.Count(string(svg), `lengthAdjust="spacingAndGlyphs"`); n == 0 || n != m {
		t.Errorf("%d texts, %d with a textLength", n, m)
	}
	want := fmt.Sprintf(`textLength="%.5g"`, titleStyle().Width(lines[0]).Points())
	if !strings.Contains(string(svg), want) {
		t.Errorf("no %s for the title's first line", want)
	}
}
