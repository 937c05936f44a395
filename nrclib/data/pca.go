package data

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// PCA is a principal-component projection of a table's rows.
type PCA struct {
	// Scores holds each row's coordinates on the first K components,
	// row-major (N×K).
	Scores []float64
	// N and K are the number of rows and of components kept.
	N, K int
	// Explained is the share of the total variance along each kept
	// component, in descending order.
	Explained []float64
	// Components holds the K unit directions (each D values, in the
	// standardised coordinates), row-major.
	Components []float64
}

// ProjectPCA standardises the n×d row-major matrix x column by column
// (constant columns are left at 0) and projects its rows onto the k
// leading principal components of the result: the eigenvectors of the
// correlation matrix with the largest eigenvalues. Each component's sign is
// fixed so that its largest-magnitude entry is positive.
func ProjectPCA(x []float64, n, d, k int) (*PCA, error) {
	if n < 2 || d < 1 || k < 1 || k > d || len(x) != n*d {
		return nil, fmt.Errorf("data.ProjectPCA: need n ≥ 2 rows of d values and 1 ≤ k ≤ d (n=%d, d=%d, k=%d, %d values)", n, d, k, len(x))
	}
	sc := FitStandard(x, d, nil)
	z := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			z[i*d+j] = (x[i*d+j] - sc.Offset[j]) / sc.Scale[j]
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov64(z, n, d, nil), true) {
		return nil, fmt.Errorf("data.ProjectPCA: eigen-decomposition failed")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	var total float64
	for _, v := range vals {
		total += math.Max(v, 0)
	}
	p := &PCA{N: n, K: k, Scores: make([]float64, n*k), Components: make([]float64, k*d)}
	for c := 0; c < k; c++ {
		col := d - 1 - c
		big, sign := 0.0, 1.0
		for j := 0; j < d; j++ {
			if v := vecs.At(j, col); math.Abs(v) > big {
				big, sign = math.Abs(v), math.Copysign(1, v)
			}
		}
		for j := 0; j < d; j++ {
			p.Components[c*d+j] = sign * vecs.At(j, col)
		}
		if total > 0 {
			p.Explained = append(p.Explained, math.Max(vals[col], 0)/total)
		} else {
			p.Explained = append(p.Explained, 0)
		}
	}
	for i := 0; i < n; i++ {
		for c := 0; c < k; c++ {
			var s float64
			for j := 0; j < d; j++ {
				s += z[i*d+j] * p.Components[c*d+j]
			}
			p.Scores[i*k+c] = s
		}
	}
	return p, nil
}
