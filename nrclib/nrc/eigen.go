package nrc

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/deepnrc/deepnrc/nrclib/stats"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// partialEig is the eigendecomposition of a symmetric n×n matrix A that
// computes every eigenvalue but only the eigenvectors asked for. A is
// reduced once to tridiagonal form, A = Q·T·Qᵀ (Householder, blocked); the
// eigenvalues of T come from the O(n²) root-free QR iteration, and each
// wanted eigenvector z of T from inverse iteration with full
// reorthogonalisation (so repeated eigenvalues yield an orthonormal basis of
// their eigenspace), mapped back as u = Q·z. For the handful of vectors the
// metrics need this is several times faster than a full decomposition, whose
// cost is dominated by accumulating rotations into all n eigenvectors.
type partialEig struct {
	n      int
	diag   []float64 // T's diagonal
	off    []float64 // T's off-diagonal (n−1)
	tau    []float64
	a      []float64 // Householder data, later Q
	haveQ  bool
	values []float64 // descending, negatives clamped to 0, in A's units
	raw    []float64 // descending, unclamped, in units of 2^exp
	norm   float64   // ‖T‖₁ in units of 2^exp, the scale for shifts and tolerances
	// exp is the power of two A was divided by before the decomposition,
	// so that its largest entry is of order 1: LAPACK's tridiagonal QR
	// fails on matrices of extreme magnitude (entries near 1e±300).
	exp int
}

// rawValue returns the i-th eigenvalue (descending, unclamped) in A's
// units.
func (p *partialEig) rawValue(i int) float64 { return math.Ldexp(p.raw[i], p.exp) }

var lapackImpl gonum.Implementation

func newPartialEig(s mat.Symmetric) (*partialEig, error) {
	n := s.SymmetricDim()
	p := &partialEig{n: n, a: make([]float64, n*n), diag: make([]float64, n), off: make([]float64, max(n-1, 0)), tau: make([]float64, max(n-1, 0))}
	big := 0.0
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := s.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.New("nrc: a covariance entry is not finite (the values are beyond float64's range: rescale the data)")
			}
			p.a[i*n+j] = v
			big = math.Max(big, math.Abs(v))
		}
	}
	if n == 0 {
		return p, nil
	}
	if big > 0 {
		_, p.exp = math.Frexp(big)
		for i, v := range p.a {
			p.a[i] = math.Ldexp(v, -p.exp)
		}
	}
	work := make([]float64, 1)
	lapackImpl.Dsytrd(blas.Upper, n, p.a, n, p.diag, p.off, p.tau, work, -1)
	work = make([]float64, int(work[0]))
	lapackImpl.Dsytrd(blas.Upper, n, p.a, n, p.diag, p.off, p.tau, work, len(work))
	d := append([]float64(nil), p.diag...)
	e := append([]float64(nil), p.off...)
	if ok := lapackImpl.Dsterf(n, d, e); !ok {
		return nil, errors.New("nrc: eigenvalue iteration did not converge (the statistics may hold extreme values)")
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(d)))
	p.raw = d
	p.values = make([]float64, n)
	for i, v := range d {
		p.values[i] = math.Ldexp(math.Max(v, 0), p.exp)
	}
	for i := 0; i < n; i++ {
		r := math.Abs(p.diag[i])
		if i > 0 {
			r += math.Abs(p.off[i-1])
		}
		if i < n-1 {
			r += math.Abs(p.off[i])
		}
		p.norm = math.Max(p.norm, r)
	}
	return p, nil
}

// formQ overwrites the Householder data with Q, once.
func (p *partialEig) formQ() {
	if p.haveQ || p.n == 0 {
		return
	}
	n := p.n
	work := make([]float64, 1)
	lapackImpl.Dorgtr(blas.Upper, n, p.a, n, p.tau, work, -1)
	work = make([]float64, int(work[0]))
	lapackImpl.Dorgtr(blas.Upper, n, p.a, n, p.tau, work, len(work))
	p.haveQ = true
}

