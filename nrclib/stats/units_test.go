package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Batches whose magnitude grows by many orders (so the accumulator re-bases
// its units several times) give the two-pass covariance of all rows.
func TestUnitsRebaseMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n, d, k = 600, 4, 2
	h := randDense(rng, n, d, 1, 0)
	y := randDense(rng, n, k, 1, 0)
	// Rows 200.. are 2^40 larger, rows 400.. 2^90 larger: each step exceeds
	// unitSlack.
	for i := 200; i < n; i++ {
		f := math.Ldexp(1, 40)
		if i >= 400 {
			f = math.Ldexp(1, 90)
		}
		for j := 0; j < d; j++ {
			h.Set(i, j, h.At(i, j)*f)
		}
		for j := 0; j < k; j++ {
			y.Set(i, j, y.At(i, j)*f)
		}
	}
	m := New(d, k)
	addInBatches(t, m, h, y, []int{200, 200, 200})
	for name, pair := range map[string][2]mat.Matrix{
		"CovH": {m.CovH(), directCov(h, h)}, "CovHY": {m.CovHY(), directCov(h, y)}, "CovY": {m.CovY(), directCov(y, y)},
	} {
		if e := maxRelDiff(t, pair[0], pair[1]); e > 1e-12 {
			t.Errorf("%s differs from the two-pass covariance by %g (relative)", name, e)
		}
	}
	// Merging shards held in different units equals one pass.
	a, b := New(d, k), New(d, k)
	addInBatches(t, a, h.Slice(0, 400, 0, d).(*mat.Dense), y.Slice(0, 400, 0, k).(*mat.Dense), []int{400})
	addInBatches(t, b, h.Slice(400, n, 0, d).(*mat.Dense), y.Slice(400, n, 0, k).(*mat.Dense), []int{200})
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if e := maxRelDiff(t, a.CovH(), directCov(h, h)); e > 1e-12 {
		t.Errorf("merged CovH off by %g", e)
	}
}

// Features of magnitude 1e-170 (whose squares underflow float64) keep their
// covariance in Rescaled units: it equals the covariance of the same data
// at magnitude 1.
func TestRescaledTinyAndHuge(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d, k = 300, 5, 2
	h := randDense(rng, n, d, 1, 0.5)
	y := randDense(rng, n, k, 1, 0)
	ref := New(d, k)
	addInBatches(t, ref, h, y, []int{100})
	refView, _, _ := ref.Rescaled()
	for _, f := range []float64{1e-170, 1e-300, 1e170, 1e300} {
		var hs mat.Dense
		hs.Scale(f, h)
		m := New(d, k)
		addInBatches(t, m, &hs, y, []int{64})
		view, eh, _ := m.Rescaled()
		// Same data up to a power of two: the views differ by 4^(eh−eh_ref).
		_, ehRef, _ := ref.Rescaled()
		g := math.Ldexp(f, ehRef-eh) // of order 1
		var want mat.SymDense
		want.ScaleSym(g*g, refView.CovH())
		if e := maxRelDiff(t, view.CovH(), &want); e > 1e-12 {
			t.Errorf("×%g: rescaled CovH off by %g", f, e)
		}
		if tr := mat.Trace(view.CovH()); !(tr > 1e-3) {
			t.Errorf("×%g: rescaled trace %g, want order 1", f, tr)
		}
	}
}

// A non-finite value is a NonFiniteError locating it in the batch.
func TestNonFiniteError(t *testing.T) {
	m := New(2, 1)
	err := m.Add([]float64{1, 2, 3, math.NaN()}, []float64{1, 2}, 2)
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.Target || nf.Row != 1 || nf.Col != 1 || !math.IsNaN(nf.Value) {
		t.Fatalf("got %v (%+v)", err, nf)
	}
	err = m.Add([]float64{1, 2, 3, 4}, []float64{1, math.Inf(-1)}, 2)
	if !errors.As(err, &nf) || !nf.Target || nf.Row != 1 || nf.Col != 0 {
		t.Fatalf("got %v (%+v)", err, nf)
	}
	if m.N() != 0 {
		t.Errorf("a rejected batch was accumulated: N = %d", m.N())
	}
}
