package main

// Exercise (a): the noise fraction, CKA and stable rank by hand.
func exByHand() notebookPair {
	return notebookPair{
		file:   "01-by-hand",
		title:  "Exercise 1: the metrics by hand",
		checks: []string{"a1-noise", "a2-cka", "a3-stable-rank"},
		cells: []cell{
			md(`
# Exercise 1: the metrics by hand

**Goal.** Compute three Deep NRC metrics of one layer yourself, with gonum, on a matrix small enough to print,
and compare them with what nrclib computes:

* the **noise fraction** (Deep NRC1): the share of the feature variance outside the top-k principal subspace,
  noise = 1 − (λ₁ + … + λ_k) / (λ₁ + … + λ_d), with λ₁ ≥ … ≥ λ_d the eigenvalues of Σ_H;
* the **linear CKA** between the features and the targets (NRC2):
  CKA = ‖Σ_HY‖²_F / (‖Σ_H‖_F · ‖Σ_Y‖_F);
* the **stable rank** of Σ_H: Σλ / λ₁.

Here H is N×d (one sample per row), Y is N×t, Hc and Yc are centred (each column minus its mean), and
Σ_H = HcᵀHc/N, Σ_Y = YcᵀYc/N, Σ_HY = HcᵀYc/N.

**Time:** about 20 minutes. Nothing is trained; every cell runs in a second or two.

Each TODO cell defines a function; the cell after it calls ` + "`exercise.Check`" + `, which prints
✓ when your answer is right and otherwise a hint (never the answer). Each notebook cell is a separate Go
program: functions you define stay available in later cells, variables do not.

**gonum cheat sheet**

` + "```go" + `
r, c := A.Dims()                       // sizes
var P mat.Dense; P.Mul(A.T(), B)       // P = AᵀB
P.Scale(1/float64(n), &P)              // P = P/n
S := mat.NewSymDense(d, nil); S.SetSym(i, j, v)  // a symmetric matrix
var e mat.EigenSym; e.Factorize(S, false); vals := e.Values(nil)  // eigenvalues, ASCENDING order
mat.Norm(A, 2)                         // Frobenius norm of a matrix
` + "```"),
			code(`
import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/deepnrc/deepnrc/nrclib/exercise"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/stats"
)

// must stops the cell with the library's error message when a call fails.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

%%
H, Y := exercise.SmallProblem()
fmt.Printf("H (%d×%d) =\n%v\n\nY (%d×%d) =\n%v\n", exercise.SmallN, exercise.SmallD, mat.Formatted(H, mat.Squeeze()),
	exercise.SmallN, exercise.SmallT, mat.Formatted(Y, mat.Squeeze()))`),
			md(`
## a1. The noise fraction

Write ` + "`noiseFraction(H, k)`" + `: centre H, form Σ_H, take its eigenvalues and return the share of the
variance **outside** the top-k ones. Mind the order in which gonum returns eigenvalues.`),
			answer(`
// noiseFraction returns 1 − (sum of the k largest eigenvalues of Σ_H) / (sum of all of them).
func noiseFraction(H *mat.Dense, k int) float64 {
	// TODO: centre H, form Σ_H = HcᵀHc/N, take its eigenvalues, return the noise fraction.
	return math.NaN()
}`, `
// centred returns A with each column's mean subtracted.
func centred(A *mat.Dense) *mat.Dense {
	n, d := A.Dims()
	C := mat.DenseCopyOf(A)
	for j := 0; j < d; j++ {
		mean := 0.0
		for i := 0; i < n; i++ {
			mean += A.At(i, j)
		}
		mean /= float64(n)
		for i := 0; i < n; i++ {
			C.Set(i, j, A.At(i, j)-mean)
		}
	}
	return C
}

// cov returns AcᵀBc/N.
func cov(A, B *mat.Dense) *mat.Dense {
	n, _ := A.Dims()
	var P mat.Dense
	P.Mul(centred(A).T(), centred(B))
	P.Scale(1/float64(n), &P)
	return &P
}

// eigenvaluesDesc returns the eigenvalues of the symmetric matrix S, largest first.
func eigenvaluesDesc(S *mat.Dense) []float64 {
	d, _ := S.Dims()
	sym := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			sym.SetSym(i, j, S.At(i, j))
		}
	}
	var e mat.EigenSym
	e.Factorize(sym, false)
	vals := e.Values(nil) // ascending
	sort.Sort(sort.Reverse(sort.Float64Slice(vals)))
	return vals
}

// noiseFraction returns 1 − (sum of the k largest eigenvalues of Σ_H) / (sum of all of them).
func noiseFraction(H *mat.Dense, k int) float64 {
	lam := eigenvaluesDesc(cov(H, H))
	top, all := 0.0, 0.0
	for i, l := range lam {
		if i < k {
			top += l
		}
		all += l
	}
	return 1 - top/all
}`),
			code(`
%%
H, _ := exercise.SmallProblem()
exercise.Check("a1-noise", noiseFraction(H, exercise.SmallRank))`),
			md(`
## a2. Linear CKA

Write ` + "`cka(H, Y)`" + ` in the feature-space form above (no N×N matrices needed). You may reuse what you
wrote for a1 (functions stay defined).`),
			answer(`
// cka returns ‖Σ_HY‖²_F / (‖Σ_H‖_F · ‖Σ_Y‖_F).
func cka(H, Y *mat.Dense) float64 {
	// TODO: centre H and Y, form Σ_H, Σ_Y and Σ_HY, combine their Frobenius norms.
	return math.NaN()
}`, `
// cka returns ‖Σ_HY‖²_F / (‖Σ_H‖_F · ‖Σ_Y‖_F).
func cka(H, Y *mat.Dense) float64 {
	hy := mat.Norm(cov(H, Y), 2)
	return hy * hy / (mat.Norm(cov(H, H), 2) * mat.Norm(cov(Y, Y), 2))
}`),
			code(`
%%
H, Y := exercise.SmallProblem()
exercise.Check("a2-cka", cka(H, Y))`),
			md(`
## a3. Stable rank

Write ` + "`stableRank(H)`" + `: the sum of the eigenvalues of Σ_H divided by the largest one. It is at most
the rank of Σ_H, and equals it when all non-zero eigenvalues are equal.`),
			answer(`
// stableRank returns Σλ/λ₁ for the eigenvalues of Σ_H.
func stableRank(H *mat.Dense) float64 {
	// TODO
	return math.NaN()
}`, `
// stableRank returns Σλ/λ₁ for the eigenvalues of Σ_H.
func stableRank(H *mat.Dense) float64 {
	lam := eigenvaluesDesc(cov(H, H))
	sum := 0.0
	for _, l := range lam {
		sum += l
	}
	return sum / lam[0]
}`),
			code(`
%%
H, _ := exercise.SmallProblem()
exercise.Check("a3-stable-rank", stableRank(H))`),
			md(`
## Compare with nrclib

nrclib never keeps H: it streams the rows into ` + "`stats.Moments`" + ` (sums and centred second moments) and
computes every metric from Σ_H, Σ_HY and Σ_Y. Run the cell: once your checks pass, your numbers and the
library's agree to about 1e-15.`),
			code(`
%%
H, Y := exercise.SmallProblem()
m := stats.New(exercise.SmallD, exercise.SmallT)
if err := m.AddDense(H, Y); err != nil {
	panic(err)
}
var e mat.EigenSym
e.Factorize(m.CovH(), false)
rows := []struct {
	name      string
	mine, lib float64
}{
	{"noise fraction (k=2)", noiseFraction(H, exercise.SmallRank), must(nrc.NoiseFraction(m.CovH(), exercise.SmallRank))},
	{"CKA(H, Y)", cka(H, Y), must(nrc.CKA(m.CovH(), m.CovHY(), m.CovY()))},
	{"stable rank Σλ/λ₁", stableRank(H), nrc.StableRank(e.Values(nil))},
}
fmt.Printf("%-22s %14s %14s %10s\n", "metric", "yours", "nrclib", "|diff|")
for _, r := range rows {
	fmt.Printf("%-22s %14.10f %14.10f %10.2g\n", r.name, r.mine, r.lib, math.Abs(r.mine-r.lib))
}`),
			md(`
## What to notice

* Dividing by N or by N − 1 changes no metric here: all three are ratios, invariant to scaling Σ.
* Centring matters: without it the column means dominate Σ_H and every value changes.
* CKA is invariant to rotating H (try ` + "`H·Q`" + ` for an orthogonal Q) and to scaling it: it compares the
  *geometry* of the features with the targets', not their coordinates.
* The noise fraction is 0 exactly when H varies only inside a k-dimensional subspace: the layer has
  "collapsed" onto k directions. With k = t, that is Deep NRC1.`),
		},
	}
}
