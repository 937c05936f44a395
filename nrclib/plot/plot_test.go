package plot

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func toXYs(pts [][2]float64) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, p := range pts {
		out[i] = plotter.XY{X: p[0], Y: p[1]}
	}
	return out
}

const (
	purple = "#7B2CBF"
	green  = "#2A9D3F"
	red    = "#D62828"
	salmon = "#FA8072"
	dotted = "1.5,2.5"
	dashed = "6,3"
)

func render(t *testing.T, p *gplot.Plot) svgDoc {
	t.Helper()
	f, err := Single(p)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	return parseSVG(t, svg)
}

// nonNumeric returns the texts that are not numbers (tick labels of the
// layer axis), and numeric the ones that are (value-axis tick labels).
func nonNumeric(xs []string) []string {
	var out []string
	for _, x := range xs {
		if _, err := strconv.ParseFloat(x, 64); err != nil {
			out = append(out, x)
		}
	}
	return out
}

func numeric(d svgDoc, size string) []svgText {
	var out []svgText
	for _, t := range d.texts {
		if _, err := strconv.ParseFloat(t.text, 64); err == nil && t.size == size {
			out = append(out, t)
		}
	}
	return out
}

// nearColour reports whether two #RRGGBB colours differ by at most tol in
// every channel.
func nearColour(a, b string, tol int64) bool {
	if len(a) != 7 || len(b) != 7 {
		return false
	}
	for i := 1; i < 7; i += 2 {
		x, err1 := strconv.ParseInt(a[i:i+2], 16, 0)
		y, err2 := strconv.ParseInt(b[i:i+2], 16, 0)
		if err1 != nil || err2 != nil || x-y > tol || y-x > tol {
			return false
		}
	}
	return true
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestAcrossLayersPaperStyle(t *testing.T) {
	recs := mlpRun("swimmer", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 0.025)
	p, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricNoise, FirstCollapsed: "fc5"})
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, p)
	if got := d.textsOfSize("12px"); !reflect.DeepEqual(got, []string{"Noise component"}) {
		t.Errorf("titles = %q, want the paper's \"Noise component\"", got)
	}
	if got := nonNumeric(d.textsOfSize("10px")); !reflect.DeepEqual(got, mlpLayers) {
		t.Errorf("x tick labels = %q, want %q", got, mlpLayers)
	}
	solid := d.stroked(purple, "")
	ms := markers(solid)
	if len(ms) != len(mlpLayers) {
		t.Fatalf("%d purple × markers, want %d", len(ms), len(mlpLayers))
	}
	// One joining line through the marker centres.
	var lines int
	for _, p := range solid {
		pts, moves := p.points()
		if moves == 1 && len(pts) == len(mlpLayers) {
			lines++
			for i, q := range pts {
				if !near(q[0], ms[i][0], 0.02) || !near(q[1], ms[i][1], 0.02) {
					t.Errorf("line point %d = %v, marker at %v", i, q, ms[i])
				}
			}
		}
	}
	if lines != 1 {
		t.Errorf("%d joining lines, want 1", lines)
	}
	// Layers are equally spaced and the y position is affine in the value.
	dx := ms[1][0] - ms[0][0]
	slope := (ms[1][1] - ms[0][1]) / (swimmerNoise[1] - swimmerNoise[0])
	for i := range ms {
		if i > 0 && !near(ms[i][0]-ms[i-1][0], dx, 0.02) {
			t.Errorf("marker %d not equally spaced", i)
		}
		want := ms[0][1] + slope*(swimmerNoise[i]-swimmerNoise[0])
		if !near(ms[i][1], want, 0.03) {
			t.Errorf("marker %d at y=%.3f, want %.3f for value %v", i, ms[i][1], want, swimmerNoise[i])
		}
	}
	// The green dotted vertical line sits on fc5.
	gl := d.stroked(green, dotted)
	if len(gl) != 1 {
		t.Fatalf("%d green dotted lines, want 1", len(gl))
	}
	if x, ok := gl[0].straight(true); !ok || !near(x, ms[4][0], 0.02) {
		t.Errorf("green line at x=%v (vertical %v), want fc5's x=%v", x, ok, ms[4][0])
	}
	if n := len(d.stroked(red, dashed)); n != 0 {
		t.Errorf("%d red target lines without a target, want 0", n)
	}
}