// vectors returns the eigenvectors of A for the eigenvalues at the given
// positions of the descending order, as the columns of an n×len(idx)
// matrix with orthonormal columns.
func (p *partialEig) vectors(idx []int) (*mat.Dense, error) {
	n := p.n
	z := mat.NewDense(n, len(idx), nil)
	if len(idx) == 0 {
		return z, nil
	}
	var done [][]float64
	scale := math.Max(p.norm, math.SmallestNonzeroFloat64)
	dl := make([]float64, max(n-1, 0))
	dd := make([]float64, n)
	du := make([]float64, max(n-1, 0))
	for c, i := range idx {
		lambda := p.raw[i]
		rng := rand.New(rand.NewPCG(uint64(i)+1, 0x9e3779b97f4a7c15))
		x := make([]float64, n)
		for j := range x {
			x[j] = rng.Float64() - 0.5
		}
		shift := lambda + 4*math.Sqrt(float64(n))*1e-16*scale
		for iter := 0; iter < 8; iter++ {
			copy(dl, p.off)
			copy(du, p.off)
			for j := range dd {
				dd[j] = p.diag[j] - shift
			}
			if ok := lapackImpl.Dgtsv(n, 1, dl, dd, du, x, 1); !ok {
				// The shift hit an eigenvalue exactly: move it a little.
				shift += 1e-14 * scale
				for j := range x {
					x[j] = rng.Float64() - 0.5
				}
				continue
			}
			for pass := 0; pass < 2; pass++ { // reorthogonalise twice for stability
				for _, v := range done {
					dot := 0.0
					for j := range x {
						dot += x[j] * v[j]
					}
					for j := range x {
						x[j] -= dot * v[j]
					}
				}
			}
			nrm := 0.0
			for _, v := range x {
				nrm += v * v
			}
			nrm = math.Sqrt(nrm)
			if nrm == 0 || math.IsNaN(nrm) || math.IsInf(nrm, 0) {
				return nil, errors.New("nrc: inverse iteration for an eigenvector broke down")
			}
			for j := range x {
				x[j] /= nrm
			}
			if iter >= 1 && p.residual(x, lambda) <= 1e-12*scale*math.Sqrt(float64(n)) {
				break
			}
		}
		done = append(done, x)
		for j := 0; j < n; j++ {
			z.Set(j, c, x[j])
		}
	}
	p.formQ()
	q := mat.NewDense(n, n, p.a)
	var u mat.Dense
	u.Mul(q, z)
	return &u, nil
}

// residual returns ‖T·x − λ·x‖₂.
func (p *partialEig) residual(x []float64, lambda float64) float64 {
	n := p.n
	s := 0.0
	for j := 0; j < n; j++ {
		v := (p.diag[j] - lambda) * x[j]
		if j > 0 {
			v += p.off[j-1] * x[j-1]
		}
		if j < n-1 {
			v += p.off[j] * x[j+1]
		}
		s += v * v
	}
	return math.Sqrt(s)
}

// topVectors returns the eigenvectors of the k largest eigenvalues.
func (p *partialEig) topVectors(k int) (*mat.Dense, error) {
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	return p.vectors(idx)
}

// unitScaled returns a copy of m divided by the power of two that brings
// its largest absolute entry into [0.5, 1) (m itself when it is all zero).
// Scale-invariant quantities of m (singular subspaces, stable ranks) are
// unchanged and its Gram matrix cannot overflow or underflow.
func unitScaled(m *mat.Dense) *mat.Dense {
	r, c := m.Dims()
	big := 0.0
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			big = math.Max(big, math.Abs(m.At(i, j)))
		}
	}
	if big == 0 {
		return m
	}
	_, e := math.Frexp(big)
	out := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out.Set(i, j, math.Ldexp(m.At(i, j), -e))
		}
	}
	return out
}

// rescaledCovH returns the feature covariance of s in units where the
// largest feature value is of order 1; its eigenvectors are those of the
// covariance in the data's units.
func rescaledCovH(s *stats.Moments) *mat.SymDense {
	r, _, _ := s.Rescaled()
	return r.CovH()
}

// rescaledCovY returns the target covariance of s in units where the
// largest target value is of order 1 (nil when s holds no targets); its
// stable ranks equal those of the covariance in the data's units.
func rescaledCovY(s *stats.Moments) *mat.SymDense {
	r, _, _ := s.Rescaled()
	return r.CovY()
}
