package data

import (
	"math"
	"sort"
	"testing"
)

func TestPermutationIsDeterministicPermutation(t *testing.T) {
	p := Permutation(1000, 42)
	q := Permutation(1000, 42)
	r := Permutation(1000, 43)
	seen := make([]bool, 1000)
	same, differ := true, false
	for i, v := range p {
		if v < 0 || v >= 1000 || seen[v] {
			t.Fatalf("not a permutation: value %d at %d", v, i)
		}
		seen[v] = true
		same = same && q[i] == v
		differ = differ || r[i] != v
	}
	if !same {
		t.Error("same seed gave different permutations")
	}
	if !differ {
		t.Error("seeds 42 and 43 gave the same permutation")
	}
}

func TestPermutationIsUniform(t *testing.T) {
	// Where element 0 lands, over many seeds, should be uniform on 0..9:
	// a chi-square test with 9 degrees of freedom (99.9% quantile 27.9).
	const k, trials = 10, 20000
	var counts [k]int
	for s := 0; s < trials; s++ {
		p := Permutation(k, uint64(s))
		for i, v := range p {
			if v == 0 {
				counts[i]++
			}
		}
	}
	chi := 0.0
	for _, c := range counts {
		d := float64(c) - trials/k
		chi += d * d / (trials / k)
	}
	if chi > 27.9 {
		t.Errorf("positions of element 0 not uniform: counts %v, χ² = %.1f", counts, chi)
	}
}

func TestRNGMoments(t *testing.T) {
	g := newRNG(7, 1)
	const n = 200000
	var s, s2, u float64
	for i := 0; i < n; i++ {
		v := g.Norm()
		s += v
		s2 += v * v
		u += g.Float64()
	}
	mean, vr := s/n, s2/n-(s/n)*(s/n)
	// Standard errors: mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032.
	if math.Abs(mean) > 0.01 || math.Abs(vr-1) > 0.015 || math.Abs(u/n-0.5) > 0.005 {
		t.Errorf("N(0,1) draws have mean %.4f variance %.4f; uniform mean %.4f", mean, vr, u/n)
	}
	for i := 0; i < 1000; i++ {
		if v := g.IntN(3); v < 0 || v > 2 {
			t.Fatalf("IntN(3) = %d", v)
		}
	}
}

func TestSplitSizes(t *testing.T) {
	for _, c := range []struct{ n, train, test int }{
		{1000, 800, 200}, {5000, 4000, 1000}, {241600, 193280, 48320}, {10, 8, 2}, {7, 5, 2},
	} {
		tr, te := SplitSizes(c.n)
		if tr != c.train || te != c.test {
			t.Errorf("SplitSizes(%d) = %d/%d, want %d/%d", c.n, tr, te, c.train, c.test)
		}
	}
}

func TestShuffledAndHeadSplitPartition(t *testing.T) {
	for _, f := range []func(int) ([]int, []int){
		func(n int) ([]int, []int) { return ShuffledSplit(n, 42) }, HeadSplit,
	} {
		tr, te := f(103)
		all := append(append([]int{}, tr...), te...)
		sort.Ints(all)
		for i, v := range all {
			if v != i {
				t.Fatalf("split is not a partition of 0..102: %v", all)
			}
		}
	}
	tr, te := HeadSplit(10)
	if tr[0] != 0 || tr[7] != 7 || te[0] != 8 || te[1] != 9 {
		t.Errorf("HeadSplit(10) = %v / %v, want first 8 / last 2", tr, te)
	}
}

func TestStandardAndMinMaxScalers(t *testing.T) {
	// Column 0: 1,2,3,4 on train rows 0..3 (mean 2.5, population sd √1.25);
	// column 1 constant 7 (scale falls back to 1).
	x := []float64{1, 7, 2, 7, 3, 7, 4, 7, 100, 7}
	rows := []int{0, 1, 2, 3}
	s := FitStandard(x, 2, rows)
	if s.Offset[0] != 2.5 || math.Abs(s.Scale[0]-math.Sqrt(1.25)) > 1e-15 || s.Scale[1] != 1 || s.Offset[1] != 7 {
		t.Fatalf("FitStandard = %+v", s)
	}
	out := s.apply(x, 2, []int{4})
	if want := float32((100 - 2.5) / math.Sqrt(1.25)); out[0] != want || out[1] != 0 {
		t.Errorf("apply to a test row = %v, want [%v 0]", out, want)
	}
	raw := s.ToRaw(out)
	if math.Abs(raw[0]-100) > 1e-5 || raw[1] != 7 {
		t.Errorf("ToRaw(apply(row)) = %v, want [100 7]", raw)
	}
	m := FitMinMax(x, 2, nil)
	got := m.apply(x, 2, []int{0, 4})
	if got[0] != 0 || got[2] != 1 || m.Scale[1] != 1 {
		t.Errorf("FitMinMax maps min/max to %v, %v (scale %v), want 0, 1", got[0], got[2], m.Scale)
	}
}

// Columns of extreme magnitude are standardised to the same values as the
// same column at magnitude 1: a ±1e300 column is not overflowed into a
// constant, a 1e-300 one not underflowed.
func TestFitStandardExtremeMagnitudes(t *testing.T) {
	base := []float64{1, -1, 3, -2, 0.5, 4}
	ref := FitStandard(base, 1, nil)
	want := ref.apply(base, 1, allRows(len(base)))
	for _, f := range []float64{1e300, -1e300, 1e-300, 1e-310} {
		x := make([]float64, len(base))
		for i, v := range base {
			x[i] = v * f
		}
		s := FitStandard(x, 1, nil)
		if math.IsInf(s.Scale[0], 0) || s.Scale[0] == 1 {
			t.Errorf("×%g: scale %g", f, s.Scale[0])
		}
		got := s.apply(x, 1, allRows(len(x)))
		for i := range got {
			w := want[i]
			if f < 0 {
				w = -w
			}
			if math.Abs(float64(got[i]-w)) > 1e-5 {
				t.Errorf("×%g: row %d standardised to %v, want %v", f, i, got[i], w)
			}
		}
	}
}
