package exercise

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Independent routes to the hand-computation answers: through the SVD of
// the (centred or raw) data matrix and, for CKA, the N×N Gram matrices of
// Kornblith et al.'s definition, none of which the checks use.

func centreCols(a *mat.Dense) *mat.Dense {
	n, d := a.Dims()
	c := mat.DenseCopyOf(a)
	for j := range d {
		m := 0.0
		for i := range n {
			m += a.At(i, j)
		}
		m /= float64(n)
		for i := range n {
			c.Set(i, j, a.At(i, j)-m)
		}
	}
	return c
}

// sqSingular returns the squared singular values of a, largest first.
func sqSingular(a *mat.Dense) []float64 {
	var s mat.SVD
	if !s.Factorize(a, mat.SVDNone) {
		panic("svd failed")
	}
	v := s.Values(nil)
	for i := range v {
		v[i] *= v[i]
	}
	return v
}

func noiseFromSVD(h *mat.Dense, k int, centre bool) float64 {
	if centre {
		h = centreCols(h)
	}
	sv := sqSingular(h)
	top, all := 0.0, 0.0
	for i, v := range sv {
		if i < k {
			top += v
		}
		all += v
	}
	return 1 - top/all
}

// ckaGram is CKA = tr(KcLc)/√(tr(KcKc)·tr(LcLc)) with N×N kernels.
func ckaGram(h, y *mat.Dense, centre bool) float64 {
	n, _ := h.Dims()
	var k, l mat.Dense
	k.Mul(h, h.T())
	l.Mul(y, y.T())
	if centre {
		c := mat.NewDense(n, n, nil)
		for i := range n {
			for j := range n {
				v := -1 / float64(n)
				if i == j {
					v++
				}
				c.Set(i, j, v)
			}
		}
		var t mat.Dense
		t.Mul(c, &k)
		k.Mul(&t, c)
		t.Mul(c, &l)
		l.Mul(&t, c)
	}
	tr := func(a, b *mat.Dense) float64 {
		var p mat.Dense
		p.Mul(a, b)
		return mat.Trace(&p)
	}
	return tr(&k, &l) / math.Sqrt(tr(&k, &k)*tr(&l, &l))
}

func TestSmallProblem(t *testing.T) {
	h, y := SmallProblem()
	h2, y2 := SmallProblem()
	if !mat.Equal(h, h2) || !mat.Equal(y, y2) {
		t.Fatal("SmallProblem is not deterministic")
	}
	if r, c := h.Dims(); r != SmallN || c != SmallD {
		t.Fatalf("H is %d×%d", r, c)
	}
	if r, c := y.Dims(); r != SmallN || c != SmallT {
		t.Fatalf("Y is %d×%d", r, c)
	}
	for i := range SmallN {
		for j := range SmallD {
			if v := h.At(i, j) * 10; v != math.Round(v) || math.Signbit(h.At(i, j)) && h.At(i, j) == 0 {
				t.Fatalf("H[%d,%d] = %v is not a printable one-decimal value", i, j, h.At(i, j))
			}
		}
	}
}

func TestHandChecksAcceptIndependentAnswers(t *testing.T) {
	h, y := SmallProblem()
	hc := centreCols(h)
	sv := sqSingular(hc)
	sum := 0.0
	for _, v := range sv {
		sum += v
	}
	for id, v := range map[string]float64{
		"a1-noise":       noiseFromSVD(h, SmallRank, true),
		"a2-cka":         ckaGram(h, y, true),
		"a3-stable-rank": sum / sv[0],
	} {
		if r := Evaluate(id, v); !r.OK() {
			t.Errorf("%s rejected the independent answer %v: %s", id, v, r)
		}
		// Dividing by N−1 instead of N changes none of these ratios, so
		// any rounding noise at 1e-12 is accepted too.
		if r := Evaluate(id, v*(1+1e-12)); !r.OK() {
			t.Errorf("%s rejected %v·(1+1e-12): %s", id, v, r)
		}
	}
}