func TestPredictionErrorLogAxis(t *testing.T) {
	probe := []float64{1e-1, 3e-2, 1e-2, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4}
	recs := mlpRun("sgemm", swimmerNoise, swimmerCKA, swimmerWH, probe, 1e-4)
	p, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricProbeMSE, TargetMetric: nrc.MetricModelMSE, FirstCollapsed: "fc4"})
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, p)
	if got := d.textsOfSize("12px"); !reflect.DeepEqual(got, []string{"Prediction error"}) {
		t.Errorf("titles = %q", got)
	}
	// Log axis: one label per decade, equally spaced.
	labels := numeric(d, "10px")
	var texts []string
	for _, l := range labels {
		texts = append(texts, l.text)
	}
	if want := []string{"1e-4", "1e-3", "0.01", "0.1"}; !reflect.DeepEqual(texts, want) {
		t.Fatalf("y tick labels = %q, want %q", texts, want)
	}
	step := labels[1].y - labels[0].y
	for i := 2; i < len(labels); i++ {
		if !near(labels[i].y-labels[i-1].y, step, 0.02) {
			t.Errorf("decade labels not equally spaced: %v", labels)
		}
	}
	// Markers: y is affine in log10(value), with the decade step per unit.
	ms := markers(d.stroked(purple, ""))
	if len(ms) != len(probe) {
		t.Fatalf("%d markers, want %d", len(ms), len(probe))
	}
	for i := range ms {
		want := ms[0][1] + step*(math.Log10(probe[i])-math.Log10(probe[0]))
		if !near(ms[i][1], want, 0.05) {
			t.Errorf("marker %d at y=%.3f, want %.3f (log axis)", i, ms[i][1], want)
		}
	}
	// The red dashed target (model MSE = 1e-4) runs through fc8's marker.
	rl := d.stroked(red, dashed)
	if len(rl) != 1 {
		t.Fatalf("%d red dashed lines, want 1", len(rl))
	}
	if y, ok := rl[0].straight(false); !ok || !near(y, ms[7][1], 0.05) {
		t.Errorf("target line at y=%v (horizontal %v), want %v", y, ok, ms[7][1])
	}
}

func TestLogAxisNonPositive(t *testing.T) {
	probe := []float64{1e-1, 3e-2, 0, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4}
	recs := mlpRun("r", swimmerNoise, swimmerCKA, swimmerWH, probe, 1e-4)
	_, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricProbeMSE})
	if err == nil || !strings.Contains(err.Error(), `"fc3"`) || !strings.Contains(err.Error(), "LogFloor") {
		t.Fatalf("error = %v, want one naming layer fc3 and the LogFloor fix", err)
	}
	p, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricProbeMSE, LogFloor: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, p)
	ms := markers(d.stroked(purple, ""))
	labels := numeric(d, "10px")
	if labels[0].text != "1e-6" {
		t.Errorf("lowest label %q, want 1e-6 (the clamp floor)", labels[0].text)
	}
	// The clamped point sits at 1e-6: two decades below 1e-4's marker.
	step := labels[1].y - labels[0].y
	if !near(ms[2][1], ms[7][1]-2*step, 0.05) {
		t.Errorf("clamped marker y=%v, want %v", ms[2][1], ms[7][1]-2*step)
	}
	// A linear axis takes zero as it is.
	if _, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricProbeMSE, YScale: ScaleLinear}); err != nil {
		t.Errorf("linear axis: %v", err)
	}
}

