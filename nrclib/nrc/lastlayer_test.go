package nrc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/stats"
	"gonum.org/v1/gonum/mat"
)

// symFunc applies f to the eigenvalues of the symmetric matrix s.
func symFunc(s mat.Symmetric, f func(float64) float64) *mat.SymDense {
	var e mat.EigenSym
	e.Factorize(s, true)
	vals := e.Values(nil)
	var v mat.Dense
	e.VectorsTo(&v)
	n := len(vals)
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			x := 0.0
			for k := range vals {
				x += v.At(i, k) * f(vals[k]) * v.At(j, k)
			}
			out.SetSym(i, j, x)
		}
	}
	return out
}

// TestUFMClosedForm: at the optimum of the unconstrained-features model
// with 0 < c < λ_min (Andriopoulos et al., Cor. 4.2, λ_H = λ_W),
// W·Wᵀ = Σ^½ − √c·I, so NRC3(γ = c) = 0, the grid search finds γ ≈ c and the
// closed form of Thm F.1 returns exactly c.
func TestUFMClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	const n, d = 3, 8
	a := gaussian(rng, n, n)
	sigma := mat.NewSymDense(n, nil)
	sigma.SymOuterK(1, a)
	for i := 0; i < n; i++ {
		sigma.SetSym(i, i, sigma.At(i, i)+0.5)
	}
	var e mat.EigenSym
	e.Factorize(sigma, false)
	lmin := e.Values(nil)[0]
	c := 0.37 * lmin
	target := symFunc(sigma, func(l float64) float64 { return math.Sqrt(l) - math.Sqrt(c) })
	root := symFunc(target, math.Sqrt)
	var w mat.Dense
	w.Mul(root, orthonormalRows(rng, n, d)) // n×d, W·Wᵀ = target
	weight := denseWeight(t, &w)

	at, err := NRC3(weight, sigma, []float64{c, 0, lmin})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "NRC3(γ = c)", at[0], 0, 1e-12)
	if at[1] < 1e-6 || at[2] < 1e-6 {
		t.Errorf("NRC3 away from c should be positive: %v", at)
	}
	gs, err := SearchGamma(weight, sigma, 0)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "λ_min", gs.LambdaMin, lmin, 1e-12)
	if len(gs.Gammas) != 1000 {
		t.Errorf("default grid has %d points, want 1000", len(gs.Gammas))
	}
	near(t, "grid γ*", gs.Best, c, lmin/999)
	g, res, err := ClosedFormGamma(weight, sigma)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "closed-form γ*", g, c, 1e-12)
	near(t, "un-normalised NRC3 at γ*", res, 0, 1e-12)
	// A weight too large for Σ^½ has no interior minimiser.
	var big mat.Dense
	big.Scale(10, &w)
	if _, _, err := ClosedFormGamma(denseWeight(t, &big), sigma); err == nil {
		t.Error("closed form accepted tr W·Wᵀ > tr Σ^½")
	}
}

// directNRC1 computes the last-layer NRC1 on full matrices: normalise rows,
// fit a centred PCA on the raw rows (pcaOnNormalised: on the normalised
// ones instead), project the uncentred normalised rows.
func directNRC1(h *mat.Dense, comps int, pcaOnNormalised bool) float64 {
	n, d := h.Dims()
	hn := mat.DenseCopyOf(h)
	for i := 0; i < n; i++ {
		row := hn.RawRowView(i)
		norm := math.Sqrt(mat.Dot(mat.NewVecDense(d, row), mat.NewVecDense(d, row)))
		for j := range row {
			row[j] /= norm
		}
	}
	fit := h
	if pcaOnNormalised {
		fit = hn
	}
	var svd mat.SVD
	svd.Factorize(centre(fit), mat.SVDThinV)
	var v mat.Dense
	svd.VTo(&v)
	p := v.Slice(0, d, 0, comps)
	var coef, proj mat.Dense
	coef.Mul(hn, p)
	proj.Mul(&coef, p.T())
	proj.Sub(hn, &proj)
	return frob2(&proj) / float64(n)
}

