package plot

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	gplot "gonum.org/v1/plot"
)

// fig2 builds a Fig 2-like 4×2 grid from the Swimmer and Hopper fixtures.
func fig2(t testing.TB) *Figure {
	recs := append(mlpRun("swimmer", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 0.025),
		mlpRun("hopper", hopperNoise, hopperCKA, hopperWH, hopperProbe, 0.09)...)
	var grid [][]*gplot.Plot
	for _, m := range []string{nrc.MetricNoise, nrc.MetricCKA, nrc.MetricWHAlignment, nrc.MetricProbeMSE} {
		var row []*gplot.Plot
		for _, run := range []string{"swimmer", "hopper"} {
			spec := PanelSpec{Metric: m, Run: run, FirstCollapsed: "fc5"}
			if m == nrc.MetricProbeMSE {
				spec.TargetMetric = nrc.MetricModelMSE
			}
			p, err := AcrossLayers(recs, spec)
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, p)
		}
		grid = append(grid, row)
	}
	f, err := Grid(4, 2, grid, []string{"Swimmer", "Hopper"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestWriteSamples(t *testing.T) {
	if *samplesDir == "" {
		t.Skip("pass -samples DIR to write sample figures")
	}
	if err := os.MkdirAll(*samplesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, f *Figure) {
		if err := f.WriteFiles(filepath.Join(*samplesDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	write("fig2", fig2(t))

	// A ResNet-34-sized panel pair (33 probes), as Fig 1's UTKFace column.
	var r34 []string
	for s, blocks := range []int{3, 4, 6, 3} {
		for b := 0; b < blocks; b++ {
			r34 = append(r34, fmt.Sprintf("layer%d.%d.conv1", s+1, b), fmt.Sprintf("layer%d.%d.conv2", s+1, b))
		}
	}
	r34 = append(r34, "fc")
	var utk []nrc.Record
	for i, l := range r34 {
		x := float64(i) / 32
		utk = append(utk,
			nrc.Record{Run: "utk", Epoch: 100, Layer: l, Metric: nrc.MetricCKA, Value: 0.02 + 0.9*x*x*x},
			nrc.Record{Run: "utk", Epoch: 100, Layer: l, Metric: nrc.MetricProbeMSE, Value: 300 * math.Pow(0.75, float64(i))})
	}
	utk = append(utk, nrc.Record{Run: "utk", Epoch: 100, Metric: nrc.MetricModelMSE, Value: 1.3})
	var utkRow []*gplot.Plot
	for _, m := range []string{nrc.MetricCKA, nrc.MetricProbeMSE} {
		p, err := AcrossLayers(utk, PanelSpec{Metric: m, TickLabel: ResNetTicks, FirstCollapsed: "layer4.1.conv1", TargetMetric: map[bool]string{true: nrc.MetricModelMSE}[m == nrc.MetricProbeMSE]})
		if err != nil {
			t.Fatal(err)
		}
		utkRow = append(utkRow, p)
	}
	f34, err := Grid(2, 1, [][]*gplot.Plot{{utkRow[0]}, {utkRow[1]}}, []string{"UTKFace (ResNet-34)"})
	if err != nil {
		t.Fatal(err)
	}
	write("fig1_utk", f34)

	recs := sweepRuns()
	sweep, err := AcrossLayers(recs, PanelSpec{
		Metric:    nrc.MetricStableRankW,
		TickLabel: ResNetTicks,
		Curves: []Curve{
			{Label: "λ = 0", Runs: []string{"carla-wd0"}},
			{Label: "λ = 5e-5", Runs: []string{"carla-wd5e-05"}},
			{Label: "λ = 5e-4", Runs: []string{"carla-wd0.0005"}, Highlight: true},
			{Label: "λ = 5e-3", Runs: []string{"carla-wd0.005"}},
		},
		FirstCollapsed: "layer4.0.conv2",
		Legend:         LegendTopLeft,
	})
	if err != nil {
		t.Fatal(err)
	}
	band, err := AcrossLayers(recs, PanelSpec{
		Metric: nrc.MetricNoise, TickLabel: ResNetTicks,
		Curves: []Curve{{Label: "3 seeds (min–max)", Runs: []string{"carla-seed0", "carla-seed1", "carla-seed2"}}},
		Legend: LegendTopLeft,
	})
	if err != nil {
		t.Fatal(err)
	}
	wh := append(mlpRun("sgemm", swimmerNoise, swimmerCKA, swimmerWH, swimmerProbe, 1.5e-3), nil...)
	for i, l := range mlpLayers {
		wh = append(wh, nrc.Record{Run: "sgemm", Epoch: 300, Layer: l, Metric: nrc.MetricNoiseSubspaceAlignment, Value: sgemmSalmon[i]},
			nrc.Record{Run: "sgemm", Epoch: 300, Layer: l, Metric: nrc.MetricStableRankHPaper, Value: sgemmStableRH[i]})
	}
	wh = append(wh, nrc.Record{Run: "sgemm", Epoch: 300, Metric: nrc.MetricTargetStableRankPaper, Value: 1.0})
	two, err := AcrossLayers(wh, PanelSpec{
		Title: "WH alignment",
		Curves: []Curve{
			{Label: "signal target-subspace alignment", Metric: nrc.MetricWHAlignment},
			{Label: "signal noise-subspace alignment", Metric: nrc.MetricNoiseSubspaceAlignment},
		},
		FirstCollapsed: "fc5", Legend: LegendBottomLeft,
	})
	if err != nil {
		t.Fatal(err)
	}
	srh, err := AcrossLayers(wh, PanelSpec{Metric: nrc.MetricStableRankHPaper, TargetMetric: nrc.MetricTargetStableRankPaper, FirstCollapsed: "fc5"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Grid(2, 2, [][]*gplot.Plot{{sweep, band}, {two, srh}}, []string{"Carla2D (ResNet-18)", "SGEMM"})
	if err != nil {
		t.Fatal(err)
	}
	write("sweep_band_wh", f)

	ep, err := OverEpochs(epochRecords(), EpochSpec{MarkEpoch: 165, Title: "SGEMM"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := GammaCurve(GammaSpec{Ratios: []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, Values: []float64{0.9, 0.6, 0.35, 0.2, 0.25, 0.4}, Optimum: 0.691, Title: "Swimmer"})
	if err != nil {
		t.Fatal(err)
	}
	f, err = Grid(1, 2, [][]*gplot.Plot{{ep, g}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Title = "Loss and NRC3 vs γ"
	write("epochs_gamma", f)
}

// epochRecords builds train/test MSE every 10 epochs up to 190 that decay
// geometrically.
func epochRecords() []nrc.Record {
	var rs []nrc.Record
	tr, te := 0.5, 0.6
	for e := 0; e <= 190; e += 10 {
		rs = append(rs, nrc.Record{Run: "sgemm", Epoch: e, Metric: nrc.MetricTrainMSE, Value: tr},
			nrc.Record{Run: "sgemm", Epoch: e, Metric: nrc.MetricTestMSE, Value: te})
		tr *= 0.72
		te *= 0.74
	}
	return rs
}

func BenchmarkFig2SVG(b *testing.B) {
	f := fig2(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFig2PNG(b *testing.B) {
	f := fig2(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.PNG(DefaultDPI); err != nil {
			b.Fatal(err)
		}
	}
}
