package nrc_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/stats"
)

// Measure one layer whose features are an exact linear image of two targets
// plus a constant third feature: the layer is fully collapsed.
func ExampleLayer() {
	s := stats.New(3, 2) // width-3 features, 2 targets
	ys := [][2]float64{{1, 0}, {0, 1}, {-1, 0}, {0, -1}, {2, 1}}
	for _, y := range ys {
		h := []float64{2*y[0] + y[1], y[0] - y[1], 5}
		if err := s.Add(h, y[:], 1); err != nil {
			panic(err)
		}
	}
	// Weight of the layer fed by these features, out×in as in PyTorch.
	w, err := nrc.DenseWeight(2, 3, []float64{
		2, 1, 0,
		1, -1, 0,
	})
	if err != nil {
		panic(err)
	}
	m, err := nrc.Layer("fc2", s, w, nrc.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("noise %.3f, probe MSE %.3f, WH alignment %.3f\n", m.Noise, m.ProbeMSE, *m.WHAlignment)
	// Output: noise 0.000, probe MSE 0.000, WH alignment 1.000
}

// The noise fraction of isotropic 4-d features with a rank-1 signal
// subspace is 1 − 1/4.
func ExampleNoiseFraction() {
	s := stats.New(4, 0)
	for i := 0; i < 4; i++ {
		h := make([]float64, 4)
		h[i] = 1
		_ = s.Add(h, nil, 1)
		h[i] = -1
		_ = s.Add(h, nil, 1)
	}
	noise, err := nrc.NoiseFraction(s.CovH(), 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.2f\n", noise)
	// Output: 0.75
}

// Scan the last-layer NRC3 of Andriopoulos et al. over γ ∈ [0, λ_min].
func ExampleSearchGamma() {
	s := stats.New(1, 2)
	for _, y := range [][2]float64{{3, 0}, {-3, 0}, {0, 1}, {0, -1}} {
		_ = s.Add([]float64{0}, y[:], 1)
	}
	// Σ_Y = diag(4.5, 0.5); W = diag(1.2939, 0.5098) makes W·Wᵀ ≈ Σ^½ − √0.2·I.
	w, _ := nrc.DenseWeight(2, 2, []float64{1.2939, 0, 0, 0.5098})
	gs, err := nrc.SearchGamma(w, s.CovY(), 1000)
	if err != nil {
		panic(err)
	}
	fmt.Printf("λ_min %.2f, best γ %.2f\n", gs.LambdaMin, gs.Best)
	// Output: λ_min 0.50, best γ 0.20
}