func TestResNetTicks(t *testing.T) {
	recs := sweepRuns()
	p, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricStableRankW, Run: "carla-wd0", TickLabel: ResNetTicks, FirstCollapsed: "layer4.0.conv2"})
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, p)
	var want []string
	for _, l := range resnet18Layers() {
		if !strings.HasSuffix(l, "conv2") {
			want = append(want, l)
		}
	}
	if got := nonNumeric(d.textsOfSize("10px")); !reflect.DeepEqual(got, want) {
		t.Errorf("tick labels = %q, want %q", got, want)
	}
	ms := markers(d.stroked(purple, ""))
	if len(ms) != 17 {
		t.Fatalf("%d markers, want 17 (conv2 points between the labelled ticks)", len(ms))
	}
	gl := d.stroked(green, dotted)
	if x, ok := gl[0].straight(true); !ok || !near(x, ms[13][0], 0.02) {
		t.Errorf("green line at %v, want layer4.0.conv2's x=%v", x, ms[13][0])
	}
}

func TestAcrossLayersErrors(t *testing.T) {
	recs := append(mlpRun("a", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 0.1),
		mlpRun("b", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 0.1)...)
	cases := []struct {
		name string
		spec PanelSpec
		want []string
	}{
		{"missing metric", PanelSpec{Metric: nrc.MetricStableRankW, Run: "a"}, []string{`"stable_rank_w"`, `"fc1"`, `"fc8"`}},
		{"missing metric anywhere", PanelSpec{Metric: "nope"}, []string{`"nope"`, "layers available", `"fc1"`}},
		{"ambiguous run", PanelSpec{Metric: nrc.MetricNoise}, []string{`"a"`, `"b"`, "name the run"}},
		{"unknown run", PanelSpec{Metric: nrc.MetricNoise, Run: "c"}, []string{`"c"`, "runs present"}},
		{"unknown collapsed layer", PanelSpec{Metric: nrc.MetricNoise, Run: "a", FirstCollapsed: "fc9"}, []string{`"fc9"`, `"fc8"`}},
		{"missing target", PanelSpec{Metric: nrc.MetricProbeMSE, Run: "a", TargetMetric: nrc.MetricTargetStableRank}, []string{`"target_stable_rank"`, `"model_mse"`}},
		{"wrong epoch", PanelSpec{Metric: nrc.MetricNoise, Run: "a", Epoch: 7}, []string{"epoch 7", "300"}},
		{"duplicate layer", PanelSpec{Metric: nrc.MetricNoise, Run: "a", Layers: []string{"fc1", "fc1"}}, []string{`"fc1"`, "twice"}},
		{"layers without data", PanelSpec{Metric: nrc.MetricNoise, Run: "a", Layers: []string{"x"}}, []string{`"x"`, `"fc1"`}},
		{"no metric", PanelSpec{Curves: []Curve{{Runs: []string{"a"}}}}, []string{"no metric"}},
	}
	for _, c := range cases {
		_, err := AcrossLayers(recs, c.spec)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %s", c.name, err, w)
			}
		}
	}
	// Duplicate records and non-finite values.
	dup := append(mlpRun("a", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 0.1), nrc.Record{Run: "a", Epoch: 300, Layer: "fc2", Metric: nrc.MetricNoise, Value: 1})
	if _, err := AcrossLayers(dup, PanelSpec{Metric: nrc.MetricNoise}); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate record: %v", err)
	}
	nan := append(mlpRun("a", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 0.1), nrc.Record{Run: "a", Epoch: 300, Layer: "fc9", Metric: nrc.MetricNoise, Value: math.NaN()})
	if _, err := AcrossLayers(nan, PanelSpec{Metric: nrc.MetricNoise}); err == nil || !strings.Contains(err.Error(), "fc9") {
		t.Errorf("NaN value: %v", err)
	}
}

func TestEpochDefaultsToLatest(t *testing.T) {
	recs := []nrc.Record{
		{Run: "r", Epoch: 10, Layer: "fc1", Metric: nrc.MetricNoise, Value: 0.9},
		{Run: "r", Epoch: 10, Layer: "fc2", Metric: nrc.MetricNoise, Value: 0.8},
		{Run: "r", Epoch: 20, Layer: "fc1", Metric: nrc.MetricNoise, Value: 0.1},
		{Run: "r", Epoch: 20, Layer: "fc2", Metric: nrc.MetricNoise, Value: 0.3},
	}
	ys := func(epoch int) [][2]float64 {
		p, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricNoise, Epoch: epoch})
		if err != nil {
			t.Fatal(err)
		}
		return markers(render(t, p).stroked(purple, ""))
	}
	// Epoch 20 rises from fc1 to fc2; epoch 10 falls.
	if m := ys(0); !(m[1][1] > m[0][1]) {
		t.Errorf("default epoch: markers %v do not rise, so epoch 20 was not chosen", m)
	}
	if m := ys(10); !(m[1][1] < m[0][1]) {
		t.Errorf("epoch 10: markers %v do not fall", m)
	}
}

