package train

// The mini-batch order of epoch e is a pure function of (seed, e): a
// Fisher–Yates shuffle driven by a SplitMix64 stream seeded from both. Since
// nothing carries over between epochs, a run resumed at an epoch boundary
// sees exactly the batches an uninterrupted run would. The generator is
// written out here (rather than taken from math/rand) so that the order can
// never change with the Go version.

// splitMix64 is the SplitMix64 generator (Steele, Lea and Flood 2014).
type splitMix64 struct{ state uint64 }

func (r *splitMix64) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a uniform integer in [0, n) for n ≥ 1, by rejection so
// that there is no modulo bias.
func (r *splitMix64) below(n uint64) uint64 {
	limit := -n % n // = 2⁶⁴ mod n
	for {
		v := r.next()
		if v >= limit {
			return v % n
		}
	}
}

// EpochPermutation returns the order in which the n training samples are
// visited during epoch (1-based) of a run with the given seed.
func EpochPermutation(seed int64, epoch, n int) []int {
	r := splitMix64{state: uint64(seed)}
	// Mix the epoch into the state through the generator itself so that
	// neighbouring seeds and epochs give unrelated streams.
	r.state = r.next() ^ (uint64(epoch) * 0xd1b54a32d192ed03)
	r.next()
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := int(r.below(uint64(i + 1)))
		p[i], p[j] = p[j], p[i]
	}
	return p
}
