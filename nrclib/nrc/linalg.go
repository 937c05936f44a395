package nrc

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// spectrum is the eigendecomposition of a symmetric positive semi-definite
// matrix with eigenvalues in descending order (tiny negative rounding
// errors clamped to 0) and the matching eigenvectors as columns.
type spectrum struct {
	values  []float64
	vectors *mat.Dense
}

// eigDesc decomposes the symmetric matrix s. It works on s divided by the
// power of two that brings its largest entry to order 1, so that matrices
// of extreme magnitude decompose as well as ordinary ones.
func eigDesc(s mat.Symmetric) (spectrum, error) {
	n := s.SymmetricDim()
	big := 0.0
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := s.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return spectrum{}, errors.New("nrc: a covariance entry is not finite (the values are beyond float64's range: rescale the data)")
			}
			big = math.Max(big, math.Abs(v))
		}
	}
	exp := 0
	if big > 0 {
		_, exp = math.Frexp(big)
		sc := mat.NewSymDense(n, nil)
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				sc.SetSym(i, j, math.Ldexp(s.At(i, j), -exp))
			}
		}
		s = sc
	}
	var e mat.EigenSym
	if ok := e.Factorize(s, true); !ok {
		return spectrum{}, errors.New("nrc: eigendecomposition did not converge (the statistics may hold extreme values)")
	}
	asc := e.Values(nil)
	var vasc mat.Dense
	e.VectorsTo(&vasc)
	vals := make([]float64, n)
	vecs := mat.NewDense(n, n, nil)
	for j := 0; j < n; j++ {
		src := n - 1 - j
		vals[j] = math.Ldexp(math.Max(asc[src], 0), exp)
		for i := 0; i < n; i++ {
			vecs.Set(i, j, vasc.At(i, src))
		}
	}
	return spectrum{values: vals, vectors: vecs}, nil
}

// top returns the first k eigenvectors as an n×k view.
func (s spectrum) top(k int) *mat.Dense {
	n, _ := s.vectors.Dims()
	return s.vectors.Slice(0, n, 0, k).(*mat.Dense)
}

// rest returns eigenvectors k+1..n as an n×(n−k) view.
func (s spectrum) rest(k int) *mat.Dense {
	n, _ := s.vectors.Dims()
	return s.vectors.Slice(0, n, k, n).(*mat.Dense)
}

func sum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}

// principalCosines returns the cosines of the principal angles between the
// column spaces of a and b, both with orthonormal columns: the singular
// values of aᵀ·b, clamped to [0, 1], in descending order.
func principalCosines(a, b mat.Matrix) ([]float64, error) {
	var c mat.Dense
	c.Mul(a.T(), b)
	var svd mat.SVD
	if ok := svd.Factorize(&c, mat.SVDNone); !ok {
		return nil, errors.New("nrc: SVD of the subspace cross-product did not converge")
	}
	v := svd.Values(nil)
	for i := range v {
		v[i] = math.Min(math.Max(v[i], 0), 1)
	}
	return v, nil
}

// frob2 returns the squared Frobenius norm of m.
func frob2(m mat.Matrix) float64 {
	r, c := m.Dims()
	t := 0.0
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := m.At(i, j)
			t += v * v
		}
	}
	return t
}
