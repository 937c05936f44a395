package data

import (
	"sort"

	"gonum.org/v1/gonum/mat"
)

// covariance returns the t×t covariance (divided by the number of rows, the
// paper's convention) of the given rows of the row-major matrix y with t
// columns; rows == nil means all rows. at(i, j) reads element (i, j), so the
// same code serves float32 and float64 storage.
func covariance(at func(i, j int) float64, rows []int, t int) *mat.SymDense {
	mean := make([]float64, t)
	for _, r := range rows {
		for j := 0; j < t; j++ {
			mean[j] += at(r, j)
		}
	}
	m := float64(len(rows))
	for j := range mean {
		mean[j] /= m
	}
	c := make([]float64, t*t)
	d := make([]float64, t)
	for _, r := range rows {
		for j := 0; j < t; j++ {
			d[j] = at(r, j) - mean[j]
		}
		for a := 0; a < t; a++ {
			for b := a; b < t; b++ {
				c[a*t+b] += d[a] * d[b]
			}
		}
	}
	s := mat.NewSymDense(t, nil)
	for a := 0; a < t; a++ {
		for b := a; b < t; b++ {
			s.SetSym(a, b, c[a*t+b]/m)
		}
	}
	return s
}

// cov64 is covariance for a float64 row-major matrix.
func cov64(y []float64, n, t int, rows []int) *mat.SymDense {
	if rows == nil {
		rows = allRows(n)
	}
	return covariance(func(i, j int) float64 { return y[i*t+j] }, rows, t)
}

// cov32 is covariance for a float32 row-major matrix over all n rows.
func cov32(y []float32, n, t int) *mat.SymDense {
	return covariance(func(i, j int) float64 { return float64(y[i*t+j]) }, allRows(n), t)
}

// eigenDesc returns the eigenvalues of the symmetric matrix s in descending
// order. It panics if the decomposition fails, which gonum reports only
// for non-finite input (a programmer error here: inputs are checked).
func eigenDesc(s *mat.SymDense) []float64 {
	var e mat.EigenSym
	if !e.Factorize(s, false) {
		panic("data: eigendecomposition failed (non-finite covariance)")
	}
	v := e.Values(nil)
	sort.Sort(sort.Reverse(sort.Float64Slice(v)))
	return v
}

// relRankTol is the relative eigenvalue threshold of the numerical rank: an
// eigenvalue counts when it exceeds relRankTol·λ₁.
const relRankTol = 1e-9

// numericalRank counts the eigenvalues (descending) above relRankTol·λ₁.
func numericalRank(eig []float64) int {
	if len(eig) == 0 || eig[0] <= 0 {
		return 0
	}
	k := 0
	for _, v := range eig {
		if v > relRankTol*eig[0] {
			k++
		}
	}
	return k
}

// covRank is the numerical rank of the covariance of an n×t float64 matrix.
func covRank(y []float64, n, t int) int {
	return numericalRank(eigenDesc(cov64(y, n, t, nil)))
}
