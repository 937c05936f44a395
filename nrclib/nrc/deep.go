// Package nrc computes every Neural Regression Collapse metric from the
// streaming statistics of package stats and, where needed, the layer
// weights: the per-layer Deep NRC1–4 of Rangamani & Unal (CPAL 2026) and the
// last-layer NRC1–3 of Andriopoulos et al. (NeurIPS 2024).
//
// Conventions, shared by every function here:
//   - H (N×d) holds one probed layer's input features per row, Y (N×t) the
//     targets. Hc and Yc are centred on their column means.
//   - Σ_H = (1/N)·Hcᵀ·Hc, Σ_HY = (1/N)·Hcᵀ·Yc, Σ_Y = (1/N)·Ycᵀ·Yc (divided
//     by N, as the paper's code), with eigenvalues λ₁ ≥ … ≥ λ_d and
//     eigenvectors U; U_k holds the first k.
//   - k, the signal rank, defaults to t; set it to a target's intrinsic rank
//     r for the paper's §4.3 variants.
//
// The package knows nothing of GoMLX: it works on gonum matrices only, so it
// serves features exported from any framework. No function ever forms an
// N×N matrix; every metric costs O(d³) whatever N is.
package nrc

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ErrZeroVariance reports a layer (or target) whose every sample is the
// same, for which variance ratios are undefined.
var ErrZeroVariance = errors.New("nrc: zero variance")

// DefaultProbeRelCutoff is the relative singular-value cutoff of the
// linear probe's pseudo-inverse, as the paper's code (rtol = 1e-3).
const DefaultProbeRelCutoff = 1e-3

// zeroTrace is the trace below which a covariance counts as zero, relative
// to nothing: statistics are in the data's own units, so only an exactly
// (or rounding-level) constant layer qualifies.
const zeroTrace = 1e-300

// NoiseFraction returns Deep NRC1, the share of the feature variance outside
// the top-k principal subspace: 1 − Σ_{i≤k} λ_i / Σ_i λ_i of covH. It is 0
// for perfectly collapsed features and 1 − k/d for isotropic ones. covH must
// be a covariance (positive semi-definite); k must lie in [1, d]. A
// zero-variance covH gives ErrZeroVariance.
func NoiseFraction(covH mat.Symmetric, k int) (float64, error) {
	sp, err := eigDesc(covH)
	if err != nil {
		return 0, err
	}
	return noiseFromValues(sp.values, k)
}

func noiseFromValues(vals []float64, k int) (float64, error) {
	if k < 1 || k > len(vals) {
		return 0, fmt.Errorf("nrc: rank k=%d must lie in [1, %d] (the layer width): lower the rank", k, len(vals))
	}
	total := sum(vals)
	if total <= zeroTrace {
		return 0, fmt.Errorf("%w: the features have no variance, so the noise fraction is undefined", ErrZeroVariance)
	}
	return math.Min(math.Max(1-sum(vals[:k])/total, 0), 1), nil
}

// CKA returns the linear centred kernel alignment between features and
// targets, computed in feature space from their covariances:
//
//	CKA = ‖Σ_HY‖_F² / (‖Σ_H‖_F · ‖Σ_Y‖_F),
//
// which equals tr(K_c L_c)/√(tr(K_c K_c)·tr(L_c L_c)) for K = HHᵀ, L = YYᵀ
// (Kornblith et al., 2019) without forming the N×N kernels. It lies in
// [0, 1], is 1 when H is an isotropically scaled rotation of Y, and is
// invariant to orthogonal maps and isotropic scaling of either side.
func CKA(covH mat.Symmetric, covHY mat.Matrix, covY mat.Symmetric) (float64, error) {
	// Rescale features and targets by powers of two (covH by 4^k, covY by
	// 4^l, covHY by 2^(k+l)), which leaves CKA unchanged and keeps the
	// squared norms below from overflowing or underflowing.
	k, l := evenExp(covH)/2, evenExp(covY)/2
	if k != 0 || l != 0 {
		covH, covY = scaleSym(covH, -2*k), scaleSym(covY, -2*l)
		var c mat.Dense
		c.Scale(math.Ldexp(1, -(k+l)), covHY)
		covHY = &c
	}
	nh := math.Sqrt(frob2(covH))
	ny := math.Sqrt(frob2(covY))
	if ny <= zeroTrace {
		return 0, fmt.Errorf("%w: the targets are constant, so CKA is undefined", ErrZeroVariance)
	}
	if nh <= zeroTrace {
		return 0, fmt.Errorf("%w: the features have no variance, so CKA is undefined", ErrZeroVariance)
	}
	return math.Min(frob2(covHY)/(nh*ny), 1), nil
}

