package nrc

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/deepnrc/deepnrc/nrclib/stats"
	"gonum.org/v1/gonum/mat"
)

// Layer computes every Deep NRC metric of one probed layer from its
// statistics s (features paired with targets) and, when not nil, the
// layer's weight w, whose input dimension must equal the layer's width.
//
// Degenerate inputs: fewer than 2 samples, constant targets, a rank k
// outside [1, width] and a weight of the wrong width are errors. A layer
// whose features are constant (a dead layer) is not an error, since whole
// networks can die under strong weight decay; it gets documented values:
// noise 1 (no signal subspace), every CKA 0, no alignment (nil), stable
// ranks 0, probe MSE equal to the mean target variance (nothing is
// predicted), and a warning saying so. When the features' rank is below k,
// U_k is completed by an arbitrary basis of the null space, so the
// alignments are then flagged with a warning.
//
// Metrics added with RegisterMetric are computed last, from the same
// inputs and the built-in values, into LayerMetrics.Extra.
func Layer(name string, s *stats.Moments, w *Weight, opt Options) (LayerMetrics, error) {
	lm, err := builtinLayer(name, s, w, opt)
	if err != nil {
		return lm, err
	}
	err = computeRegistered(LayerInput{Name: name, Stats: s, Weight: w, Options: opt, Metrics: &lm})
	return lm, err
}

