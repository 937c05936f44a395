package data

import (
	"math"
	"strings"
	"testing"
)

func TestDescribeConstructed(t *testing.T) {
	// Four training rows (±1, ±2): Σ_Y = diag(1, 4) exactly (1/N
	// convention), so λ = [4, 1], Σλ/λ₁ = 1.25, Σλ²/λ₁² = 17/16, ρ = 0.
	// With TargetScaler scales (2, 1) the raw covariance is diag(4, 4).
	ds := &Dataset{
		Name: "toy", InputShape: []int{1}, TargetDim: 2,
		Train:        Split{X: make([]float32, 4), Y: []float32{1, 2, 1, -2, -1, 2, -1, -2}, N: 4},
		Test:         Split{X: make([]float32, 1), Y: []float32{0, 0}, N: 1},
		TargetScaler: Scaler{Offset: []float64{5, 0}, Scale: []float64{2, 1}},
	}
	s := Describe(ds)
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	near("λ₁", s.Eigenvalues[0], 4)
	near("λ₂", s.Eigenvalues[1], 1)
	near("λ_min", s.LambdaMin, 1)
	near("Σλ/λ₁", s.StableRank, 1.25)
	near("Σλ²/λ₁²", s.StableRankSq, 17.0/16)
	near("ρ", s.Correlations[0].R, 0)
	near("raw λ₁", s.RawEigenvalues[0], 4)
	near("raw λ_min", s.RawLambdaMin, 4)
	if s.Rank != 2 || s.NTrain != 4 || s.NTest != 1 {
		t.Errorf("rank %d, N %d/%d", s.Rank, s.NTrain, s.NTest)
	}
	out := s.String()
	for _, want := range []string{"toy (real data)", "N                     5 (train 4, test 1)", "λ_min                 1\n", "correlations          (0,1) 0\n", "raw λ_min             4\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("String() lacks %q:\n%s", want, out)
		}
	}
}

func TestDescribeRankOne(t *testing.T) {
	// Y = (a, 2a, −a): Σ_Y = var(a)·vvᵀ with v = (1, 2, −1), so λ₁ = 6·var(a),
	// the rest 0, both stable ranks 1, correlations ±1.
	a := []float32{0.5, -1, 2, 3, -4.5}
	y := make([]float32, 0, 15)
	for _, v := range a {
		y = append(y, v, 2*v, -v)
	}
	ds := &Dataset{Name: "r1", InputShape: []int{1}, TargetDim: 3, Train: Split{Y: y, X: make([]float32, 5), N: 5}}
	s := Describe(ds)
	var m, m2 float64
	for _, v := range a {
		m += float64(v) / 5
		m2 += float64(v) * float64(v) / 5
	}
	if want := 6 * (m2 - m*m); math.Abs(s.Eigenvalues[0]-want) > 1e-9*want {
		t.Errorf("λ₁ = %v, want %v", s.Eigenvalues[0], want)
	}
	if s.Rank != 1 || math.Abs(s.StableRank-1) > 1e-9 || math.Abs(s.StableRankSq-1) > 1e-9 || s.LambdaMin < 0 || s.LambdaMin > 1e-9 {
		t.Errorf("rank %d, stable ranks %v %v, λ_min %v", s.Rank, s.StableRank, s.StableRankSq, s.LambdaMin)
	}
	want := []float64{1, -1, -1}
	for i, c := range s.Correlations {
		if math.Abs(c.R-want[i]) > 1e-6 {
			t.Errorf("correlation (%d,%d) = %v, want %v", c.I, c.J, c.R, want[i])
		}
	}
	if s.RawEigenvalues != nil {
		t.Error("unscaled targets should have no raw-unit eigenvalues")
	}
}