// StableRank returns Σλ_i/λ₁ for eigenvalues (or squared singular values)
// given in any order: the usual stable rank ‖A‖_F²/‖A‖₂² when vals are the
// squared singular values of A. It is 0 for an all-zero spectrum.
func StableRank(vals []float64) float64 {
	mx, s := 0.0, 0.0
	for _, v := range vals {
		mx = math.Max(mx, v)
		s += v
	}
	if mx <= 0 {
		return 0
	}
	return s / mx
}

// StableRankSquared returns Σλ_i²/λ₁², the stable rank of a covariance
// matrix itself, which is the convention of the paper's figures ("stable
// rank H" and the target line). It is 0 for an all-zero spectrum.
func StableRankSquared(vals []float64) float64 {
	sq := make([]float64, len(vals))
	for i, v := range vals {
		sq[i] = v * v
	}
	return StableRank(sq)
}

// SubspaceAlignment returns the mean cosine of the principal angles between
// the column spaces of a and b, which must have orthonormal columns and the
// same number of rows. Only the min(cols(a), cols(b)) angles that exist are
// averaged. It is 1 for the same subspace and 0 for orthogonal ones.
func SubspaceAlignment(a, b mat.Matrix) (float64, error) {
	ra, _ := a.Dims()
	rb, _ := b.Dims()
	if ra != rb {
		return 0, fmt.Errorf("nrc: subspaces live in spaces of dimension %d and %d", ra, rb)
	}
	c, err := principalCosines(a, b)
	if err != nil {
		return 0, err
	}
	if len(c) == 0 {
		return 0, errors.New("nrc: an empty subspace has no principal angles")
	}
	return sum(c) / float64(len(c)), nil
}

// ProbeMSE returns Deep NRC4: the mean squared error, averaged over all N·t
// entries, of the least-squares fit of Y on H with an intercept, from the
// covariances alone:
//
//	MSE = (tr Σ_Y − Σ_{i kept} ‖u_iᵀ Σ_HY‖² / λ_i) / t,
//
// where the pseudo-inverse keeps the eigen-directions whose singular value
// of Hc, √(N·λ_i), is at least relCutoff times the largest (relCutoff ≤ 0
// means DefaultProbeRelCutoff). It is 0 when Y is an affine function of H.
func ProbeMSE(covH mat.Symmetric, covHY mat.Matrix, covY mat.Symmetric, relCutoff float64) (float64, error) {
	p, err := newPartialEig(covH)
	if err != nil {
		return 0, err
	}
	return probeMSE(p, covH, covHY, covY, relCutoff)
}

// evenExp returns the even exponent 2j such that the largest absolute entry
// of s lies below 2^(2j) and at or above 2^(2j−2) (0 for an all-zero s).
func evenExp(s mat.Symmetric) int {
	n := s.SymmetricDim()
	big := 0.0
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			big = math.Max(big, math.Abs(s.At(i, j)))
		}
	}
	if big == 0 || math.IsInf(big, 0) || math.IsNaN(big) {
		return 0
	}
	_, e := math.Frexp(big)
	if e%2 != 0 {
		e++
	}
	return e
}

// scaleSym returns s·2^e.
func scaleSym(s mat.Symmetric, e int) *mat.SymDense {
	n := s.SymmetricDim()
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			out.SetSym(i, j, math.Ldexp(s.At(i, j), e))
		}
	}
	return out
}
