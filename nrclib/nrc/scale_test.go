package nrc

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/stats"
	"gonum.org/v1/gonum/mat"
)

// noisyCase returns features that carry the targets plus noise (so every
// metric is away from its bounds) and a weight.
func noisyCase(rng *rand.Rand, n, d, t, out int) (h, y, w *mat.Dense) {
	y = gaussian(rng, n, t)
	h = new(mat.Dense)
	h.Mul(y, gaussian(rng, t, d))
	noise := gaussian(rng, n, d)
	noise.Scale(0.3, noise)
	h.Add(h, noise)
	return h, y, gaussian(rng, out, d)
}

func scaled(m *mat.Dense, f float64) *mat.Dense {
	var out mat.Dense
	out.Scale(f, m)
	return &out
}

// Every metric but the probe MSE is invariant to scaling the features, the
// targets or the weight; the probe MSE scales with the targets squared.
// Float64 data of any magnitude must give the same values as data of
// magnitude 1: no dead-layer verdict for tiny features, no LAPACK failure
// for huge ones.
func TestScaleInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	h, y, w := noisyCase(rng, 200, 16, 3, 8)
	ref, err := Layer("fc", momentsOf(t, h, y), denseWeight(t, w), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ref.CKA < 0.2 || ref.CKA > 0.99 || ref.Noise < 0.01 {
		t.Fatalf("reference case is degenerate: %+v", ref)
	}
	same := func(what string, got LayerMetrics, mseFactor float64) {
		t.Helper()
		if len(got.Warnings) != 0 {
			t.Errorf("%s: warnings %v", what, got.Warnings)
		}
		near(t, what+" noise", got.Noise, ref.Noise, 1e-9)
		near(t, what+" CKA", got.CKA, ref.CKA, 1e-9)
		near(t, what+" CKA projected", got.CKAProjected, ref.CKAProjected, 1e-9)
		near(t, what+" CKA first t", got.CKAFirstT, ref.CKAFirstT, 1e-9)
		near(t, what+" stable rank H", got.StableRankH, ref.StableRankH, 1e-8)
		near(t, what+" stable rank H (paper)", got.StableRankHPaper, ref.StableRankHPaper, 1e-8)
		near(t, what+" WH alignment", *got.WHAlignment, *ref.WHAlignment, 1e-8)
		near(t, what+" stable rank W", *got.StableRankW, *ref.StableRankW, 1e-8)
		if mseFactor != 0 {
			near(t, what+" probe MSE", got.ProbeMSE/mseFactor, ref.ProbeMSE, 1e-8*ref.ProbeMSE+1e-300)
			near(t, what+" paper probe MSE", got.ProbeMSEPaper/mseFactor, ref.ProbeMSEPaper, 1e-8*ref.ProbeMSEPaper+1e-300)
		}
	}
	for _, f := range []float64{1e-300, 1e-200, 1e-170, 1e-160, 1e-75, 1e-20, 1e20, 1e80, 1e100, 1e150, 1e200, 1e300} {
		got, err := Layer("fc", momentsOf(t, scaled(h, f), y), denseWeight(t, w), Options{})
		if err != nil {
			t.Errorf("features ×%g: %v", f, err)
			continue
		}
		same(fmt.Sprintf("features ×%g", f), got, 1)
		if got, err = Layer("fc", momentsOf(t, h, y), denseWeight(t, scaled(w, f)), Options{}); err != nil {
			t.Errorf("weight ×%g: %v", f, err)
			continue
		}
		same(fmt.Sprintf("weight ×%g", f), got, 1)
		got, err = Layer("fc", momentsOf(t, h, scaled(y, f)), denseWeight(t, w), Options{})
		mse := f * f
		if math.IsInf(mse, 0) {
			// The probe MSE cannot be represented: a clear error, not Inf.
			if err == nil || !strings.Contains(err.Error(), "divide the targets") {
				t.Errorf("targets ×%g: got %v, want the out-of-range probe MSE error", f, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("targets ×%g: %v", f, err)
			continue
		}
		if mse < 1e-290 {
			mse = 0 // not representable: compare the invariant metrics only
		}
		same(fmt.Sprintf("targets ×%g", f), got, mse)
	}
}

// Measure's target stable ranks are scale-invariant too.
func TestMeasureTargetRankScaleInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	h, y, _ := noisyCase(rng, 100, 6, 3, 4)
	ref, err := Measure([]string{"fc"}, []*stats.Moments{momentsOf(t, h, y)}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []float64{1e-200, 1e150} {
		got, err := Measure([]string{"fc"}, []*stats.Moments{momentsOf(t, h, scaled(y, f))}, nil, Options{})
		if err != nil {
			t.Fatalf("targets ×%g: %v", f, err)
		}
		near(t, "target stable rank", got.TargetStableRank, ref.TargetStableRank, 1e-9)
		near(t, "target stable rank (paper)", got.TargetStableRankPaper, ref.TargetStableRankPaper, 1e-9)
	}
}

// The public helpers are scale-safe as well.
func TestHelpersScaleSafe(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 3))
	h, y, _ := noisyCase(rng, 100, 6, 2, 4)
	m := momentsOf(t, h, y)
	want, err := CKA(m.CovH(), m.CovHY(), m.CovY())
	if err != nil {
		t.Fatal(err)
	}
	wantNoise, err := NoiseFraction(m.CovH(), 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []float64{1e-120, 1e120} {
		s := momentsOf(t, scaled(h, f), y)
		got, err := CKA(s.CovH(), s.CovHY(), s.CovY())
		if err != nil {
			t.Fatalf("×%g: %v", f, err)
		}
		near(t, fmt.Sprintf("CKA of features ×%g", f), got, want, 1e-9)
		gotNoise, err := NoiseFraction(s.CovH(), 2)
		if err != nil {
			t.Fatalf("×%g: %v", f, err)
		}
		near(t, fmt.Sprintf("noise of features ×%g", f), gotNoise, wantNoise, 1e-9)
	}
}
