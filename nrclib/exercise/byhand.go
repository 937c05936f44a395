package exercise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/stats"
)

// Sizes of the hand-computation problem of exercise (a).
const (
	SmallN    = 12 // samples
	SmallD    = 5  // features
	SmallT    = 2  // targets
	SmallRank = 2  // the k of the noise fraction asked for
)

// SmallProblem returns the small matrices of exercise (a): features H
// (SmallN×SmallD) and targets Y (SmallN×SmallT), with one decimal each so
// they print readably. H mixes a linear image of Y with a little noise and
// carries column offsets, so forgetting to centre changes every answer. The
// values are the same on every call.
func SmallProblem() (H, Y *mat.Dense) {
	rng := rand.New(rand.NewPCG(2026, 8))
	round := func(v float64) float64 {
		r := math.Round(v*10) / 10
		if r == 0 {
			return 0 // no negative zero in the printout
		}
		return r
	}
	Y = mat.NewDense(SmallN, SmallT, nil)
	for i := range SmallN {
		for j := range SmallT {
			Y.Set(i, j, round(rng.NormFloat64()))
		}
	}
	mix := mat.NewDense(SmallT, SmallD, nil)
	for i := range SmallT {
		for j := range SmallD {
			mix.Set(i, j, round(rng.NormFloat64()))
		}
	}
	H = mat.NewDense(SmallN, SmallD, nil)
	H.Mul(Y, mix)
	for i := range SmallN {
		for j := range SmallD {
			H.Set(i, j, round(H.At(i, j)+0.4*rng.NormFloat64()+float64(j+1)))
		}
	}
	return H, Y
}

// smallTruth holds the expected answers of exercise (a) and the values that
// typical mistakes produce.
type smallTruth struct {
	noise, cka, srank float64
	// mistakes maps a hint to the value the mistake produces, per check.
	noiseWrong, ckaWrong, srankWrong []mistake
}

// mistake is a wrong value with the hint that explains it.
type mistake struct {
	value float64
	hint  string
}

// truth computes the expected answers with package nrc and the mistaken
// variants with plain gonum.
func smallTruthValues() (*smallTruth, error) {
	H, Y := SmallProblem()
	m := stats.New(SmallD, SmallT)
	if err := m.AddDense(H, Y); err != nil {
		return nil, err
	}
	var tr smallTruth
	var err error
	if tr.noise, err = nrc.NoiseFraction(m.CovH(), SmallRank); err != nil {
		return nil, err
	}
	if tr.cka, err = nrc.CKA(m.CovH(), m.CovHY(), m.CovY()); err != nil {
		return nil, err
	}
	lam := eigDesc(m.CovH())
	tr.srank = nrc.StableRank(lam)

	// Uncentred second moments.
	n := float64(SmallN)
	var hh, hy, yy mat.Dense
	hh.Mul(H.T(), H)
	hh.Scale(1/n, &hh)
	hy.Mul(H.T(), Y)
	hy.Scale(1/n, &hy)
	yy.Mul(Y.T(), Y)
	yy.Scale(1/n, &yy)
	lamU := eigDesc(symOf(&hh))

	sum := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s
	}
	total := sum(lam)
	topK := func(v []float64, k int) float64 { return sum(v[:k]) }
	asc := make([]float64, len(lam))
	for i := range lam {
		asc[i] = lam[len(lam)-1-i]
	}
	sig := make([]float64, len(lam))
	for i, l := range lam {
		sig[i] = math.Sqrt(math.Max(l, 0))
	}
	tr.noiseWrong = []mistake{
		{1 - topK(lamU, SmallRank)/sum(lamU), "the columns of H have non-zero means: centre H (subtract each column's mean) before forming the covariance"},
		{1 - topK(asc, SmallRank)/total, "gonum's EigenSym returns the eigenvalues in ascending order: the top-k are the last k, not the first k"},
		{topK(lam, SmallRank) / total, "that is the share of variance inside the top-k subspace; the noise fraction is the share outside it"},
		{1 - topK(sig, SmallRank)/sum(sig), "use eigenvalues of the covariance (squared singular values of the centred H), not singular values"},
		{1 - topK(lam, 1)/total, "use the top k = 2 eigenvalues, not only the largest one"},
		{1 - topK(lam, 3)/total, "use exactly the top k = 2 eigenvalues"},
	}

	frob := func(a mat.Matrix) float64 { return mat.Norm(a, 2) }
	cH, cHY, cY := m.CovH(), m.CovHY(), m.CovY()
	tr.ckaWrong = []mistake{
		{frob(&hy) * frob(&hy) / (frob(&hh) * frob(&yy)), "centre both H and Y (subtract the column means) before forming the cross-products"},
		{frob(cHY) / (frob(cH) * frob(cY)), "the numerator is the squared Frobenius norm ‖Σ_HY‖_F², not the norm itself"},
		{math.Sqrt(tr.cka), "no square root at the end: CKA = ‖Σ_HY‖_F² / (‖Σ_H‖_F·‖Σ_Y‖_F)"},
		{frob(cHY) * frob(cHY) / (frob(cH) * frob(cH) * frob(cY) * frob(cY)), "the denominator is ‖Σ_H‖_F·‖Σ_Y‖_F, the norms themselves, not their squares"},
	}

	sumSq := 0.0
	for _, l := range lam {
		sumSq += l * l
	}
	tr.srankWrong = []mistake{
		{sumSq / (lam[0] * lam[0]), "that is Σλ²/λ₁², the covariance's own stable rank used by the paper's figures; here use the usual one, Σλ/λ₁"},
		{total / asc[0], "divide by the largest eigenvalue; gonum's EigenSym lists eigenvalues in ascending order, so the largest is the last"},
		{sum(lamU) / lamU[0], "centre H first: the uncentred second moment is dominated by the column means"},
		{sum(sig) / sig[0], "use eigenvalues of the covariance (squared singular values of the centred H), not singular values"},
	}
	return &tr, nil
}

