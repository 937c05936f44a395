package data

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// MuJoCoTarget is the target-covariance profile a MuJoCo-like stand-in is
// calibrated to: the raw (unstandardised) action covariance of the training
// split, as [NRC] Table 1 reports it through correlations and λ_min.
type MuJoCoTarget struct {
	// Corr lists the target correlations of the pairs (0,1), (0,2), …,
	// (1,2), … in row-major upper-triangle order.
	Corr []float64
	// VarRatio gives the relative variances of the targets (Table 1 does not
	// report them; they are this project's choice).
	VarRatio []float64
	// LambdaMin is the smallest eigenvalue of the raw target covariance; the
	// variances are scaled so that it comes out exactly.
	LambdaMin float64
}

// Covariance returns the t×t raw target covariance the profile describes.
func (m MuJoCoTarget) Covariance() *mat.SymDense {
	t := len(m.VarRatio)
	c := mat.NewSymDense(t, nil)
	k := 0
	for a := 0; a < t; a++ {
		c.SetSym(a, a, m.VarRatio[a])
		for b := a + 1; b < t; b++ {
			c.SetSym(a, b, m.Corr[k]*math.Sqrt(m.VarRatio[a]*m.VarRatio[b]))
			k++
		}
	}
	lmin := eigenDesc(c)[t-1]
	c.ScaleSym(m.LambdaMin/lmin, c)
	return c
}

// MuJoCoSpec describes one MuJoCo-like stand-in.
type MuJoCoSpec struct {
	// StateDim and ActionDim are the input and target dimensions.
	StateDim, ActionDim int
	// N is the default number of samples (train + test).
	N int
	// Target is the target covariance the actions are calibrated to.
	Target MuJoCoTarget
}

// MuJoCo profiles from [NRC] Table 1 (correlations and λ_min) and the Deep
// NRC sizes (Table 2). The Hopper correlations are read as the pairs
// (0,1), (0,2), (1,2); the variance ratios are this project's choice.
var (
	SwimmerSpec = MuJoCoSpec{StateDim: 8, ActionDim: 2, N: 1000,
		Target: MuJoCoTarget{Corr: []float64{-0.244}, VarRatio: []float64{1, 1}, LambdaMin: 0.276}}
	ReacherSpec = MuJoCoSpec{StateDim: 11, ActionDim: 2, N: 1000,
		Target: MuJoCoTarget{Corr: []float64{-0.00933}, VarRatio: []float64{4, 1}, LambdaMin: 0.0097}}
	HopperSpec = MuJoCoSpec{StateDim: 11, ActionDim: 3, N: 5000,
		Target: MuJoCoTarget{Corr: []float64{-0.215, -0.090, 0.059}, VarRatio: []float64{1, 1, 1}, LambdaMin: 0.215}}
)

// MuJoCoLike generates a behaviour-cloning-like table: states
// x ~ N(μ, Σ) with a random covariance, and actions
// y = tanh(m + L·u(x)), where u is a random teacher MLP (state→64→64→t,
// ReLU, He-normal weights) whitened on the training rows, and the offsets
// m, scales and mixing L are calibrated (a deterministic fixed-point
// iteration) so that the covariance of y over the training rows equals
// spec.Target.Covariance() to about 1e-6. The actions lie in (−1, 1) like
// MuJoCo's clipped actions (tanh never reaches the clip bounds, so no clip
// is applied). train lists the training rows of the split that will be used.
func MuJoCoLike(spec MuJoCoSpec, n int, train []int, seed uint64) (*Table, error) {
	d, t := spec.StateDim, spec.ActionDim
	if n < 2 || len(train) < t+1 {
		return nil, fmt.Errorf("data.MuJoCoLike: need n ≥ 2 and more than %d training rows, got n=%d, %d training rows", t, n, len(train))
	}
	g := newRNG(seed, streamMuJoCo)
	// States: x = μ + z·M, z ~ N(0, I), M random with a ridge so Σ = MᵀM is
	// well conditioned.
	mix := make([]float64, d*d)
	for i := range mix {
		mix[i] = g.Norm() / math.Sqrt(float64(d))
	}
	for i := 0; i < d; i++ {
		mix[i*d+i] += 0.5
	}
	mu := make([]float64, d)
	for i := range mu {
		mu[i] = 0.5 * g.Norm()
	}
	x := make([]float64, n*d)
	z := make([]float64, d)
	for i := 0; i < n; i++ {
		for k := range z {
			z[k] = g.Norm()
		}
		for j := 0; j < d; j++ {
			s := mu[j]
			for k := 0; k < d; k++ {
				s += z[k] * mix[k*d+j]
			}
			x[i*d+j] = s
		}
	}
	// Teacher: redraw until its outputs have a full-rank covariance.
	const width = 64
	var u []float64
	for draw := 0; ; draw++ {
		if draw == 100 {
			return nil, fmt.Errorf("data.MuJoCoLike: the teacher net stayed rank-deficient in 100 draws; use more samples (n=%d)", n)
		}
		he := func(rows, cols int) []float64 {
			w := make([]float64, rows*cols)
			s := math.Sqrt(2 / float64(cols))
			for i := range w {
				w[i] = s * g.Norm()
			}
			return w
		}
		w1, w2, w3 := he(width, d), he(width, width), he(t, width)
		b1, b2, b3 := make([]float64, width), make([]float64, width), make([]float64, t)
		for i := range b1 {
			b1[i], b2[i] = 0.1*g.Norm(), 0.1*g.Norm()
		}
		u = make([]float64, n*t)
		h1, h2 := make([]float64, width), make([]float64, width)
		for i := 0; i < n; i++ {
			dense(h1, w1, b1, x[i*d:(i+1)*d], true)
			dense(h2, w2, b2, h1, true)
			dense(u[i*t:(i+1)*t], w3, b3, h2, false)
		}
		if numericalRank(eigenDesc(cov64(u, n, t, train))) == t {
			break
		}
	}
	whiten(u, n, t, train)
	offset := make([]float64, t)
	for i := range offset {
		offset[i] = 0.3 * g.Norm()
	}
	y, err := calibrateTanh(u, n, t, train, offset, spec.Target.Covariance())
	if err != nil {
		return nil, err
	}
	return &Table{X: x, Y: y, N: n, D: d, T: t}, nil
}

