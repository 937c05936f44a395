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
// the top-j principal components of the raw features H (eigenvectors of
// their centred covariance, as a PCA fitted on H) and is applied to the
// uncentred normalised h̃ = h/‖h‖, as the paper defines it and its code
// computes it. NRC1 proper is curve[n−1]. raw holds the features'
// statistics, norm the same rows accumulated with stats.NewRowNormalized.
func NRC1Curve(raw, norm *stats.Moments, maxComponents int) ([]float64, error) {
	if !norm.RowNormalized() {
		return nil, errors.New("nrc: NRC1 needs row-normalised statistics: accumulate with stats.NewRowNormalized")
	}
	if raw.RowNormalized() {
		return nil, errors.New("nrc: NRC1 takes its principal components from the raw features: pass the un-normalised statistics first")
	}
	if norm.N() < 2 || raw.N() != norm.N() || raw.FeatureDim() != norm.FeatureDim() {
		return nil, fmt.Errorf("nrc: NRC1 needs the same ≥ 2 samples of the same width in both statistics, got %d and %d samples of width %d and %d",
			raw.N(), norm.N(), raw.FeatureDim(), norm.FeatureDim())
	}
	d := norm.FeatureDim()
	if maxComponents <= 0 || maxComponents > d {
		maxComponents = d
	}
	sp, err := eigDesc(rescaledCovH(raw))
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
	return nrc3Gram(outerGram(w), covY, gammas)
}

// nrc3Gram is NRC3 from W·Wᵀ.
func nrc3Gram(ww mat.Symmetric, covY mat.Symmetric, gammas []float64) ([]float64, error) {
	nOut := ww.SymmetricDim()
	if covY.SymmetricDim() != nOut {
		return nil, fmt.Errorf("nrc: W·Wᵀ is %d×%d but the target covariance is %d×%d", nOut, nOut, covY.SymmetricDim(), covY.SymmetricDim())
	}
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
	_, nOut := w.M.Dims()
	if covY.SymmetricDim() != nOut {
		return nil, fmt.Errorf("nrc: weight has %d outputs but the target covariance is %d×%d", nOut, covY.SymmetricDim(), covY.SymmetricDim())
	}
	return searchGammaGram(outerGram(w), covY, points)
}

func searchGammaGram(ww, covY mat.Symmetric, points int) (*GammaSearch, error) {
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
			// The share first, then the scale: (i/(n−1))·λ_min never rounds
			// above λ_min, and the grid ends exactly at λ_min (λ_min·i/(n−1)
			// can overshoot it by an ulp, and γ*/λ_min with it).
			gs.Gammas[i] = float64(i) / float64(points-1) * lmin
		}
	}
	if gs.Values, err = nrc3Gram(ww, covY, gs.Gammas); err != nil {
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
	return closedFormGram(outerGram(w), covY)
}

func closedFormGram(ww, covY mat.Symmetric) (gamma, residual float64, err error) {
	nOut := ww.SymmetricDim()
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

// LastLayer is what the last-layer NRC3 needs of one checkpoint: the Gram
// matrix W·Wᵀ of the last layer's weight (t×t, t the targets) and the
// target covariance Σ_Y, both row-major. NRC3 depends on the weight only
// through W·Wᵀ, so runs keep this instead of the weight.
type LastLayer struct {
	Epoch int         `json:"epoch"`
	WWT   [][]float64 `json:"wwt"`
	CovY  [][]float64 `json:"cov_y"`
}

// NewLastLayer returns the state of a checkpoint at epoch from the last
// layer's weight w (t outputs) and the target covariance.
func NewLastLayer(epoch int, w *Weight, covY mat.Symmetric) (LastLayer, error) {
	_, t := w.M.Dims()
	if covY.SymmetricDim() != t {
		return LastLayer{}, fmt.Errorf("nrc: weight has %d outputs but the target covariance is %d×%d", t, covY.SymmetricDim(), covY.SymmetricDim())
	}
	return LastLayer{Epoch: epoch, WWT: rows(outerGram(w)), CovY: rows(covY)}, nil
}

func rows(s mat.Symmetric) [][]float64 {
	n := s.SymmetricDim()
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out[i] {
			out[i][j] = s.At(i, j)
		}
	}
	return out
}

func sym(r [][]float64) (*mat.SymDense, error) {
	n := len(r)
	s := mat.NewSymDense(max(n, 1), nil)
	if n == 0 {
		return nil, errors.New("nrc: empty matrix")
	}
	for i := range r {
		if len(r[i]) != n {
			return nil, fmt.Errorf("nrc: row %d has %d entries in a %d×%d matrix", i, len(r[i]), n, n)
		}
		for j := i; j < n; j++ {
			s.SetSym(i, j, r[i][j])
		}
	}
	return s, nil
}

// T returns the number of targets.
func (l LastLayer) T() int { return len(l.CovY) }

// mats returns W·Wᵀ and Σ_Y.
func (l LastLayer) mats() (ww, covY *mat.SymDense, err error) {
	if ww, err = sym(l.WWT); err != nil {
		return nil, nil, err
	}
	if covY, err = sym(l.CovY); err != nil {
		return nil, nil, err
	}
	if ww.SymmetricDim() != covY.SymmetricDim() {
		return nil, nil, fmt.Errorf("nrc: W·Wᵀ is %d×%d but Σ_Y is %d×%d", ww.SymmetricDim(), ww.SymmetricDim(), covY.SymmetricDim(), covY.SymmetricDim())
	}
	return ww, covY, nil
}

// NRC3 evaluates the last-layer NRC3 at each γ (see the function NRC3),
// with this checkpoint's W·Wᵀ against the target covariance covY (nil: its
// own Σ_Y). The authors take γ* from the final checkpoint and Σ_Y of the
// final one for every epoch.
func (l LastLayer) NRC3(covY mat.Symmetric, gammas []float64) ([]float64, error) {
	ww, own, err := l.mats()
	if err != nil {
		return nil, err
	}
	if covY == nil {
		covY = own
	}
	return nrc3Gram(ww, covY, gammas)
}

// SearchGamma scans NRC3 of this checkpoint over points γ values on
// [0, λ_min(Σ_Y)] (see the function SearchGamma).
func (l LastLayer) SearchGamma(points int) (*GammaSearch, error) {
	ww, covY, err := l.mats()
	if err != nil {
		return nil, err
	}
	return searchGammaGram(ww, covY, points)
}

// ClosedFormGamma is the closed-form γ* of this checkpoint (see the
// function ClosedFormGamma).
func (l LastLayer) ClosedFormGamma() (gamma, residual float64, err error) {
	ww, covY, err := l.mats()
	if err != nil {
		return 0, 0, err
	}
	return closedFormGram(ww, covY)
}