// builtinLayer computes the metrics of package nrc's catalogue (see Layer).
func builtinLayer(name string, s *stats.Moments, w *Weight, opt Options) (LayerMetrics, error) {
	lm := LayerMetrics{Name: name, Width: s.FeatureDim()}
	t := s.TargetDim()
	if t < 1 {
		return lm, fmt.Errorf("nrc: layer %s: the statistics hold no targets (t=0): accumulate with stats.New(d, t)", name)
	}
	if s.N() < 2 {
		return lm, fmt.Errorf("nrc: layer %s: %d sample(s) accumulated; at least 2 are needed for a covariance", name, s.N())
	}
	k := opt.Rank
	if k == 0 {
		k = t
	}
	if k < 1 || k > lm.Width {
		fix := "choose a smaller --rank"
		if k < 1 {
			fix = "choose a rank ≥ 1 (0 means t, the number of targets)"
		}
		return lm, fmt.Errorf("nrc: layer %s: rank k=%d must lie in [1, %d] (the layer width): %s", name, k, lm.Width, fix)
	}
	if w != nil && w.In() != lm.Width {
		return lm, fmt.Errorf("nrc: layer %s: weight consumes %d input features but the probe has width %d: pass the weight of the layer whose input was probed", name, w.In(), lm.Width)
	}
	// Every metric but the probe MSEs is invariant to scaling the features
	// or the targets, so they are computed from statistics in units where
	// the largest values are of order 1 (no overflow or underflow at any
	// magnitude); the probe MSEs are scaled back to target units.
	s, _, ey := s.Rescaled()
	covH, covHY, covY := s.CovH(), s.CovHY(), s.CovY()
	ySp, err := eigDesc(covY)
	if err != nil {
		return lm, err
	}
	if sum(ySp.values) <= zeroTrace {
		return lm, fmt.Errorf("nrc: layer %s: %w: every target row is the same, so no NRC metric is defined", name, ErrZeroVariance)
	}
	hEig, err := newPartialEig(covH)
	if err != nil {
		return lm, fmt.Errorf("nrc: layer %s: %w", name, err)
	}
	lm.StableRankH = StableRank(hEig.values)
	lm.StableRankHPaper = StableRankSquared(hEig.values)
	var wEig *partialEig
	if w != nil {
		var g mat.SymDense
		g.SymOuterK(1, unitScaled(w.M))
		if wEig, err = newPartialEig(&g); err != nil {
			return lm, fmt.Errorf("nrc: layer %s weight: %w", name, err)
		}
		sr := StableRank(wEig.values)
		lm.StableRankW = &sr
	}
	second := s.SecondMomentH()
	sEig, err := newPartialEig(second)
	if err != nil {
		return lm, fmt.Errorf("nrc: layer %s: %w", name, err)
	}
	if lm.ProbeMSEPaper, err = probeMSE(sEig, second, covHY, covY, opt.ProbeRelCutoff); err != nil {
		return lm, fmt.Errorf("nrc: layer %s: %w", name, err)
	}
	if lm.ProbeMSE, err = probeMSE(hEig, covH, covHY, covY, opt.ProbeRelCutoff); err != nil {
		return lm, fmt.Errorf("nrc: layer %s: %w", name, err)
	}
	lm.ProbeMSE, lm.ProbeMSEPaper = math.Ldexp(lm.ProbeMSE, 2*ey), math.Ldexp(lm.ProbeMSEPaper, 2*ey)
	if math.IsInf(lm.ProbeMSE, 0) || math.IsInf(lm.ProbeMSEPaper, 0) {
		return lm, fmt.Errorf("nrc: layer %s: the probe MSE, in the targets' units squared, exceeds float64's range "+
			"(the targets reach about 2^%d): divide the targets by a large constant (say 1e100) and measure again", name, ey)
	}
	if sum(hEig.values) <= zeroTrace {
		lm.Noise = 1
		lm.Warnings = append(lm.Warnings, "constant features (dead layer): noise set to 1, CKA to 0, alignment undefined")
		return lm, nil
	}
	if lm.Noise, err = noiseFromValues(hEig.values, k); err != nil {
		return lm, err
	}
	if lm.CKA, err = CKA(covH, covHY, covY); err != nil {
		return lm, err
	}
	uk, err := hEig.topVectors(k)
	if err != nil {
		return lm, fmt.Errorf("nrc: layer %s: %w", name, err)
	}
	lm.CKAProjected = ckaProjected(uk, hEig.values[:k], covHY, covY)
	lm.CKAFirstT = ckaFirstT(covH, covHY, covY)
	if rankH := numericalRank(hEig.values); rankH < k {
		lm.Warnings = append(lm.Warnings, fmt.Sprintf("feature rank %d is below k=%d: U_k includes arbitrary null-space directions", rankH, k))
	}
	if w != nil {
		qk, err := wEig.topVectors(k)
		if err != nil {
			return lm, fmt.Errorf("nrc: layer %s weight: %w", name, err)
		}
		cos, err := principalCosines(uk, qk)
		if err != nil {
			return lm, err
		}
		a := sum(cos) / float64(len(cos))
		lm.WHAlignment = &a
		if rw := numericalRank(wEig.values); rw < k {
			lm.Warnings = append(lm.Warnings, fmt.Sprintf("weight rank %d is below k=%d: its top-k input subspace includes arbitrary directions", rw, k))
		}
		if k < lm.Width {
			// The cosines between U_k and the complement of the weight's
			// top-k subspace are √(1 − cos²) of those with the subspace;
			// min(k, width−k) of them exist, the largest ones.
			comp := make([]float64, len(cos))
			for i, c := range cos {
				comp[len(cos)-1-i] = math.Sqrt(math.Max(0, 1-c*c))
			}
			m := min(k, lm.Width-k)
			a := sum(comp[:m]) / float64(m)
			lm.NoiseSubspaceAlignment = &a
		}
	}
	return lm, nil
}