func TestSweepOverlay(t *testing.T) {
	labels := []string{"λ = 0", "λ = 5e-5", "λ = 5e-4", "λ = 5e-3"}
	runs := []string{"carla-wd0", "carla-wd5e-05", "carla-wd0.0005", "carla-wd0.005"}
	var curves []Curve
	for i := range runs {
		curves = append(curves, Curve{Label: labels[i], Runs: runs[i : i+1], Highlight: i == 2})
	}
	p, err := AcrossLayers(sweepRuns(), PanelSpec{Metric: nrc.MetricStableRankW, Curves: curves, TickLabel: ResNetTicks})
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, p)
	if got := d.textsOfSize("9.5px"); !reflect.DeepEqual(got, labels) {
		t.Errorf("legend entries = %q, want %q", got, labels)
	}
	// The highlighted run is the only purple one: 17 markers plus the
	// legend's thumbnail; the first other run is salmon •.
	if n := len(markers(d.stroked(purple, ""))); n != 18 {
		t.Errorf("%d purple × (17 points + 1 legend), want 18", n)
	}
	var salmonDots int
	for _, p := range d.paths {
		if strings.EqualFold(p.style["fill"], salmon) {
			salmonDots++
		}
	}
	if salmonDots != 18 {
		t.Errorf("%d salmon dots, want 18", salmonDots)
	}
	// The purple markers follow the λ=5e-4 run: its values are
	// 40+15i−120, floored at 1+0.1i, so the last marker is the highest.
	ms := markers(d.stroked(purple, ""))
	pts := ms[:17]
	if pts[16][1] <= pts[10][1] {
		t.Errorf("highlighted curve does not follow its run: %v", pts)
	}
	// All four curves have distinct colours.
	colours := map[string]bool{}
	for _, p := range d.paths {
		if pts, moves := p.points(); moves == 1 && len(pts) == 17 {
			colours[strings.ToUpper(p.style["stroke"])] = true
		}
	}
	if len(colours) != 4 {
		t.Errorf("curve colours %v, want 4 distinct", colours)
	}
}

func TestSeedBand(t *testing.T) {
	p, err := AcrossLayers(sweepRuns(), PanelSpec{Metric: nrc.MetricNoise,
		Curves: []Curve{{Label: "3 seeds", Runs: []string{"carla-seed0", "carla-seed1", "carla-seed2"}}}})
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, p)
	ms := markers(d.stroked(purple, ""))[:17]
	var band []svgPath
	for _, p := range d.paths {
		// Un-premultiplying a translucent colour can round each channel by one.
		if nearColour(p.style["fill"], purple, 2) && p.style["fill-opacity"] != "" {
			band = append(band, p)
		}
	}
	if len(band) < 1 {
		t.Fatal("no translucent purple band")
	}
	pts, _ := band[0].points()
	if len(pts) < 34 {
		t.Fatalf("band has %d points, want 2×17", len(pts))
	}
	// Seeds are base, base+0.05, base+0.1: the mean lies midway in the band.
	for i := 0; i < 17; i++ {
		top, bottom := pts[i], pts[33-i]
		if !near(top[0], ms[i][0], 0.02) || !near(bottom[0], ms[i][0], 0.02) {
			t.Fatalf("band point %d not aligned with marker", i)
		}
		if !near((top[1]+bottom[1])/2, ms[i][1], 0.03) || !(top[1] > bottom[1]) {
			t.Errorf("layer %d: mean y %v, band [%v, %v]", i, ms[i][1], bottom[1], top[1])
		}
	}
	// A run missing a layer the others have is an error.
	recs := append(sweepRuns(), nrc.Record{Run: "carla-seed0", Epoch: 200, Layer: "extra", Metric: nrc.MetricNoise, Value: 1})
	_, err = AcrossLayers(recs, PanelSpec{Metric: nrc.MetricNoise, Curves: []Curve{{Runs: []string{"carla-seed0", "carla-seed1"}}}})
	if err == nil || !strings.Contains(err.Error(), `"carla-seed1"`) || !strings.Contains(err.Error(), `"extra"`) {
		t.Errorf("missing layer in a seed: %v", err)
	}
}

