package data

import (
	"fmt"
	"math"
)

// SyntheticInputDim is d, the input dimension of the paper's synthetic data.
const SyntheticInputDim = 20

// Synthetic generates the paper's nonlinear synthetic task: n inputs
// x ~ N(0, I₂₀) and targets y = f₀(x), where f₀ is a randomly initialised
// fully connected net 20→r→r→t with ReLU after both hidden layers and
// PyTorch's default initialisation, U(±1/√fan_in) for weights and biases.
// The activation and initialisation are this project's reading of the
// paper (which leaves them unstated).
//
// Because the last hidden layer has width r, the targets lie in an affine
// subspace of dimension at most r: the covariance of Y has rank min(r, t).
// A ReLU unit that is dead on every sample would lower that rank, so the
// net is redrawn (from the same stream, deterministically) until the last
// hidden layer's covariance has full rank r on the sample; the paper does
// not say whether it did this.
//
// X and the net come from separate streams of the seed, so for one seed
// the function f₀ does not depend on n (X row by row; the net's layers
// W₁, b₁, W₂, b₂, W₃, b₃ each row-major). n, t and r must be positive.
func Synthetic(n, t, r int, seed uint64) (*Table, error) {
	return SyntheticStableRank(n, t, r, seed, 0, math.Inf(1))
}

// SyntheticStableRank is Synthetic with a second draw rule: the net is also
// redrawn until the stable rank Σλ²/λ₁² of its targets' covariance lies in
// [lo, hi]. The rule is checked on a probe sample of SyntheticProbeRows
// inputs of its own stream, so the chosen f₀ does not depend on n. The
// paper's Fig 3 targets have stable rank ≈ 1.4, which a plain draw of the
// generator rarely gives (most draws are ≈ 1.0: effectively rank 1).
func SyntheticStableRank(n, t, r int, seed uint64, lo, hi float64) (*Table, error) {
	if n < 2 || t < 1 || r < 1 {
		return nil, fmt.Errorf("data.Synthetic: need n ≥ 2, t ≥ 1, r ≥ 1, got n=%d t=%d r=%d", n, t, r)
	}
	const d = SyntheticInputDim
	gx, g := newRNG(seed, streamSyntheticX), newRNG(seed, streamSynthetic)
	x := make([]float64, n*d)
	for i := range x {
		x[i] = gx.Norm()
	}
	uniform := func(rows, cols int) []float64 {
		return uniformBias(g, rows*cols, cols)
	}
	ruled := lo > 0 || !math.IsInf(hi, 1)
	var probe []float64
	if ruled {
		gp := newRNG(seed, streamSyntheticProbe)
		probe = make([]float64, SyntheticProbeRows*d)
		for i := range probe {
			probe[i] = gp.Norm()
		}
	}
	const maxDraws = 5000
	for draw := 0; draw < maxDraws; draw++ {
		// A Linear(fan_in, fan_out) layer: weights then biases, both
		// U(±1/√fan_in).
		l1w, l1b := uniform(r, d), uniformBias(g, r, d)
		l2w, l2b := uniform(r, r), uniformBias(g, r, r)
		l3w, l3b := uniform(t, r), uniformBias(g, t, r)
		if ruled {
			m := SyntheticProbeRows
			yp := make([]float64, m*t)
			h1, h2 := make([]float64, r), make([]float64, r)
			for i := 0; i < m; i++ {
				dense(h1, l1w, l1b, probe[i*d:(i+1)*d], true)
				dense(h2, l2w, l2b, h1, true)
				dense(yp[i*t:(i+1)*t], l3w, l3b, h2, false)
			}
			if sr := stableRankSq(eigenDesc(cov64(yp, m, t, nil))); !(sr >= lo && sr <= hi) {
				continue
			}
		}
		h2 := make([]float64, n*r)
		h1 := make([]float64, r)
		for i := 0; i < n; i++ {
			dense(h1, l1w, l1b, x[i*d:(i+1)*d], true)
			dense(h2[i*r:(i+1)*r], l2w, l2b, h1, true)
		}
		if covRank(h2, n, r) < r {
			continue
		}
		y := make([]float64, n*t)
		for i := 0; i < n; i++ {
			dense(y[i*t:(i+1)*t], l3w, l3b, h2[i*r:(i+1)*r], false)
		}
		return &Table{X: x, Y: y, N: n, D: d, T: t}, nil
	}
	return nil, fmt.Errorf("data.Synthetic: no draw of the %d→%d→%d→%d net in %d tries had a full-rank last hidden layer and a target stable rank in [%g, %g]; "+
		"use more samples (n=%d), a smaller r or a wider range", d, r, r, t, maxDraws, lo, hi, n)
}

// SyntheticProbeRows is the size of the probe sample SyntheticStableRank
// checks its rule on.
const SyntheticProbeRows = 4096

// stableRankSq is Σλ²/λ₁² of descending eigenvalues (0 for none).
func stableRankSq(ev []float64) float64 {
	if len(ev) == 0 || !(ev[0] > 0) {
		return 0
	}
	s := 0.0
	for _, v := range ev {
		s += v * v
	}
	return s / (ev[0] * ev[0])
}

// uniformBias draws fanOut biases U(±1/√fanIn).
func uniformBias(g *rng, fanOut, fanIn int) []float64 {
	b := 1 / math.Sqrt(float64(fanIn))
	v := make([]float64, fanOut)
	for i := range v {
		v[i] = g.Uniform(-b, b)
	}
	return v
}

// dense computes out = W·in + b (W row-major, len(out) rows), optionally
// followed by ReLU.
func dense(out, w, b, in []float64, relu bool) {
	k := len(in)
	for o := range out {
		s := b[o]
		row := w[o*k : (o+1)*k]
		for j, v := range in {
			s += row[j] * v
		}
		if relu && s < 0 {
			s = 0
		}
		out[o] = s
	}
}

// LowRank generates the linear low-rank task: x ~ N(0, I₂₀) and y = x·A·B
// with A ∈ R^{20×r} and B ∈ R^{r×t} of independent N(0, 1) entries, so the
// targets have rank min(r, t) (almost surely). X comes from its own stream
// and A, B (row-major) from another, so the map does not depend on n.
func LowRank(n, t, r int, seed uint64) (*Table, error) {
	if n < 2 || t < 1 || r < 1 {
		return nil, fmt.Errorf("data.LowRank: need n ≥ 2, t ≥ 1, r ≥ 1, got n=%d t=%d r=%d", n, t, r)
	}
	const d = SyntheticInputDim
	norm := func(g *rng, k int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = g.Norm()
		}
		return v
	}
	g := newRNG(seed, streamLowRank)
	a, b := norm(g, d*r), norm(g, r*t)
	x := norm(newRNG(seed, streamLowRankX), n*d)
	xa := make([]float64, r)
	y := make([]float64, n*t)
	for i := 0; i < n; i++ {
		for k := 0; k < r; k++ {
			s := 0.0
			for j := 0; j < d; j++ {
				s += x[i*d+j] * a[j*r+k]
			}
			xa[k] = s
		}
		for c := 0; c < t; c++ {
			s := 0.0
			for k := 0; k < r; k++ {
				s += xa[k] * b[k*t+c]
			}
			y[i*t+c] = s
		}
	}
	return &Table{X: x, Y: y, N: n, D: d, T: t}, nil
}
