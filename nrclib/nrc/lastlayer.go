package nrc

import (
	"errors"
	"fmt"
	"math"

	"github.com/deepnrc/deepnrc/nrclib/stats"
	"gonum.org/v1/gonum/mat"
)

// This file holds the last-layer NRC metrics of Andriopoulos et al.,
// "The Prevalence of Neural Collapse in Neural Multivariate Regression"
// (NeurIPS 2024). They use the row-normalised penultimate features
// h̃ = h/‖h‖ (accumulate them with stats.NewRowNormalized) and the last
// layer's weight W (n×d, n targets).

// NRC1Curve returns the last-layer NRC1 as a function of the number of
// principal components: curve[j−1] = (1/N)·Σ_i ‖h̃_i − P_j h̃_i‖² for
// j = 1..maxComponents (0 or more than d means d), where P_j projects onto
// the top-j principal components of the normalised features (eigenvectors
// of their centred covariance, as a PCA fitted on them) and is applied to
// the uncentred h̃, as the authors' code does. NRC1 proper is curve[n−1].
// norm must be a row-normalised accumulator.
func NRC1Curve(norm *stats.Moments, maxComponents int) ([]float64, error) {
	if !norm.RowNormalized() {
		return nil, errors.New("nrc: NRC1 needs row-normalised statistics: accumulate with stats.NewRowNormalized")
	}
	if norm.N() < 2 {
		return nil, fmt.Errorf("nrc: NRC1 needs at least 2 samples, got %d", norm.N())
	}
	d := norm.FeatureDim()
	if maxComponents <= 0 || maxComponents > d {
		maxComponents = d
	}
	sp, err := eigDesc(norm.CovH())
	if err != nil {
		return nil, err
	}
	second := norm.SecondMomentH()
	total := mat.Trace(second)
	curve := make([]float64, maxComponents)
	captured := 0.0
	for j := 0; j < maxComponents; j++ {
		v := sp.vectors.ColView(j)
		captured += mat.Inner(v, second, v)
		curve[j] = math.Max(total-captured, 0)
	}
	return curve, nil
}

// ExplainedVarianceRatios returns λ_j/Σλ for the top count eigenvalues of
// covH (the EVR of the top principal components, as a PCA reports it).
func ExplainedVarianceRatios(covH mat.Symmetric, count int) ([]float64, error) {
	sp, err := eigDesc(covH)
	if err != nil {
		return nil, err
	}
	total := sum(sp.values)
	if total <= zeroTrace {
		return nil, fmt.Errorf("%w: the features have no variance, so explained-variance ratios are undefined", ErrZeroVariance)
	}
	count = min(count, len(sp.values))
	out := make([]float64, count)
	for j := range out {
		out[j] = sp.values[j] / total
	}
	return out, nil
}

// NRC2 returns the last-layer NRC2 (self-duality): (1/N)·Σ_i ‖h̃_i −
// P_W h̃_i‖², with P_W the projector onto the row space of the last layer's
// weight, computed from the row-normalised statistics norm and the weight w
// (whose input dimension must match).
func NRC2(norm *stats.Moments, w *Weight) (float64, error) {
	if !norm.RowNormalized() {
		return 0, errors.New("nrc: NRC2 needs row-normalised statistics: accumulate with stats.NewRowNormalized")
	}
	if w.In() != norm.FeatureDim() {
		return 0, fmt.Errorf("nrc: weight consumes %d features but the statistics have width %d", w.In(), norm.FeatureDim())
	}
	var g mat.SymDense
	g.SymOuterK(1, w.M)
	sp, err := eigDesc(&g)
	if err != nil {
		return 0, err
	}
	r := numericalRank(sp.values)
	if r == 0 {
		return 0, errors.New("nrc: the weight is all zeros, so its row space is empty and NRC2 is undefined")
	}
	second := norm.SecondMomentH()
	residual := mat.Trace(second)
	for j := 0; j < r; j++ {
		v := sp.vectors.ColView(j)
		residual -= mat.Inner(v, second, v)
	}
	return math.Max(residual, 0), nil
}

// outerGram returns W·Wᵀ (n×n) for the last layer's weight.
func outerGram(w *Weight) *mat.SymDense {
	var g mat.SymDense
	g.SymOuterK(1, w.M.T())
	return &g
}

// sqrtPSD returns the symmetric positive semi-definite square root of s and
// the smallest eigenvalue of s.
func sqrtPSD(s mat.Symmetric) (*mat.SymDense, float64, error) {
	sp, err := eigDesc(s)
	if err != nil {
		return nil, 0, err
	}
	n := len(sp.values)
	root := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := 0.0
			for k, l := range sp.values {
				v += sp.vectors.At(i, k) * math.Sqrt(l) * sp.vectors.At(j, k)
			}
			root.SetSym(i, j, v)
		}
	}
	return root, sp.values[n-1], nil
}

