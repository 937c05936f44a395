package nrc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/stats"
	"gonum.org/v1/gonum/mat"
)

func momentsOf(t *testing.T, h, y *mat.Dense) *stats.Moments {
	t.Helper()
	_, d := h.Dims()
	_, k := y.Dims()
	m := stats.New(d, k)
	if err := m.AddDense(h, y); err != nil {
		t.Fatal(err)
	}
	return m
}

func gaussian(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, rng.NormFloat64())
		}
	}
	return m
}

// orthonormalRows returns an r×c matrix (r ≤ c) with orthonormal rows.
func orthonormalRows(rng *rand.Rand, r, c int) *mat.Dense {
	var qr mat.QR
	qr.Factorize(gaussian(rng, c, r))
	var q mat.Dense
	qr.QTo(&q)
	return mat.DenseCopyOf(q.Slice(0, c, 0, r).T())
}

// randomOrthogonal returns an n×n orthogonal matrix.
func randomOrthogonal(rng *rand.Rand, n int) *mat.Dense { return orthonormalRows(rng, n, n) }

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (± %g)", what, got, want, tol)
	}
}

func centre(m *mat.Dense) *mat.Dense {
	r, c := m.Dims()
	out := mat.DenseCopyOf(m)
	for j := 0; j < c; j++ {
		mean := mat.Sum(m.Slice(0, r, j, j+1)) / float64(r)
		for i := 0; i < r; i++ {
			out.Set(i, j, out.At(i, j)-mean)
		}
	}
	return out
}