func TestTwoCurves(t *testing.T) {
	recs := mlpRun("sgemm", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 1e-3)
	for i, l := range mlpLayers {
		recs = append(recs, nrc.Record{Run: "sgemm", Epoch: 300, Layer: l, Metric: nrc.MetricNoiseSubspaceAlignment, Value: sgemmSalmon[i]})
	}
	labels := []string{"signal target-subspace alignment", "signal noise-subspace alignment"}
	p, err := AcrossLayers(recs, PanelSpec{Title: "WH alignment", FirstCollapsed: "fc5", Curves: []Curve{
		{Label: labels[0], Metric: nrc.MetricWHAlignment},
		{Label: labels[1], Metric: nrc.MetricNoiseSubspaceAlignment},
	}})
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, p)
	if got := d.textsOfSize("9.5px"); !reflect.DeepEqual(got, labels) {
		t.Errorf("legend = %q", got)
	}
	if got := d.textsOfSize("12px"); !reflect.DeepEqual(got, []string{"WH alignment"}) {
		t.Errorf("title = %q", got)
	}
	if n := len(markers(d.stroked(purple, ""))); n != 9 {
		t.Errorf("%d purple ×, want 8 + legend", n)
	}
	var dots int
	for _, p := range d.paths {
		if strings.EqualFold(p.style["fill"], salmon) {
			dots++
		}
	}
	if dots != 9 {
		t.Errorf("%d salmon •, want 8 + legend", dots)
	}
	// With a second run in the records, PanelSpec.Run picks the curves' run.
	both := append(recs, mlpRun("other", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 1e-3)...)
	spec := PanelSpec{Curves: []Curve{{Metric: nrc.MetricWHAlignment}, {Metric: nrc.MetricNoiseSubspaceAlignment}}}
	if _, err := AcrossLayers(both, spec); err == nil || !strings.Contains(err.Error(), `"other"`) {
		t.Errorf("ambiguous runs: %v", err)
	}
	spec.Run = "sgemm"
	if _, err := AcrossLayers(both, spec); err != nil {
		t.Errorf("with Run: %v", err)
	}
}

func TestGrid(t *testing.T) {
	f := fig2(t)
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	d := parseSVG(t, svg)
	titles := d.textsOfSize("12px")
	want := []string{"Noise component", "Noise component", "CKA alignment", "CKA alignment", "WH alignment", "WH alignment", "Prediction error", "Prediction error"}
	if !reflect.DeepEqual(titles, want) {
		t.Errorf("panel titles = %q, want %q", titles, want)
	}
	var cols []string
	for _, tx := range d.texts {
		if tx.bold {
			cols = append(cols, tx.text)
		}
	}
	if !reflect.DeepEqual(cols, []string{"Swimmer", "Hopper"}) {
		t.Errorf("column titles = %q", cols)
	}
	if n := len(markers(d.stroked(purple, ""))); n != 64 {
		t.Errorf("%d markers, want 8 panels × 8", n)
	}
	if n := len(d.stroked(green, dotted)); n != 8 {
		t.Errorf("%d green lines, want 8", n)
	}
	if n := len(d.stroked(red, dashed)); n != 2 {
		t.Errorf("%d red lines, want 2 (prediction-error panels)", n)
	}
	if len(svg) > 200_000 {
		t.Errorf("4×2 SVG is %d bytes; keep it small", len(svg))
	}
	// Column titles sit above their columns: Swimmer left of Hopper.
	var xs []float64
	for _, tx := range d.texts {
		if tx.bold {
			xs = append(xs, tx.x)
		}
	}
	if !(xs[0] < xs[1]) {
		t.Errorf("column title x positions %v", xs)
	}
}

