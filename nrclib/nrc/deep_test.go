package nrc

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/stats"
	"gonum.org/v1/gonum/mat"
)

// Perfectly collapsed features H = c·Y·Q (Q with orthonormal rows) give
// noise 0, CKA 1 in every variant that sees the signal, and probe MSE 0.
func TestCollapsedFeatures(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, d, k = 400, 12, 3
	y := gaussian(rng, n, k)
	q := orthonormalRows(rng, k, d)
	var h mat.Dense
	h.Mul(y, q)
	h.Scale(2.5, &h)
	lm, err := Layer("fc", momentsOf(t, &h, y), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "noise", lm.Noise, 0, 1e-12)
	near(t, "CKA", lm.CKA, 1, 1e-12)
	near(t, "projected CKA", lm.CKAProjected, 1, 1e-12)
	near(t, "probe MSE", lm.ProbeMSE, 0, 1e-12)
	// The authors' variant fits centred Y on uncentred H without an
	// intercept, so it is exact only when the features' span holds the
	// constant: with centred targets (hence centred H = c·Y·Q) it is 0.
	yc := centre(y)
	var hc mat.Dense
	hc.Mul(yc, q)
	lmc, err := Layer("fc", momentsOf(t, &hc, yc), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "paper probe MSE on centred data", lmc.ProbeMSEPaper, 0, 1e-12)
	// A general (non-orthogonal) linear map still has no noise and a perfect probe.
	var h2 mat.Dense
	h2.Mul(y, gaussian(rng, k, d))
	lm2, err := Layer("fc", momentsOf(t, &h2, y), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "noise of Y·A", lm2.Noise, 0, 1e-12)
	near(t, "probe MSE of Y·A", lm2.ProbeMSE, 0, 1e-12)
	if lm2.CKA >= 1-1e-6 {
		t.Errorf("CKA(Y·A, Y) = %g for a non-orthogonal A; CKA is only invariant to orthogonal maps, so it should be < 1", lm2.CKA)
	}
}

// Features with covariance exactly proportional to the identity give noise
// 1 − k/d; rows ±e_i realise that exactly.
func TestIsotropicNoise(t *testing.T) {
	const d = 10
	h := mat.NewDense(2*d, d, nil)
	y := mat.NewDense(2*d, 2, nil)
	for i := 0; i < d; i++ {
		h.Set(2*i, i, 3)
		h.Set(2*i+1, i, -3)
		y.Set(2*i, 0, float64(i))
		y.Set(2*i+1, 1, float64(i*i))
	}
	m := momentsOf(t, h, y)
	for _, k := range []int{1, 2, 5, 10} {
		got, err := NoiseFraction(m.CovH(), k)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "isotropic noise", got, 1-float64(k)/d, 1e-14)
	}
	lm, err := Layer("iso", m, nil, Options{Rank: 4})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "Layer noise with rank 4", lm.Noise, 0.6, 1e-14)
	near(t, "stable rank (Σλ/λ₁) of the identity", lm.StableRankH, d, 1e-12)
	near(t, "paper stable rank of the identity", lm.StableRankHPaper, d, 1e-12)
}

// alignedCase builds features H = Y·Q in the row space S of Q and two dense
// weights: one whose rows lie in S, one whose rows are orthogonal to S.
func alignedCase(rng *rand.Rand, n, d, k, out int) (h, y, wIn, wOrth *mat.Dense) {
	y = gaussian(rng, n, k)
	basis := orthonormalRows(rng, d, d) // rows: an orthonormal basis of R^d
	q := basis.Slice(0, k, 0, d)
	qPerp := basis.Slice(k, 2*k, 0, d)
	h = new(mat.Dense)
	h.Mul(y, q)
	wIn, wOrth = new(mat.Dense), new(mat.Dense)
	wIn.Mul(gaussian(rng, out, k), q)
	wOrth.Mul(gaussian(rng, out, k), qPerp)
	return h, y, wIn, wOrth
}

