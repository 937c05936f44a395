package data

import (
	"math"
	"math/rand/v2"
)

// rng is the package's deterministic random stream. It draws raw 64-bit
// words from a PCG (math/rand/v2's PCG-DXSM, a fully specified algorithm)
// and turns them into uniforms, Gaussians and integers with formulas defined
// here, so the generated data depends only on the seed and this file, never
// on how a Go release implements rand.Rand's convenience methods.
type rng struct {
	src      *rand.PCG
	spare    float64
	hasSpare bool
}

// newRNG returns a stream for seed. stream separates independent uses of one
// user seed (the split, each generator), so changing one does not shift the
// others.
func newRNG(seed, stream uint64) *rng {
	return &rng{src: rand.NewPCG(seed, stream^0x9e3779b97f4a7c15)}
}

// Streams used by the package. Each generator draws from its own stream so
// that, for example, changing a stand-in's size never changes the split seed.
const (
	streamSplit uint64 = iota + 1
	streamSynthetic
	streamLowRank
	streamMuJoCo
	streamSGEMM
	streamCarla
	streamUTK
	streamSyntheticX
	streamLowRankX
	streamSyntheticProbe
)

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (r *rng) Float64() float64 {
	return float64(r.src.Uint64()>>11) * (1.0 / (1 << 53))
}

// Uniform returns a uniform value in [lo, hi).
func (r *rng) Uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*r.Float64()
}

// Norm returns a standard normal value (Box–Muller, both values of each pair
// used).
func (r *rng) Norm() float64 {
	if r.hasSpare {
		r.hasSpare = false
		return r.spare
	}
	// u1 in (0, 1] so the logarithm is finite.
	u1 := 1 - r.Float64()
	u2 := r.Float64()
	rad := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	r.spare, r.hasSpare = rad*s, true
	return rad * c
}

// IntN returns a uniform integer in [0, n) without modulo bias (rejection
// sampling on the top of the 64-bit range). It panics if n ≤ 0.
func (r *rng) IntN(n int) int {
	if n <= 0 {
		panic("data: rng.IntN needs n > 0")
	}
	un := uint64(n)
	limit := math.MaxUint64 - math.MaxUint64%un
	for {
		v := r.src.Uint64()
		if v < limit {
			return int(v % un)
		}
	}
}

// Permutation returns a permutation of 0..n-1 drawn by a Fisher–Yates
// shuffle from the PCG stream of seed. It is deterministic across platforms
// and Go releases, but it is this package's own shuffle: it does NOT
// reproduce NumPy's or scikit-learn's permutation for the same seed, so a
// "seed 42" split here selects different rows than the paper's
// train_test_split(random_state=42) (same sizes, different members).
func Permutation(n int, seed uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r := newRNG(seed, streamSplit)
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
