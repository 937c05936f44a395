package exercise

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/deepnrc/deepnrc/nrclib/data"
)

// Shape of the low-rank tasks of exercise (d).
const (
	LowRankInputDim  = 20 // x ~ N(0, I₂₀)
	LowRankTargetDim = 8  // t
	// LowRankNoise is the standard deviation of the isotropic noise added to
	// every target, which makes Σ_Y full rank: the rank has to be read off
	// the gap in the spectrum, not counted as non-zero eigenvalues.
	LowRankNoise = 0.05
	// MaxHiddenRank bounds the hidden rank: it is drawn from 1…MaxHiddenRank.
	MaxHiddenRank = 6
)

// CalibrationRanks are the known ranks of the calibration tasks that exercise
// (d) trains beside the unseen one.
var CalibrationRanks = []int{1, 2, 4}

// lowRankTask builds a task y = x·P·D·Qᵀ + noise with x ~ N(0, I₂₀),
// P (20×r) and Q (t×r) random with orthonormal columns and D diagonal,
// spread evenly from 1 down to 0.6, so the r signal directions of Y carry
// comparable variance. The first 80% of n samples train, the rest test.
func lowRankTask(name, description string, r int, seed uint64, n int) (*data.Dataset, error) {
	const d, t = LowRankInputDim, LowRankTargetDim
	if r < 1 || r > t {
		return nil, fmt.Errorf("exercise: rank %d outside [1, %d]", r, t)
	}
	if n < 10 {
		return nil, fmt.Errorf("exercise: %d samples are too few; use at least 10", n)
	}
	mapRNG := rand.New(rand.NewPCG(seed, 0x10a7))
	P := orthonormal(mapRNG, d, r)
	Q := orthonormal(mapRNG, t, r)
	for j := range r {
		s := 1.0
		if r > 1 {
			s = 1 - 0.4*float64(j)/float64(r-1)
		}
		for i := range t {
			Q.Set(i, j, Q.At(i, j)*s)
		}
	}
	var M mat.Dense // d×t
	M.Mul(P, Q.T())

	xRNG := rand.New(rand.NewPCG(seed, 0x5eed))
	X := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			X.Set(i, j, xRNG.NormFloat64())
		}
	}
	var Y mat.Dense
	Y.Mul(X, &M)
	for i := range n {
		for j := range t {
			Y.Set(i, j, Y.At(i, j)+LowRankNoise*xRNG.NormFloat64())
		}
	}
	nTrain := n * 4 / 5
	split := func(lo, hi int) data.Split {
		s := data.Split{N: hi - lo, X: make([]float32, 0, (hi-lo)*d), Y: make([]float32, 0, (hi-lo)*t)}
		for i := lo; i < hi; i++ {
			for j := range d {
				s.X = append(s.X, float32(X.At(i, j)))
			}
			for j := range t {
				s.Y = append(s.Y, float32(Y.At(i, j)))
			}
		}
		return s
	}
	return &data.Dataset{
		Name: name, Description: description,
		InputShape: []int{d}, TargetDim: t,
		Train: split(0, nTrain), Test: split(nTrain, n),
		TargetScaler: data.Identity(t),
	}, nil
}

// orthonormal returns a rows×cols matrix (cols ≤ rows) with orthonormal
// columns, from the QR factorisation of a Gaussian matrix.
func orthonormal(rng *rand.Rand, rows, cols int) *mat.Dense {
	g := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return mat.DenseCopyOf(q.Slice(0, rows, 0, cols))
}

// hiddenRank derives the hidden rank of the unseen task from the seed
// (a SplitMix64 step, so neighbouring seeds give unrelated ranks).
func hiddenRank(seed uint64) int {
	z := seed + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return 1 + int(z%MaxHiddenRank)
}

// KnownRankTask returns the calibration task of rank r (seeded by r, so it
// differs from every unseen task) with n samples.
func KnownRankTask(r, n int) (*data.Dataset, error) {
	return lowRankTask(fmt.Sprintf("lowrank-known-r%d", r),
		fmt.Sprintf("Calibration task: %d samples, x ~ N(0, I₂₀), y = x·M + noise (σ = %g) with M of rank r = %d, t = %d; first 80%% train.",
			n, LowRankNoise, r, LowRankTargetDim), r, 1000+uint64(r), n)
}

// HiddenTask returns the unseen low-rank task of exercise (d) for seed:
// the same family as KnownRankTask, with a rank between 1 and MaxHiddenRank
// that only the check knows. Its description does not give the rank.
func HiddenTask(seed uint64, n int) (*data.Dataset, error) {
	return lowRankTask(fmt.Sprintf("lowrank-unseen-%d", seed),
		fmt.Sprintf("Unseen task (seed %d): %d samples, x ~ N(0, I₂₀), y = x·M + noise (σ = %g) with M of unknown rank r, t = %d; first 80%% train.",
			seed, n, LowRankNoise, LowRankTargetDim), hiddenRank(seed), seed, n)
}