// probeMSE is the linear-probe residual (tr Σ_Y − Σ_{i kept} ‖u_iᵀ·C‖²/λ_i)/t
// for the second moment a of the features (centred or not) with spectrum p,
// cross-moment C with the centred targets and target covariance covY; the
// kept directions are those with λ_i ≥ relCutoff²·λ_max (relCutoff ≤ 0
// means DefaultProbeRelCutoff). It avoids a full eigendecomposition: the
// dropped eigenvalues are lifted to λ_max, the lifted matrix is solved by
// Cholesky, and the lifted directions' share is subtracted again.
func probeMSE(p *partialEig, a mat.Symmetric, cross mat.Matrix, covY mat.Symmetric, relCutoff float64) (float64, error) {
	if relCutoff <= 0 {
		relCutoff = DefaultProbeRelCutoff
	}
	t := covY.SymmetricDim()
	trY := 0.0
	for i := 0; i < t; i++ {
		trY += covY.At(i, i)
	}
	n := p.n
	if n == 0 || p.raw[0] <= 0 {
		return trY / float64(t), nil
	}
	lmax := p.rawValue(0)
	cut := relCutoff * relCutoff * lmax
	var dropped []int
	for i := range p.raw {
		if l := p.rawValue(i); l < cut || l <= 0 {
			dropped = append(dropped, i)
		}
	}
	lifted := mat.NewSymDense(n, nil)
	lifted.CopySym(a)
	var vd *mat.Dense
	if len(dropped) > 0 {
		var err error
		if vd, err = p.vectors(dropped); err != nil {
			return 0, err
		}
		for c, i := range dropped {
			v := vd.ColView(c)
			lifted.SymRankOne(lifted, lmax-p.rawValue(i), v)
		}
	}
	var chol mat.Cholesky
	if ok := chol.Factorize(lifted); !ok {
		return 0, errors.New("linear probe: the features' second moment is too ill-conditioned to solve")
	}
	var sol mat.Dense
	if err := chol.SolveTo(&sol, cross); err != nil {
		return 0, fmt.Errorf("linear probe: %w", err)
	}
	var prod mat.Dense
	prod.MulElem(&sol, cross)
	explained := mat.Sum(&prod)
	if vd != nil {
		var proj mat.Dense
		proj.Mul(vd.T(), cross)
		explained -= frob2(&proj) / lmax
	}
	return math.Max(trY-explained, 0) / float64(t), nil
}

// numericalRank counts eigenvalues above a rounding-level share of the
// largest one.
func numericalRank(vals []float64) int {
	if len(vals) == 0 || vals[0] <= 0 {
		return 0
	}
	tol := vals[0] * float64(len(vals)) * 1e-13
	r := 0
	for _, v := range vals {
		if v > tol {
			r++
		}
	}
	return r
}

// ckaProjected is CKA(Hc·U_k, Y): the projected features have covariance
// diag(λ₁..λ_k) and cross-covariance U_kᵀ·Σ_HY with the targets.
func ckaProjected(uk *mat.Dense, topValues []float64, covHY mat.Matrix, covY mat.Symmetric) float64 {
	var cross mat.Dense
	cross.Mul(uk.T(), covHY)
	nh := 0.0
	for _, l := range topValues {
		nh += l * l
	}
	nh = math.Sqrt(nh)
	ny := math.Sqrt(frob2(covY))
	if nh <= zeroTrace || ny <= zeroTrace {
		return 0
	}
	return math.Min(frob2(&cross)/(nh*ny), 1)
}

// ckaFirstT is CKA between the first t feature columns (neurons or
// channels) and Y, what the paper's released code computes. A first-t block
// without variance gives 0, as that code does.
func ckaFirstT(covH mat.Symmetric, covHY mat.Matrix, covY mat.Symmetric) float64 {
	t := covY.SymmetricDim()
	d := covH.SymmetricDim()
	m := min(t, d)
	sub := mat.NewSymDense(m, nil)
	for i := 0; i < m; i++ {
		for j := i; j < m; j++ {
			sub.SetSym(i, j, covH.At(i, j))
		}
	}
	cross := mat.DenseCopyOf(covHY).Slice(0, m, 0, t)
	c, err := CKA(sub, cross, covY)
	if err != nil {
		return 0
	}
	return c
}

