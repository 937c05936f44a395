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

// TestExtraRanks: the same features measured with k = 2 (the run's rank)
// and, as an extra rank, k = 1. Variances 4, 1, 0 give noise 1 − 5/5 = 0
// at k = 2 and 1 − 4/5 = 0.2 at k = 1, recorded as noise and noise_k1.
func TestExtraRanks(t *testing.T) {
	probes := []model.Probe{{Name: "fc1", Width: 3}}
	p := newMeasurement(Measure{ExtraRanks: []int{1}}, 2, probes, 2)
	var h, y []float32
	for _, s := range [][2]float32{{1, 1}, {1, -1}, {-1, 1}, {-1, -1}} {
		h = append(h, 2*s[0], s[1], 7)
		y = append(y, s[0], s[1])
	}
	if err := p.addBatch(0, h, y, 4); err != nil {
		t.Fatal(err)
	}
	recs, _, err := p.finish(nil, 0.5, "run", 3)
	if err != nil {
		t.Fatal(err)
	}
	rs := nrc.Results(recs)
	for name, want := range map[string]float64{nrc.MetricNoise: 0, nrc.RankVariant(nrc.MetricNoise, 1): 0.2} {
		if _, v, err := rs.Series("run", name, nrc.Final); err != nil || math.Abs(v[0]-want) > 1e-12 {
			t.Errorf("%s = %v, %v; want %v", name, v, err, want)
		}
	}
	if m, ok := nrc.LookupMetric("noise_k1"); !ok || m.Max != 1 || m.Title != "Noise component (rank k = 1)" {
		t.Errorf("catalogue entry of noise_k1: %+v, %v", m, ok)
	}
	for _, bad := range []string{"noise_k0", "srank_h_k1", "noise_kx"} {
		if _, ok := nrc.LookupMetric(bad); ok {
			t.Errorf("%s resolved", bad)
		}
	}
	if (Measure{ExtraRanks: []int{0}}).Validate() == nil {
		t.Error("rank 0 accepted")
	}
}
