package mujoco

import (
	"math"
	"math/rand/v2"
)

// RNG is the package's deterministic random stream: raw 64-bit words from a
// PCG (math/rand/v2's fully specified PCG-DXSM), turned into uniforms and
// Gaussians by formulas defined here, so results depend only on the seed and
// this file, never on how a Go release implements rand.Rand's methods.
type RNG struct {
	src      *rand.PCG
	spare    float64
	hasSpare bool
}

// NewRNG returns the stream (seed, stream); different streams of one seed
// are independent.
func NewRNG(seed, stream uint64) *RNG {
	return &RNG{src: rand.NewPCG(seed, stream^0x2545f4914f6cdd1d)}
}

// Uint64 returns 64 random bits.
func (r *RNG) Uint64() uint64 { return r.src.Uint64() }

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (r *RNG) Float64() float64 {
	return float64(r.src.Uint64()>>11) * (1.0 / (1 << 53))
}

// Uniform returns a uniform value in [lo, hi).
func (r *RNG) Uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// Norm returns a standard normal value (Box–Muller, both values of each
// pair used).
func (r *RNG) Norm() float64 {
	if r.hasSpare {
		r.hasSpare = false
		return r.spare
	}
	u1 := 1 - r.Float64() // in (0, 1]: the logarithm is finite
	u2 := r.Float64()
	rad := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	r.spare, r.hasSpare = rad*s, true
	return rad * c
}