// Measure computes the Deep NRC report of a whole network at one
// checkpoint: one LayerMetrics per probed layer (names and stats in network
// order, weights aligned with them, nil entries allowed), the target stable
// ranks, and the first collapsed layer under opt.Rule (DefaultRule when
// nil). All layers must share the same targets and sample count.
func Measure(names []string, layerStats []*stats.Moments, weights []*Weight, opt Options) (*Report, error) {
	if len(names) == 0 || len(names) != len(layerStats) {
		return nil, fmt.Errorf("nrc: %d layer names for %d statistics: give one name per probed layer", len(names), len(layerStats))
	}
	if weights != nil && len(weights) != len(names) {
		return nil, fmt.Errorf("nrc: %d weights for %d layers: pass nil entries for layers without a weight", len(weights), len(names))
	}
	rule := DefaultRule()
	if opt.Rule != nil {
		rule = *opt.Rule
	}
	if err := rule.Validate(); err != nil {
		return nil, err
	}
	first := layerStats[0]
	t := first.TargetDim()
	rep := &Report{TargetDim: t, N: first.N(), ModelMSE: opt.ModelMSE, Rule: rule.String()}
	rep.Rank = opt.Rank
	if rep.Rank == 0 {
		rep.Rank = t
	}
	for i, s := range layerStats {
		if s.N() != first.N() || s.TargetDim() != t {
			return nil, fmt.Errorf("nrc: layer %s has %d samples and %d targets but layer %s has %d and %d: every probe must see the same samples", names[i], s.N(), s.TargetDim(), names[0], first.N(), t)
		}
	}
	if covY := first.CovY(); covY != nil {
		rep.TargetVariance = mat.Trace(covY) / float64(t)
	}
	if covY := rescaledCovY(first); covY != nil {
		sp, err := eigDesc(covY)
		if err != nil {
			return nil, err
		}
		rep.TargetStableRank = StableRank(sp.values)
		rep.TargetStableRankPaper = StableRankSquared(sp.values)
	}
	noise := make([]float64, len(names))
	cka := make([]float64, len(names))
	// Layers are independent: measure them concurrently, keep their order,
	// and report the first layer's error.
	rep.Layers = make([]LayerMetrics, len(names))
	errs := make([]error, len(names))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(len(names), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(names); i = int(next.Add(1) - 1) {
				var w *Weight
				if weights != nil {
					w = weights[i]
				}
				rep.Layers[i], errs[i] = Layer(names[i], layerStats[i], w, opt)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, err
		}
		noise[i], cka[i] = rep.Layers[i].Noise, rep.Layers[i].CKAProjected
	}
	if f := rule.FirstCollapsed(noise, cka); f >= 0 {
		name := names[f]
		rep.FirstCollapsed = &name
	}
	return rep, nil
}

// Records flattens the report into long-format rows for run at epoch: the
// run-level metrics of the catalogue the report has (target stable ranks,
// model MSE) under the layer name "", then, layer by layer, every per-layer
// metric of the catalogue in its order (metrics without a value, such as
// weight metrics of layers given no weight, are left out).
func (r *Report) Records(run string, epoch int) []Record {
	var out []Record
	add := func(layer, metric string, v float64) {
		out = append(out, Record{Run: run, Epoch: epoch, Layer: layer, Metric: metric, Value: v})
	}
	cat := Metrics()
	for _, m := range cat {
		if m.run != nil {
			if v, ok := m.run(r); ok {
				add("", m.Name, v)
			}
		}
	}
	for i := range r.Layers {
		l := &r.Layers[i]
		for _, m := range cat {
			if m.Level != PerLayer {
				continue
			}
			if v, ok := l.Value(m.Name); ok {
				add(l.Name, m.Name, v)
			}
		}
	}
	return out
}

// LayerBytes returns an upper estimate of the working memory Layer needs
// for a probe of width d with t targets and a weight: it holds up to ten
// d×d matrices at once (covariances, second moment, weight Gram matrix,
// Householder factors, the probe's lifted matrix and its Cholesky factor).
// Callers that take d from their input size the request with it first
// (see package membudget). It is −1 when the count overflows int64.
func LayerBytes(d, t int) int64 {
	dd, tt := int64(d), int64(t)
	if dd < 0 || tt < 0 || dd > 1<<29 || tt > 1<<29 {
		return -1
	}
	return 8 * (10*dd*dd + 4*dd*(tt+64) + 2*tt*tt)
}
