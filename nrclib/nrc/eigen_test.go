package nrc

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func checkPartialEig(t *testing.T, name string, a *mat.SymDense, k int) {
	t.Helper()
	n := a.SymmetricDim()
	p, err := newPartialEig(a)
	if err != nil {
		t.Fatal(err)
	}
	var full mat.EigenSym
	full.Factorize(a, false)
	asc := full.Values(nil)
	scale := math.Max(math.Abs(asc[0]), math.Abs(asc[n-1]))
	for i := 0; i < n; i++ {
		if math.Abs(p.rawValue(i)-asc[n-1-i]) > 1e-12*math.Max(scale, 1) {
			t.Fatalf("%s: eigenvalue %d = %g, full solver %g", name, i, p.rawValue(i), asc[n-1-i])
		}
	}
	idx := make([]int, 0, k+2)
	for i := 0; i < k; i++ {
		idx = append(idx, i)
	}
	idx = append(idx, n-2, n-1) // bottom ones too
	v, err := p.vectors(idx)
	if err != nil {
		t.Fatal(err)
	}
	var vtv mat.Dense
	vtv.Mul(v.T(), v)
	for i := range idx {
		for j := range idx {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(vtv.At(i, j)-want) > 1e-10 {
				t.Fatalf("%s: eigenvectors not orthonormal: VᵀV[%d,%d] = %g", name, i, j, vtv.At(i, j))
			}
		}
	}
	for c, i := range idx {
		var av mat.VecDense
		av.MulVec(a, v.ColView(c))
		av.AddScaledVec(&av, -p.rawValue(i), v.ColView(c))
		if r := av.Norm(2); r > 1e-9*math.Max(scale, 1) {
			t.Errorf("%s: residual of eigenvector %d is %g", name, i, r)
		}
	}
}

func TestPartialEig(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	const n = 60
	// Random covariance.
	a := mat.NewSymDense(n, nil)
	a.SymOuterK(1, gaussian(rng, n, 2*n))
	checkPartialEig(t, "random", a, 6)
	// Identity: one eigenvalue of multiplicity n.
	id := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		id.SetSym(i, i, 2)
	}
	checkPartialEig(t, "identity", id, 10)
	// Rank 3 with a big null space, rotated.
	lowRank := mat.NewSymDense(n, nil)
	lowRank.SymOuterK(1, gaussian(rng, n, 3))
	checkPartialEig(t, "rank 3", lowRank, 5)
	// Clustered eigenvalues: 1, 1+1e-9, 1+2e-9, ... in a random basis.
	q := randomOrthogonal(rng, n)
	cl := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s := 0.0
			for k := 0; k < n; k++ {
				s += q.At(i, k) * (1 + 1e-9*float64(k%7)) * q.At(j, k)
			}
			cl.SetSym(i, j, s)
		}
	}
	checkPartialEig(t, "clustered", cl, 8)
	// A 1×1 and 2×2 matrix.
	checkPartialEig(t, "2×2", mat.NewSymDense(2, []float64{2, 1, 1, 2}), 0)
}