func TestGridShapes(t *testing.T) {
	recs := mlpRun("r", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 0.1)
	panel := func() *gplot.Plot {
		p, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricNoise})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, s := range [][2]int{{4, 2}, {2, 3}, {3, 2}, {1, 3}, {2, 2}} {
		rows, cols := s[0], s[1]
		grid := make([][]*gplot.Plot, rows)
		for i := range grid {
			for range cols {
				grid[i] = append(grid[i], panel())
			}
		}
		grid[rows-1][cols-1] = nil // an empty cell is allowed
		f, err := Grid(rows, cols, grid, nil)
		if err != nil {
			t.Fatal(err)
		}
		svg, err := f.SVG()
		if err != nil {
			t.Fatal(err)
		}
		d := parseSVG(t, svg)
		if n := len(d.textsOfSize("12px")); n != rows*cols-1 {
			t.Errorf("%d×%d: %d panel titles, want %d", rows, cols, n, rows*cols-1)
		}
		// Automatic panels: 11 in shared by the columns, within [3.4, 5.2]
		// in, and 0.62 × that high within [2.6, 3.2] in: two columns of
		// 5.2 × 3.2 in, three of 3.667 × 2.6 in.
		pw, ph := map[int]float64{2: 5.2, 3: 11.0 / 3}[cols], map[int]float64{2: 3.2, 3: 2.6}[cols]
		w, h := f.Size()
		if !near(w.Points()/72, float64(cols)*pw, 1e-9) || !near(h.Points()/72, float64(rows)*ph, 1e-9) {
			t.Errorf("%d×%d: size %.3f×%.3f in, want %.3f×%.3f", rows, cols, w.Points()/72, h.Points()/72, float64(cols)*pw, float64(rows)*ph)
		}
		// An explicit panel size is kept.
		f.PanelWidth, f.PanelHeight = 2*vg.Inch, 1.5*vg.Inch
		if w, h := f.Size(); !near(w.Points(), float64(cols)*144, 1e-9) || !near(h.Points(), float64(rows)*108, 1e-9) {
			t.Errorf("%d×%d with 2×1.5 in panels: size %v×%v", rows, cols, w, h)
		}
	}
	p := panel()
	bad := []struct {
		rows, cols int
		panels     [][]*gplot.Plot
		titles     []string
		want       string
	}{
		{2, 1, [][]*gplot.Plot{{p}}, nil, "rows"},
		{1, 2, [][]*gplot.Plot{{p}}, nil, "row 0"},
		{1, 1, [][]*gplot.Plot{{p}}, []string{"a", "b"}, "column titles"},
		{1, 1, [][]*gplot.Plot{{nil}}, nil, "no panels"},
		{0, 1, nil, nil, "out of range"},
	}
	for _, b := range bad {
		if _, err := Grid(b.rows, b.cols, b.panels, b.titles); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Grid(%d, %d): error %v, want one about %s", b.rows, b.cols, err, b.want)
		}
	}
}