func denseWeight(t *testing.T, w *mat.Dense) *Weight {
	t.Helper()
	r, c := w.Dims()
	out, err := DenseWeight(r, c, mat.DenseCopyOf(w).RawMatrix().Data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWHAlignment(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	h, y, wIn, wOrth := alignedCase(rng, 300, 9, 2, 7)
	m := momentsOf(t, h, y)
	aligned, err := Layer("fc", m, denseWeight(t, wIn), Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "alignment of W spanning the feature subspace", *aligned.WHAlignment, 1, 1e-10)
	near(t, "noise-subspace alignment when aligned", *aligned.NoiseSubspaceAlignment, 0, 1e-7)
	orth, err := Layer("fc", m, denseWeight(t, wOrth), Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "alignment of W orthogonal to the features", *orth.WHAlignment, 0, 1e-7)
	near(t, "noise-subspace alignment when orthogonal", *orth.NoiseSubspaceAlignment, 1, 1e-10)
	if len(orth.Warnings) == 0 {
		// W has rank 2 < in = 9, fine; but k = 2 equals its rank, so no
		// weight warning is expected. The features have rank 2 = k too.
		t.Log("no warnings, as expected")
	}
}

// The same kernel given in PyTorch (OIHW) and GoMLX (HWIO) layouts yields
// the same metrics, and a kernel whose input-channel space is the feature
// subspace is fully aligned.
func TestConvWeightLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const cin, cout, kh, kw, k = 6, 4, 3, 3, 2
	h, y, _, _ := alignedCase(rng, 200, cin, k, 1)
	// Build W' (cin × cout·kh·kw) whose columns lie in the feature subspace.
	var hc mat.Dense
	hc.CloneFrom(h)
	var svd mat.SVD
	svd.Factorize(centre(&hc), mat.SVDThinV)
	var v mat.Dense
	svd.VTo(&v)
	basis := v.Slice(0, cin, 0, k) // top-k right singular vectors
	var wp mat.Dense
	wp.Mul(basis, gaussian(rng, k, cout*kh*kw))
	oihw := make([]float64, cout*cin*kh*kw)
	hwio := make([]float64, cout*cin*kh*kw)
	for o := 0; o < cout; o++ {
		for i := 0; i < cin; i++ {
			for s := 0; s < kh*kw; s++ {
				val := wp.At(i, o*kh*kw+s)
				oihw[(o*cin+i)*kh*kw+s] = val
				hwio[(s*cin+i)*cout+o] = val
			}
		}
	}
	w1, err := ConvWeightOIHW(cout, cin, kh, kw, oihw)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := ConvWeightHWIO(kh, kw, cin, cout, hwio)
	if err != nil {
		t.Fatal(err)
	}
	m := momentsOf(t, h, y)
	a, err := Layer("conv", m, w1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Layer("conv", m, w2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "OIHW alignment", *a.WHAlignment, 1, 1e-9)
	near(t, "HWIO alignment equals OIHW", *b.WHAlignment, *a.WHAlignment, 1e-12)
	near(t, "HWIO stable rank W equals OIHW", *b.StableRankW, *a.StableRankW, 1e-12)
}

func TestCKAInvariances(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n, d, k = 500, 8, 3
	y := gaussian(rng, n, k)
	var h mat.Dense
	h.Mul(y, gaussian(rng, k, d))
	h.Add(&h, gaussian(rng, n, d)) // signal plus noise
	base, err := Layer("h", momentsOf(t, &h, y), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var hr mat.Dense
	hr.Mul(&h, randomOrthogonal(rng, d))
	hr.Scale(7.3, &hr)
	var yr mat.Dense
	yr.Mul(y, randomOrthogonal(rng, k))
	yr.Scale(0.01, &yr)
	rot, err := Layer("h", momentsOf(t, &hr, &yr), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "CKA under rotation and isotropic scaling", rot.CKA, base.CKA, 1e-12)
	near(t, "projected CKA under rotation and scaling", rot.CKAProjected, base.CKAProjected, 1e-12)
	near(t, "noise under rotation and scaling", rot.Noise, base.Noise, 1e-12)
	if base.CKA <= 0.05 || base.CKA >= 0.999 {
		t.Errorf("test case is uninformative: CKA = %g", base.CKA)
	}
	// Anisotropic scaling of one feature must change CKA (it is not invariant).
	hs := mat.DenseCopyOf(&h)
	for i := 0; i < n; i++ {
		hs.Set(i, 0, 50*hs.At(i, 0))
	}
	aniso, err := Layer("h", momentsOf(t, hs, y), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(aniso.CKA-base.CKA) < 1e-3 {
		t.Errorf("CKA unchanged by an anisotropic scaling (%g vs %g): the test cannot tell", aniso.CKA, base.CKA)
	}
}

// directCKA is linear CKA through the N×N centred Gram matrices.
func directCKA(h, y *mat.Dense) float64 {
	hc, yc := centre(h), centre(y)
	var kk, ll mat.Dense
	kk.Mul(hc, hc.T())
	ll.Mul(yc, yc.T())
	dot := func(a, b *mat.Dense) float64 {
		var p mat.Dense
		p.MulElem(a, b)
		return mat.Sum(&p)
	}
	return dot(&kk, &ll) / math.Sqrt(dot(&kk, &kk)*dot(&ll, &ll))
}

// directProbe fits Y on [1, H] by least squares (QR) and returns the mean
// squared residual over N·t entries.
func directProbe(h, y *mat.Dense) float64 {
	n, d := h.Dims()
	_, k := y.Dims()
	x := mat.NewDense(n, d+1, nil)
	for i := 0; i < n; i++ {
		x.Set(i, 0, 1)
		for j := 0; j < d; j++ {
			x.Set(i, j+1, h.At(i, j))
		}
	}
	var qr mat.QR
	qr.Factorize(x)
	var beta mat.Dense
	if err := qr.SolveTo(&beta, false, y); err != nil {
		panic(err)
	}
	var res mat.Dense
	res.Mul(x, &beta)
	res.Sub(&res, y)
	return frob2(&res) / float64(n*k)
}

// directPaperProbe is pinv(H, rtol)·Yc with uncentred H, via the SVD of H.
func directPaperProbe(h, y *mat.Dense, rtol float64) float64 {
	n, _ := h.Dims()
	_, k := y.Dims()
	yc := centre(y)
	var svd mat.SVD
	svd.Factorize(h, mat.SVDThin)
	var u mat.Dense
	svd.UTo(&u)
	s := svd.Values(nil)
	proj := mat.NewDense(n, k, nil)
	for i, sv := range s {
		if sv < rtol*s[0] {
			break
		}
		ui := u.Slice(0, n, i, i+1)
		var c, p mat.Dense
		c.Mul(ui.T(), yc)
		p.Mul(ui, &c)
		proj.Add(proj, &p)
	}
	proj.Sub(yc, proj)
	return frob2(proj) / float64(n*k)
}

// directNoise is 1 − Σ_{i≤k}σ_i²/Σσ_i² from the SVD of the centred features.
func directNoise(h *mat.Dense, k int) float64 {
	var svd mat.SVD
	svd.Factorize(centre(h), mat.SVDNone)
	s := svd.Values(nil)
	top, all := 0.0, 0.0
	for i, v := range s {
		all += v * v
		if i < k {
			top += v * v
		}
	}
	return 1 - top/all
}

// Streaming statistics give the same metrics as direct computations on the
// full matrices (N×N CKA, QR least squares, SVD pseudo-inverse).
func TestStreamingMatchesDirectMetrics(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const n, d, k = 120, 10, 3
	y := gaussian(rng, n, k)
	var h mat.Dense
	h.Mul(y, gaussian(rng, k, d))
	noise := gaussian(rng, n, d)
	noise.Scale(0.7, noise)
	h.Add(&h, noise)
	for i := 0; i < n; i++ { // uncentred features, and a non-linear twist
		for j := 0; j < d; j++ {
			h.Set(i, j, math.Max(h.At(i, j), 0)+1)
		}
	}
	m := stats.New(d, k)
	for start := 0; start < n; start += 25 { // several batches
		end := min(n, start+25)
		if err := m.AddDense(h.Slice(start, end, 0, d), y.Slice(start, end, 0, k)); err != nil {
			t.Fatal(err)
		}
	}
	lm, err := Layer("fc", m, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "CKA vs N×N Gram CKA", lm.CKA, directCKA(&h, y), 1e-10)
	near(t, "noise vs SVD of Hc", lm.Noise, directNoise(&h, k), 1e-10)
	near(t, "probe MSE vs QR least squares", lm.ProbeMSE, directProbe(&h, y), 1e-10)
	near(t, "paper probe MSE vs SVD pinv", lm.ProbeMSEPaper, directPaperProbe(&h, y, 1e-3), 1e-10)
	first := mat.DenseCopyOf(h.Slice(0, n, 0, k))
	near(t, "first-t CKA vs Gram CKA of the first t columns", lm.CKAFirstT, directCKA(first, y), 1e-10)
	var svd mat.SVD
	svd.Factorize(centre(&h), mat.SVDThinV)
	var v mat.Dense
	svd.VTo(&v)
	var proj mat.Dense
	proj.Mul(centre(&h), v.Slice(0, d, 0, k))
	near(t, "projected CKA vs Gram CKA of Hc·U_k", lm.CKAProjected, directCKA(&proj, y), 1e-10)
}

// The probe's pseudo-inverse cutoff drops tiny directions: features with
// one direction scaled by 1e-6 relative to the rest lose what that
// direction explains.
func TestProbeCutoff(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	const n = 200
	h := gaussian(rng, n, 2)
	y := mat.NewDense(n, 1, nil)
	for i := 0; i < n; i++ {
		y.Set(i, 0, h.At(i, 1)) // the target is the second feature
		h.Set(i, 1, 1e-6*h.At(i, 1))
	}
	m := momentsOf(t, h, y)
	kept, err := ProbeMSE(m.CovH(), m.CovHY(), m.CovY(), 1e-9)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "probe with the tiny direction kept", kept, 0, 1e-9)
	dropped, err := ProbeMSE(m.CovH(), m.CovHY(), m.CovY(), 0) // default 1e-3
	if err != nil {
		t.Fatal(err)
	}
	cy := m.CovY().At(0, 0)
	if dropped < 0.9*cy {
		t.Errorf("probe with the default cutoff explained the 1e-6 direction: MSE %g vs target variance %g", dropped, cy)
	}
}

func TestDegenerateInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	y := gaussian(rng, 10, 2)
	h := gaussian(rng, 10, 4)
	m := momentsOf(t, h, y)
	if _, err := Layer("fc", m, nil, Options{Rank: 5}); err == nil || !strings.Contains(err.Error(), "rank k=5") {
		t.Errorf("k > width: error %v", err)
	}
	one := stats.New(4, 2)
	if err := one.Add([]float64{1, 2, 3, 4}, []float64{1, 2}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := Layer("fc", one, nil, Options{}); err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("N = 1: error %v", err)
	}
	constY := mat.NewDense(10, 2, nil)
	if _, err := Layer("fc", momentsOf(t, h, constY), nil, Options{}); !errors.Is(err, ErrZeroVariance) {
		t.Errorf("constant targets: error %v, want ErrZeroVariance", err)
	}
	if _, err := NoiseFraction(mat.NewSymDense(3, nil), 1); !errors.Is(err, ErrZeroVariance) {
		t.Errorf("zero covariance: error %v, want ErrZeroVariance", err)
	}
	dead := mat.NewDense(10, 4, nil)
	w, _ := DenseWeight(3, 4, make([]float64, 12))
	lm, err := Layer("dead", momentsOf(t, dead, y), w, Options{})
	if err != nil {
		t.Fatalf("dead layer must give documented values, got error %v", err)
	}
	if lm.Noise != 1 || lm.CKA != 0 || lm.WHAlignment != nil || len(lm.Warnings) == 0 {
		t.Errorf("dead layer: noise %g, CKA %g, alignment %v, warnings %v", lm.Noise, lm.CKA, lm.WHAlignment, lm.Warnings)
	}
	meanVar := (m.CovY().At(0, 0) + m.CovY().At(1, 1)) / 2
	near(t, "dead layer probe MSE = mean target variance", lm.ProbeMSE, meanVar, 1e-12)
	if _, err := Layer("fc", m, denseWeight(t, gaussian(rng, 3, 5)), Options{}); err == nil || !strings.Contains(err.Error(), "width 4") {
		t.Errorf("weight of the wrong width: error %v", err)
	}
	if _, err := DenseWeight(2, 2, []float64{1, 2, 3, math.NaN()}); err == nil {
		t.Error("NaN weight accepted")
	}
	if _, err := DenseWeight(2, 2, []float64{1, 2, 3}); err == nil {
		t.Error("short weight accepted")
	}
	// Rank-deficient features (rank 1 < k = 2) are flagged.
	var r1 mat.Dense
	r1.Mul(y.Slice(0, 10, 0, 1), gaussian(rng, 1, 4))
	lm, err = Layer("r1", momentsOf(t, &r1, y), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lm.Warnings) == 0 {
		t.Error("rank-1 features with k = 2 gave no warning")
	}
	for _, v := range []float64{lm.Noise, lm.CKA, lm.CKAProjected, lm.CKAFirstT, lm.ProbeMSE, lm.ProbeMSEPaper, lm.StableRankH} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("non-finite metric in %+v", lm)
		}
	}
}