func TestHandChecksHints(t *testing.T) {
	h, y := SmallProblem()
	hc := centreCols(h)
	sv := sqSingular(hc)
	d := len(sv)
	sum := 0.0
	for _, v := range sv {
		sum += v
	}
	svRaw := sqSingular(h)
	sumRaw := 0.0
	for _, v := range svRaw {
		sumRaw += v
	}
	sig := make([]float64, d)
	sigSum := 0.0
	for i, v := range sv {
		sig[i] = math.Sqrt(v)
		sigSum += sig[i]
	}
	sq := 0.0
	for _, v := range sv {
		sq += v * v
	}
	right := map[string]float64{"a1-noise": noiseFromSVD(h, 2, true), "a2-cka": ckaGram(h, y, true), "a3-stable-rank": sum / sv[0]}
	cases := []struct {
		id, name string
		value    float64
		hint     string
	}{
		{"a1-noise", "not centred", noiseFromSVD(h, 2, false), "centre H"},
		{"a1-noise", "ascending eigenvalues", 1 - (sv[d-1]+sv[d-2])/sum, "ascending"},
		{"a1-noise", "explained share", 1 - noiseFromSVD(h, 2, true), "outside"},
		{"a1-noise", "singular values", 1 - (sig[0]+sig[1])/sigSum, "not singular values"},
		{"a1-noise", "k = 1", noiseFromSVD(h, 1, true), "not only the largest"},
		{"a1-noise", "k = 3", noiseFromSVD(h, 3, true), "exactly the top k = 2"},
		{"a1-noise", "rounded", math.Round(right["a1-noise"]*1000) / 1000, "close"},
		{"a1-noise", "unrelated", 0.77, "re-check each step"},
		{"a2-cka", "not centred", ckaGram(h, y, false), "centre both"},
		{"a2-cka", "square root", math.Sqrt(right["a2-cka"]), "no square root"},
		{"a2-cka", "rounded", math.Round(right["a2-cka"]*1000) / 1000, "close"},
		{"a2-cka", "unrelated", 0.31, "re-check each step"},
		{"a3-stable-rank", "paper convention", sq / (sv[0] * sv[0]), "Σλ²/λ₁²"},
		{"a3-stable-rank", "ascending", sum / sv[d-1], "largest"},
		{"a3-stable-rank", "not centred", sumRaw / svRaw[0], "centre H"},
		{"a3-stable-rank", "singular values", sigSum / sig[0], "not singular values"},
		{"a3-stable-rank", "unrelated", 3.7, "re-check each step"},
	}
	for _, c := range cases {
		if near(c.value, right[c.id], 1e-4) && c.name != "rounded" {
			t.Fatalf("%s %s: the mistake gives the right answer %v; the problem cannot tell them apart", c.id, c.name, c.value)
		}
		r := Evaluate(c.id, c.value)
		if r.Status != Wrong || !strings.Contains(r.Message, c.hint) {
			t.Errorf("%s, %s (%v): got %s, want a hint containing %q", c.id, c.name, c.value, r, c.hint)
		}
		for _, f := range []string{"%.2f", "%.3f", "%.4f", "%.6f", "%g", "%.3g", "%.4g"} {
			if s := fmt.Sprintf(f, right[c.id]); strings.Contains(r.Message, s) {
				t.Errorf("%s hint leaks the answer %s: %s", c.id, s, r.Message)
			}
		}
	}
}

func TestHandChecksTodo(t *testing.T) {
	for _, id := range []string{"a1-noise", "a2-cka", "a3-stable-rank"} {
		for _, a := range []any{math.NaN(), 0.0, 0} {
			if r := Evaluate(id, a); r.Status != Todo {
				t.Errorf("%s(%v): %s, want todo", id, a, r)
			}
		}
		if r := Evaluate(id, math.Inf(1)); r.Status != Wrong || !strings.Contains(r.Message, "infinite") {
			t.Errorf("%s(+Inf): %s", id, r)
		}
	}
}