func TestPNG(t *testing.T) {
	recs := mlpRun("r", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 0.1)
	p, err := AcrossLayers(recs, PanelSpec{Metric: nrc.MetricNoise, FirstCollapsed: "fc5"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Single(p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.PNG(100)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// One panel: 5.2 in × 3.2 in at 100 dpi.
	if b := img.Bounds(); b.Dx() != 520 || b.Dy() != 320 {
		t.Errorf("PNG is %dx%d, want 520x320", b.Dx(), b.Dy())
	}
	// Some pixels carry the curve's purple and the line's green.
	count := func(r0, g0, b0 uint32) int {
		n := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bb, _ := img.At(x, y).RGBA()
				if near(float64(r>>8), float64(r0), 24) && near(float64(g>>8), float64(g0), 24) && near(float64(bb>>8), float64(b0), 24) {
					n++
				}
			}
		}
		return n
	}
	if n := count(0x7b, 0x2c, 0xbf); n < 20 {
		t.Errorf("%d purple pixels", n)
	}
	if n := count(0x2a, 0x9d, 0x3f); n < 10 {
		t.Errorf("%d green pixels", n)
	}
	if _, err := f.PNG(0); err == nil {
		t.Error("PNG(0) gave no error")
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	f := fig2(t)
	f.DPI = 60
	base := filepath.Join(dir, "fig2")
	if err := f.WriteFiles(base); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(base + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	parseSVG(t, svg)
	raw, err := os.ReadFile(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	w, h := f.Size()
	if img.Bounds().Dx() != int(float64(w/vg.Inch)*60+0.5) || img.Bounds().Dy() != int(float64(h/vg.Inch)*60+0.5) {
		t.Errorf("PNG %v, want %.1f×%.1f in at 60 dpi", img.Bounds(), float64(w/vg.Inch), float64(h/vg.Inch))
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !reflect.DeepEqual(names, []string{"fig2.png", "fig2.svg"}) {
		t.Errorf("directory holds %q, want only the two figures", names)
	}
	// A missing directory is an error and writes nothing.
	if err := f.WriteFiles(filepath.Join(dir, "no", "such", "fig")); err == nil {
		t.Error("no error for a missing directory")
	}
	// A figure that cannot render writes nothing either.
	broken := fig2(t)
	broken.Panels[3][0].Y.Min = -1 // the prediction-error panel has a log axis
	if err := broken.WriteFiles(filepath.Join(dir, "broken")); err == nil {
		t.Error("no error for a negative log-axis range")
	}
	if _, err := os.Stat(filepath.Join(dir, "broken.svg")); !os.IsNotExist(err) {
		t.Error("broken.svg was written")
	}
}

func TestOverEpochs(t *testing.T) {
	p, err := OverEpochs(epochRecords(), EpochSpec{MarkEpoch: 165})
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, p)
	if got := d.textsOfSize("9.5px"); !reflect.DeepEqual(got, []string{"train", "test"}) {
		t.Errorf("legend = %q", got)
	}
	ms := markers(d.stroked(purple, ""))
	if len(ms) != 21 {
		t.Fatalf("%d train markers, want 20 epochs + legend", len(ms))
	}
	// Train MSE falls by ×0.72 per 10 epochs: on the log axis the markers
	// lie on a straight line.
	slope := (ms[19][1] - ms[0][1]) / (ms[19][0] - ms[0][0])
	for i := range 20 {
		want := ms[0][1] + slope*(ms[i][0]-ms[0][0])
		if !near(ms[i][1], want, 0.05) {
			t.Errorf("epoch marker %d off the log-linear line", i)
		}
	}
	gl := d.stroked(green, dotted)
	if len(gl) != 1 {
		t.Fatalf("%d green lines", len(gl))
	}
	x, _ := gl[0].straight(true)
	if want := ms[16][0] + 0.5*(ms[17][0]-ms[16][0]); !near(x, want, 0.02) {
		t.Errorf("epoch line at %v, want %v (epoch 165)", x, want)
	}
	if _, err := OverEpochs(epochRecords(), EpochSpec{LogX: true}); err == nil || !strings.Contains(err.Error(), "epoch 0") {
		t.Errorf("log x with epoch 0: %v", err)
	}
	var later []nrc.Record
	for _, r := range epochRecords() {
		if r.Epoch > 0 {
			later = append(later, r)
		}
	}
	p, err = OverEpochs(later, EpochSpec{LogX: true, Metrics: []string{nrc.MetricTrainMSE}})
	if err != nil {
		t.Fatal(err)
	}
	d = render(t, p)
	if got := numeric(d, "10px"); len(got) < 4 {
		t.Errorf("log-log panel tick labels %v", got)
	}
	if _, err := OverEpochs(epochRecords(), EpochSpec{Metrics: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing metric: %v", err)
	}
}

func TestGammaCurve(t *testing.T) {
	ratios := []float64{1, 0, 0.5, 0.25, 0.75}
	values := []float64{0.4, 0.9, 0.2, 0.5, 0.3}
	p, err := GammaCurve(GammaSpec{Ratios: ratios, Values: values, Optimum: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	d := render(t, p)
	if got := d.textsOfSize("9.5px"); len(got) != 1 || !strings.Contains(got[0], "0.6") {
		t.Errorf("legend = %q", got)
	}
	gl := d.stroked(green, dotted)
	if len(gl) != 1 {
		t.Fatalf("%d green lines", len(gl))
	}
	// The curve is drawn in ratio order (unsorted input).
	var curve []svgPath
	for _, p := range d.stroked(purple, "") {
		if pts, _ := p.points(); len(pts) == 5 {
			curve = append(curve, p)
		}
	}
	if len(curve) != 1 {
		t.Fatalf("%d 5-point purple curves", len(curve))
	}
	pts, _ := curve[0].points()
	for i := 1; i < 5; i++ {
		if !(pts[i][0] > pts[i-1][0]) {
			t.Errorf("curve not sorted by ratio: %v", pts)
		}
	}
	// x = 0.6 lies 0.6 of the way from γ=0 to γ=1.
	x, _ := gl[0].straight(true)
	if want := pts[0][0] + 0.6*(pts[4][0]-pts[0][0]); !near(x, want, 0.02) {
		t.Errorf("optimum line at %v, want %v", x, want)
	}
	for _, bad := range []GammaSpec{
		{Ratios: []float64{0, 1}, Values: []float64{1}},
		{Ratios: []float64{0, 1.5}, Values: []float64{1, 2}},
		{Ratios: []float64{0, 0.5}, Values: []float64{1, 2}, Optimum: 0.9},
		{Ratios: []float64{0.5, 0.5}, Values: []float64{1, 2}, Optimum: -1},
		{Ratios: []float64{0, 0.5}, Values: []float64{1, math.Inf(1)}},
	} {
		if _, err := GammaCurve(bad); err == nil {
			t.Errorf("no error for %+v", bad)
		}
	}
}

func TestInterpolate(t *testing.T) {
	// Piecewise-linear through (0,1), (1,3), (3,-1).
	xys := []struct{ x, want float64 }{{0, 1}, {0.5, 2}, {1, 3}, {2, 1}, {3, -1}}
	pts := [][2]float64{{0, 1}, {1, 3}, {3, -1}}
	for _, c := range xys {
		if got := interpolate(toXYs(pts), c.x); !near(got, c.want, 1e-12) {
			t.Errorf("interpolate(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(min, max float64) []string {
		var out []string
		for _, tk := range (LogTicks{}).Ticks(min, max) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	cases := []struct {
		min, max float64
		want     []string
	}{
		{1e-5, 2e-2, []string{"1e-5", "1e-4", "1e-3", "0.01"}},
		{0.5, 2000, []string{"1", "10", "100", "1000"}},
		{0.15, 0.9, []string{"0.2", "0.5"}},
		{0.05, 0.3, []string{"0.05", "0.1", "0.2"}},
		{3e4, 2e5, []string{"5e4", "1e5", "2e5"}},
	}
	for _, c := range cases {
		if got := labels(c.min, c.max); !reflect.DeepEqual(got, c.want) {
			t.Errorf("LogTicks(%g, %g) labels %q, want %q", c.min, c.max, got, c.want)
		}
	}
	// Every tick lies in range and minor ticks are m·10^e.
	for _, tk := range (LogTicks{}).Ticks(0.013, 7.2) {
		if tk.Value < 0.013 || tk.Value > 7.2 {
			t.Errorf("tick %v out of range", tk.Value)
		}
		m := tk.Value / math.Pow(10, math.Floor(math.Log10(tk.Value)+1e-12))
		if !near(m, math.Round(m), 1e-9) {
			t.Errorf("tick %v is not m·10^e", tk.Value)
		}
	}
	// A range without two labels is widened to whole decades.
	a := gplot.New().Y
	a.Min, a.Max = 0.31, 0.42
	if err := finishLogAxis(&a); err != nil {
		t.Fatal(err)
	}
	if !near(a.Min, 0.1, 1e-12) || !near(a.Max, 1, 1e-12) {
		t.Errorf("widened range [%v, %v], want [0.1, 1]", a.Min, a.Max)
	}
	a.Min, a.Max = 0, 1
	if err := finishLogAxis(&a); err == nil {
		t.Error("no error for a log range starting at 0")
	}
}