// NRC3 evaluates the last-layer NRC3 at each γ of gammas:
//
//	NRC3(γ) = ‖ W·Wᵀ/‖W·Wᵀ‖_F − (Σ^½ − √γ·I)/‖Σ^½ − √γ·I‖_F ‖_F²,
//
// with Σ = covY (n×n, the target covariance) and w the last layer's weight
// (n outputs). It is 0 exactly when W·Wᵀ is a positive multiple of
// Σ^½ − √γ·I. γ must be non-negative.
func NRC3(w *Weight, covY mat.Symmetric, gammas []float64) ([]float64, error) {
	_, nOut := w.M.Dims()
	if covY.SymmetricDim() != nOut {
		return nil, fmt.Errorf("nrc: weight has %d outputs but the target covariance is %d×%d", nOut, covY.SymmetricDim(), covY.SymmetricDim())
	}
	ww := outerGram(w)
	nw := math.Sqrt(frob2(ww))
	if nw == 0 {
		return nil, errors.New("nrc: the weight is all zeros, so NRC3 is undefined")
	}
	root, _, err := sqrtPSD(covY)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(gammas))
	diff := mat.NewDense(nOut, nOut, nil)
	for gi, g := range gammas {
		if g < 0 || math.IsNaN(g) {
			return nil, fmt.Errorf("nrc: γ=%v must be non-negative", g)
		}
		b := mat.DenseCopyOf(root)
		for i := 0; i < nOut; i++ {
			b.Set(i, i, b.At(i, i)-math.Sqrt(g))
		}
		nb := math.Sqrt(frob2(b))
		if nb == 0 {
			out[gi] = math.Inf(1)
			continue
		}
		for i := 0; i < nOut; i++ {
			for j := 0; j < nOut; j++ {
				diff.Set(i, j, ww.At(i, j)/nw-b.At(i, j)/nb)
			}
		}
		out[gi] = frob2(diff)
	}
	return out, nil
}

// GammaSearch is the result of scanning NRC3 over a γ grid.
type GammaSearch struct {
	// LambdaMin is the smallest eigenvalue of the target covariance.
	LambdaMin float64 `json:"lambda_min"`
	// Gammas is the grid, evenly spaced on [0, λ_min].
	Gammas []float64 `json:"gammas"`
	// Values holds NRC3 at each γ.
	Values []float64 `json:"values"`
	// Best is the γ of the grid with the smallest NRC3, and BestValue that
	// value.
	Best      float64 `json:"best"`
	BestValue float64 `json:"best_value"`
}

// SearchGamma evaluates NRC3 on points evenly spaced γ values on
// [0, λ_min(Σ)] (points ≤ 0 means 1000, the authors' grid) and returns the
// whole curve and its minimiser. The authors fix this γ* from the final
// weights and use it for every earlier epoch.
func SearchGamma(w *Weight, covY mat.Symmetric, points int) (*GammaSearch, error) {
	if points <= 0 {
		points = 1000
	}
	_, lmin, err := sqrtPSD(covY)
	if err != nil {
		return nil, err
	}
	if lmin <= 0 {
		return nil, errors.New("nrc: the target covariance is singular (λ_min = 0), so the γ range (0, λ_min) is empty")
	}
	gs := &GammaSearch{LambdaMin: lmin, Gammas: make([]float64, points)}
	for i := range gs.Gammas {
		if points == 1 {
			gs.Gammas[i] = 0
		} else {
			gs.Gammas[i] = lmin * float64(i) / float64(points-1)
		}
	}
	if gs.Values, err = NRC3(w, covY, gs.Gammas); err != nil {
		return nil, err
	}
	best := 0
	for i, v := range gs.Values {
		if v < gs.Values[best] {
			best = i
		}
	}
	gs.Best, gs.BestValue = gs.Gammas[best], gs.Values[best]
	return gs, nil
}

// ClosedFormGamma returns the minimiser of the un-normalised NRC3,
// ‖W·Wᵀ − Σ^½ + √γ·I‖_F², over γ ≥ 0 (Andriopoulos et al., Thm F.1):
// γ* = ((tr Σ^½ − tr W·Wᵀ)/n)², which exists when tr Σ^½ > tr W·Wᵀ; it
// also returns the residual at γ*. Otherwise it returns an error.
func ClosedFormGamma(w *Weight, covY mat.Symmetric) (gamma, residual float64, err error) {
	_, nOut := w.M.Dims()
	if covY.SymmetricDim() != nOut {
		return 0, 0, fmt.Errorf("nrc: weight has %d outputs but the target covariance is %d×%d", nOut, covY.SymmetricDim(), covY.SymmetricDim())
	}
	ww := outerGram(w)
	root, _, err := sqrtPSD(covY)
	if err != nil {
		return 0, 0, err
	}
	gap := mat.Trace(root) - mat.Trace(ww)
	if gap <= 0 {
		return 0, 0, fmt.Errorf("nrc: tr Σ^½ = %g does not exceed tr W·Wᵀ = %g, so the un-normalised NRC3 has no interior minimiser", mat.Trace(root), mat.Trace(ww))
	}
	n := float64(nOut)
	s := gap / n
	diff := mat.NewDense(nOut, nOut, nil)
	for i := 0; i < nOut; i++ {
		for j := 0; j < nOut; j++ {
			diff.Set(i, j, ww.At(i, j)-root.At(i, j))
		}
		diff.Set(i, i, diff.At(i, i)+s)
	}
	return s * s, frob2(diff), nil
}