func TestStableRanks(t *testing.T) {
	near(t, "StableRank", StableRank([]float64{4, 2, 2}), 2, 0)
	near(t, "StableRankSquared", StableRankSquared([]float64{2, 1, 1}), 1.5, 0)
	near(t, "StableRank of zeros", StableRank([]float64{0, 0}), 0, 0)
	// Stable rank W = ‖W‖_F²/‖W‖₂² for W = diag(3, 1, 1) (3×3): (9+1+1)/9.
	w, _ := DenseWeight(3, 3, []float64{3, 0, 0, 0, 1, 0, 0, 0, 1})
	m := momentsOf(t, gaussian(rand.New(rand.NewPCG(8, 8)), 20, 3), gaussian(rand.New(rand.NewPCG(9, 9)), 20, 1))
	lm, err := Layer("fc", m, w, Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "stable rank W", *lm.StableRankW, 11.0/9, 1e-12)
}

func TestMeasureReport(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	const n, k = 300, 2
	y := gaussian(rng, n, k)
	var widths = []int{6, 5, 4}
	var names = []string{"fc1", "fc2", "fc3"}
	var ms []*stats.Moments
	for i, d := range widths {
		var h mat.Dense
		h.Mul(y, gaussian(rng, k, d))
		noise := gaussian(rng, n, d)
		noise.Scale(2/float64(1+3*i), noise) // noise shrinks with depth
		h.Add(&h, noise)
		ms = append(ms, momentsOf(t, &h, y))
	}
	rep, err := Measure(names, ms, []*Weight{nil, denseWeight(t, gaussian(rng, 4, 5)), nil}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != n || rep.TargetDim != k || rep.Rank != k || len(rep.Layers) != 3 {
		t.Fatalf("report header %+v", rep)
	}
	if rep.Layers[0].WHAlignment != nil || rep.Layers[1].WHAlignment == nil {
		t.Error("weight metrics must be present exactly where a weight was given")
	}
	recs := rep.Records("run", 7)
	count := map[string]int{}
	for _, r := range recs {
		count[r.Metric]++
		if r.Run != "run" || r.Epoch != 7 {
			t.Fatalf("record %+v", r)
		}
	}
	if count[MetricNoise] != 3 || count[MetricWHAlignment] != 1 || count[MetricTargetStableRank] != 1 {
		t.Errorf("record counts %v", count)
	}
	// Different sample counts across layers are an error.
	short := momentsOf(t, gaussian(rng, 10, 6), gaussian(rng, 10, k))
	if _, err := Measure(names, []*stats.Moments{short, ms[1], ms[2]}, nil, Options{}); err == nil {
		t.Error("layers with different N accepted")
	}
}

func TestCollapseRule(t *testing.T) {
	// The paper's Hopper values (spec §4.1): the default rule marks fc5.
	noise := []float64{0.23, 0.475, 0.53, 0.265, 0.09, 0.095, 0.105, 0.105}
	cka := []float64{0.29, 0.39, 0.565, 0.81, 0.845, 0.855, 0.865, 0.885}
	if got := DefaultRule().FirstCollapsed(noise, cka); got != 4 {
		t.Errorf("Hopper: first collapsed index %d, want 4 (fc5)", got)
	}
	// Sustained vs first qualifying.
	noise = []float64{0.1, 0.5, 0.1, 0.1}
	cka = []float64{0.9, 0.9, 0.9, 0.9}
	r := CollapseRule{NoiseMax: 0.2, CKAMin: 0.5, Sustained: true}
	if got := r.FirstCollapsed(noise, cka); got != 2 {
		t.Errorf("sustained: %d, want 2", got)
	}
	r.Sustained = false
	if got := r.FirstCollapsed(noise, cka); got != 0 {
		t.Errorf("first qualifying: %d, want 0", got)
	}
	if got := DefaultRule().FirstCollapsed([]float64{0.5, 0.1, 0.9}, []float64{1, 1, 1}); got != -1 {
		t.Errorf("collapse broken at the last layer: %d, want -1", got)
	}
	for _, r := range []CollapseRule{{NoiseMax: math.NaN(), CKAMin: 0.5}, {NoiseMax: 0.5, CKAMin: math.NaN()}} {
		if r.Validate() == nil {
			t.Errorf("rule %+v with a NaN threshold accepted", r)
		}
	}
	if (CollapseRule{NoiseMax: 2}).Validate() == nil {
		t.Error("threshold 2 accepted")
	}
	if !strings.Contains(DefaultRule().String(), "0.2") {
		t.Error("rule description lacks its threshold")
	}
}

func TestFirstCollapsedLayerFromRecords(t *testing.T) {
	var recs []Record
	add := func(epoch int, layer, metric string, v float64) {
		recs = append(recs, Record{Run: "r", Epoch: epoch, Layer: layer, Metric: metric, Value: v})
	}
	for i, l := range []string{"fc1", "fc2", "fc3"} {
		add(1, l, MetricNoise, 0.9) // nothing collapsed at epoch 1
		add(1, l, MetricCKAProjected, 0.1)
		add(5, l, MetricNoise, []float64{0.5, 0.1, 0.05}[i]) // fc2 on at epoch 5
		add(5, l, MetricCKAProjected, 0.9)
		add(5, l, MetricCKA, 0.1) // the full-layer CKA is not the rule's
	}
	add(5, "", MetricTargetStableRank, 1)
	if got := DefaultRule().FirstCollapsedLayer(recs, "r", Final); got != "fc2" {
		t.Errorf("last epoch: %q, want fc2", got)
	}
	if got := DefaultRule().FirstCollapsedLayer(recs, "r", 1); got != "" {
		t.Errorf("epoch 1: %q, want none", got)
	}
	if got := DefaultRule().FirstCollapsedLayer(recs, "other", Final); got != "" {
		t.Errorf("unknown run: %q", got)
	}
	layers, vals, err := Results(recs).Series("r", MetricNoise, Final)
	if err != nil || len(layers) != 3 || vals[2] != 0.05 {
		t.Errorf("Series = %v %v %v", layers, vals, err)
	}
}