// whiten maps the rows of u (n×t) in place to zero mean and identity
// covariance over the given rows, via the inverse Cholesky factor.
func whiten(u []float64, n, t int, rows []int) {
	c := cov64(u, n, t, rows)
	mean := make([]float64, t)
	for _, r := range rows {
		for j := 0; j < t; j++ {
			mean[j] += u[r*t+j]
		}
	}
	for j := range mean {
		mean[j] /= float64(len(rows))
	}
	var ch mat.Cholesky
	if !ch.Factorize(c) {
		panic("data: whiten: covariance not positive definite (rank checked by the caller)")
	}
	var l mat.TriDense
	ch.LTo(&l)
	v := mat.NewVecDense(t, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < t; j++ {
			v.SetVec(j, u[i*t+j]-mean[j])
		}
		if err := v.SolveVec(&l, v); err != nil {
			panic("data: whiten: " + err.Error())
		}
		for j := 0; j < t; j++ {
			u[i*t+j] = v.AtVec(j)
		}
	}
}

// calibrateTanh finds pre-activation scales s and correlations P such that
// y = tanh(offset + L·u), with L the Cholesky factor of diag(s)·P·diag(s),
// has covariance want over rows (u white on those rows). It iterates
// s ← s·√(want_ii/cov_ii) and P_ij ← P_ij + (ρ*_ij − ρ_ij) until the largest
// covariance error is below 1e-7 of the largest target variance.
func calibrateTanh(u []float64, n, t int, rows []int, offset []float64, want *mat.SymDense) ([]float64, error) {
	s := make([]float64, t)
	p := mat.NewSymDense(t, nil)
	for a := 0; a < t; a++ {
		s[a] = math.Sqrt(want.At(a, a))
		for b := a; b < t; b++ {
			p.SetSym(a, b, want.At(a, b)/math.Sqrt(want.At(a, a)*want.At(b, b)))
		}
	}
	maxVar := 0.0
	for a := 0; a < t; a++ {
		maxVar = math.Max(maxVar, want.At(a, a))
	}
	y := make([]float64, n*t)
	const maxIter = 2000
	for it := 0; it < maxIter; it++ {
		pre := mat.NewSymDense(t, nil)
		for a := 0; a < t; a++ {
			for b := a; b < t; b++ {
				pre.SetSym(a, b, s[a]*s[b]*p.At(a, b))
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(pre) {
			return nil, fmt.Errorf("data: cannot reach the requested target covariance with tanh actions " +
				"(pre-activation correlation left the positive-definite cone); choose weaker correlations")
		}
		var l mat.TriDense
		ch.LTo(&l)
		for i := 0; i < n; i++ {
			for a := 0; a < t; a++ {
				v := offset[a]
				for b := 0; b <= a; b++ {
					v += l.At(a, b) * u[i*t+b]
				}
				y[i*t+a] = math.Tanh(v)
			}
		}
		got := cov64(y, n, t, rows)
		worst := 0.0
		for a := 0; a < t; a++ {
			for b := a; b < t; b++ {
				worst = math.Max(worst, math.Abs(got.At(a, b)-want.At(a, b)))
			}
		}
		if worst < 1e-7*maxVar {
			return y, nil
		}
		for a := 0; a < t; a++ {
			for b := a + 1; b < t; b++ {
				rw := want.At(a, b) / math.Sqrt(want.At(a, a)*want.At(b, b))
				rg := got.At(a, b) / math.Sqrt(got.At(a, a)*got.At(b, b))
				p.SetSym(a, b, p.At(a, b)+(rw-rg))
			}
		}
		for a := 0; a < t; a++ {
			if want.At(a, a) >= 1 {
				return nil, fmt.Errorf("data: target variance %.3g is not reachable by actions in (−1, 1)", want.At(a, a))
			}
			s[a] *= math.Sqrt(want.At(a, a) / got.At(a, a))
		}
	}
	return nil, fmt.Errorf("data: target covariance calibration did not converge in %d iterations", maxIter)
}

// PaperTable1 returns [NRC] Table 1's statistics of the MuJoCo dataset
// name (swimmer, reacher, hopper): the correlations of the action pairs
// (0,1), (0,2), …, (1,2), … and λ_min of the raw action covariance.
func PaperTable1(name string) (corr []float64, lambdaMin float64, ok bool) {
	var s MuJoCoSpec
	switch name {
	case "swimmer":
		s = SwimmerSpec
	case "reacher":
		s = ReacherSpec
	case "hopper":
		s = HopperSpec
	default:
		return nil, 0, false
	}
	return append([]float64(nil), s.Target.Corr...), s.Target.LambdaMin, true
}
