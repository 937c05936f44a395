package train

import (
	"math"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// TestSpectrumMeasure: features with independent coordinate variances
// 4, 1, 0 (up to the sample) have explained variance ratios 0.8, 0.2, 0,
// recorded beside the Deep NRC metrics and the model MSE.
func TestSpectrumMeasure(t *testing.T) {
	probes := []model.Probe{{Name: "fc1", Width: 3}}
	p := newMeasurement(Measure{Spectrum: 3}, 0, probes, 1)
	var h, y []float32
	for _, s := range [][2]float32{{1, 1}, {1, -1}, {-1, 1}, {-1, -1}} {
		h = append(h, 2*s[0], s[1], 7)
		y = append(y, s[0]+s[1])
	}
	if err := p.addBatch(0, h, y, 4); err != nil {
		t.Fatal(err)
	}
	recs, st, err := p.finish(nil, 0.5, "run", 3)
	if err != nil || st != nil {
		t.Fatal(err, st)
	}
	rs := nrc.Results(recs)
	want := []float64{0.8, 0.2, 0}
	for j, w := range want {
		_, v, err := rs.Series("run", nrc.MetricEVR(j+1), nrc.Final)
		if err != nil || len(v) != 1 || math.Abs(v[0]-w) > 1e-12 {
			t.Errorf("evr%d = %v, want %v (%v)", j+1, v, w, err)
		}
	}
	if _, n, err := rs.Series("run", nrc.MetricNoise, nrc.Final); err != nil || len(n) != 1 {
		t.Error("the Deep NRC metrics are missing")
	}
	if v, err := rs.Value("run", nrc.MetricModelMSE, nrc.Final); err != nil || v != 0.5 {
		t.Errorf("model MSE = %v, %v", v, err)
	}
}