// eigDesc returns the eigenvalues of a symmetric matrix, largest first.
func eigDesc(s mat.Symmetric) []float64 {
	var e mat.EigenSym
	if !e.Factorize(s, false) {
		return nil
	}
	v := e.Values(nil)
	sort.Sort(sort.Reverse(sort.Float64Slice(v)))
	return v
}

// symOf returns the symmetric part of a square matrix.
func symOf(a mat.Matrix) *mat.SymDense {
	r, _ := a.Dims()
	s := mat.NewSymDense(r, nil)
	for i := range r {
		for j := i; j < r; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}

// numberCheck builds the evaluator of a numeric hand computation.
func numberCheck(what, howTo string, pick func(*smallTruth) (float64, []mistake)) func(any) Result {
	return func(a any) Result {
		v, ok := asFloat(a)
		if !ok {
			return typeHint(a, "a float64 number")
		}
		if math.IsNaN(v) || v == 0 {
			return todo(fmt.Sprintf("compute %s and return it instead of the placeholder (%s)", what, howTo))
		}
		tr, err := smallTruthValues()
		if err != nil {
			return wrong("could not compute the expected value (%v)", err)
		}
		want, mistakes := pick(tr)
		if math.IsInf(v, 0) {
			return wrong("the answer is infinite: a division by zero? (%s)", howTo)
		}
		if near(v, want, 1e-6) {
			return correct("")
		}
		for _, m := range mistakes {
			if near(v, m.value, 1e-6) {
				return wrong("%s", m.hint)
			}
		}
		if math.Abs(v-want) <= math.Max(1e-2*math.Abs(want), 1e-3) {
			return wrong("close, but not equal to within 1e-6: compute in float64 and do not round")
		}
		return wrong("not the expected value; re-check each step: %s", howTo)
	}
}

func init() {
	register("a1-noise", fmt.Sprintf("the noise fraction of H with k = %d", SmallRank),
		numberCheck("the noise fraction", "centre H, form Σ_H = HcᵀHc/N, take its eigenvalues λ₁ ≥ … ≥ λ_d, return 1 − (λ₁+λ₂)/Σλ",
			func(t *smallTruth) (float64, []mistake) { return t.noise, t.noiseWrong }))
	register("a2-cka", "the linear CKA between H and Y",
		numberCheck("the linear CKA", "centre H and Y, form Σ_H, Σ_Y and Σ_HY = HcᵀYc/N, return ‖Σ_HY‖_F² / (‖Σ_H‖_F·‖Σ_Y‖_F)",
			func(t *smallTruth) (float64, []mistake) { return t.cka, t.ckaWrong }))
	register("a3-stable-rank", "the stable rank Σλ/λ₁ of the covariance of H",
		numberCheck("the stable rank", "centre H, form Σ_H, return the sum of its eigenvalues divided by the largest",
			func(t *smallTruth) (float64, []mistake) { return t.srank, t.srankWrong }))
}