func TestLastLayerNRC1AndNRC2(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	const n, d, k = 200, 6, 2
	h := gaussian(rng, n, d)
	for i := 0; i < n; i++ {
		h.Set(i, 0, h.At(i, 0)+3)          // uncentred
		h.Set(i, 1, 4*h.At(i, 1))          // anisotropic, so normalising rows turns the principal axes
		h.Set(i, 2, h.At(i, 2)+h.At(i, 1)) // correlated
		if i%10 == 0 {
			h.Set(i, 3, 30*h.At(i, 3)) // a few long rows dominate H's variance, not H̃'s
		}
	}
	y := gaussian(rng, n, k)
	norm := stats.NewRowNormalized(d, k)
	if err := norm.AddDense(h, y); err != nil {
		t.Fatal(err)
	}
	raw := stats.New(d, k)
	if err := raw.AddDense(h, y); err != nil {
		t.Fatal(err)
	}
	curve, err := NRC1Curve(raw, norm, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(curve) != d {
		t.Fatalf("curve length %d, want %d", len(curve), d)
	}
	for j := 1; j <= d; j++ {
		near(t, "NRC1 curve vs direct PCA projection", curve[j-1], directNRC1(h, j, false), 1e-10)
	}
	// The paper's basis (PCs of the raw H) is not that of the normalised
	// features: on this case the two readings differ, so the check above
	// tells them apart.
	if diff := math.Abs(curve[0] - directNRC1(h, 1, true)); diff < 1e-3 {
		t.Errorf("NRC1 with PCs of H and of H̃ differ by only %g here; the test cannot tell them apart", diff)
	}
	near(t, "NRC1 with all components", curve[d-1], 0, 1e-12)

	// NRC2: features inside W's row space give 0; in general it matches
	// the direct projection residual.
	w := gaussian(rng, k, d)
	got, err := NRC2(norm, denseWeight(t, w))
	if err != nil {
		t.Fatal(err)
	}
	var qr mat.QR
	qr.Factorize(mat.DenseCopyOf(w.T()))
	var q mat.Dense
	qr.QTo(&q)
	basis := q.Slice(0, d, 0, k)
	hn := mat.DenseCopyOf(h)
	for i := 0; i < n; i++ {
		row := hn.RawRowView(i)
		s := 0.0
		for _, x := range row {
			s += x * x
		}
		for j := range row {
			row[j] /= math.Sqrt(s)
		}
	}
	var c, p mat.Dense
	c.Mul(hn, basis)
	p.Mul(&c, basis.T())
	p.Sub(hn, &p)
	near(t, "NRC2 vs direct projection", got, frob2(&p)/n, 1e-10)

	var inside mat.Dense
	inside.Mul(y, w) // rows in W's row space
	norm2 := stats.NewRowNormalized(d, k)
	if err := norm2.AddDense(&inside, y); err != nil {
		t.Fatal(err)
	}
	zero, err := NRC2(norm2, denseWeight(t, w))
	if err != nil {
		t.Fatal(err)
	}
	near(t, "NRC2 of features in W's row space", zero, 0, 1e-12)

	if _, err := NRC1Curve(raw, stats.New(d, k), 0); err == nil {
		t.Error("NRC1 accepted un-normalised statistics for the projected features")
	}
	if _, err := NRC1Curve(norm, norm, 0); err == nil {
		t.Error("NRC1 accepted normalised statistics for the principal components")
	}
	evr, err := ExplainedVarianceRatios(mat.NewSymDense(3, []float64{4, 0, 0, 0, 1, 0, 0, 0, 3}), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(evr) != 3 || math.Abs(evr[0]-0.5) > 1e-15 || math.Abs(evr[1]-0.375) > 1e-15 {
		t.Errorf("EVR = %v, want [0.5 0.375 0.125]", evr)
	}
}

// TestLastLayerStateMatchesWeight: NRC3, the γ search and the closed form
// computed from the stored W·Wᵀ equal those computed from the weight.
func TestLastLayerStateMatchesWeight(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	w, err := DenseWeight(3, 7, gaussian(rng, 3, 7).RawMatrix().Data)
	if err != nil {
		t.Fatal(err)
	}
	y := gaussian(rng, 200, 3)
	var cov mat.SymDense
	cov.SymOuterK(1.0/200, centre(y).T())
	st, err := NewLastLayer(9, w, &cov)
	if err != nil {
		t.Fatal(err)
	}
	gammas := []float64{0, 0.01, 0.3}
	a, err := NRC3(w, &cov, gammas)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.NRC3(nil, gammas)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		near(t, "NRC3 from the Gram matrix", b[i], a[i], 1e-12)
	}
	s1, _ := SearchGamma(w, &cov, 50)
	s2, err := st.SearchGamma(50)
	if err != nil || s1.Best != s2.Best {
		t.Fatalf("γ search: %v vs %v (%v)", s1.Best, s2.Best, err)
	}
	g1, r1, e1 := ClosedFormGamma(w, &cov)
	g2, r2, e2 := st.ClosedFormGamma()
	if (e1 == nil) != (e2 == nil) || math.Abs(g1-g2) > 1e-12 || math.Abs(r1-r2) > 1e-12 {
		t.Fatalf("closed form %v %v %v vs %v %v %v", g1, r1, e1, g2, r2, e2)
	}
	if st.T() != 3 || st.Epoch != 9 {
		t.Fatalf("state %+v", st)
	}
}

// TestGammaGridEndsAtLambdaMin: the γ grid runs from 0 to exactly λ_min
// and never above it, so γ/λ_min stays in [0, 1] whatever λ_min is
// (λ_min·i/(n−1) overshoots λ_min by an ulp for about one λ_min in a
// hundred; a run once recorded γ*/λ_min = 1.0000000000000002).
func TestGammaGridEndsAtLambdaMin(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	w, err := DenseWeight(2, 2, []float64{1, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	for trial := 0; trial < 400; trial++ {
		l := 0.01 + 2*rng.Float64()
		cov := mat.NewSymDense(2, []float64{4 * l, 0, 0, l})
		gs, err := SearchGamma(w, cov, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if last := gs.Gammas[len(gs.Gammas)-1]; last != gs.LambdaMin {
			t.Fatalf("λ_min %v: the grid ends at %v", gs.LambdaMin, last)
		}
		for i, g := range gs.Gammas {
			if g < 0 || g/gs.LambdaMin > 1 {
				t.Fatalf("λ_min %v: γ[%d] = %v, γ/λ_min = %v outside [0, 1]", gs.LambdaMin, i, g, g/gs.LambdaMin)
			}
		}
	}
}
