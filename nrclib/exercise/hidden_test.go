package exercise

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestHiddenRankCoversRange(t *testing.T) {
	count := map[int]int{}
	for s := uint64(0); s < 600; s++ {
		r := hiddenRank(s)
		if r < 1 || r > MaxHiddenRank {
			t.Fatalf("seed %d: rank %d", s, r)
		}
		count[r]++
	}
	for r := 1; r <= MaxHiddenRank; r++ {
		if count[r] < 60 { // 100 expected
			t.Errorf("rank %d drawn %d times in 600 seeds", r, count[r])
		}
	}
}

// targetSpectrum returns the eigenvalues of the training targets'
// covariance, largest first.
func targetSpectrum(t *testing.T, y []float32, n, cols int) []float64 {
	t.Helper()
	m := mat.NewDense(n, cols, nil)
	for i := range n {
		for j := range cols {
			m.Set(i, j, float64(y[i*cols+j]))
		}
	}
	c := centreCols(m)
	var s mat.SymDense
	s.SymOuterK(1/float64(n), c.T())
	var e mat.EigenSym
	if !e.Factorize(&s, false) {
		t.Fatal("eigen failed")
	}
	v := e.Values(nil)
	sort.Sort(sort.Reverse(sort.Float64Slice(v)))
	return v
}

func TestLowRankTasks(t *testing.T) {
	for seed := uint64(0); seed < 8; seed++ {
		ds, err := HiddenTask(seed, 1000)
		if err != nil {
			t.Fatal(err)
		}
		r := hiddenRank(seed)
		if ds.Train.N != 800 || ds.Test.N != 200 || ds.TargetDim != LowRankTargetDim || ds.InputSize() != LowRankInputDim {
			t.Fatalf("seed %d: shapes %d/%d t=%d d=%d", seed, ds.Train.N, ds.Test.N, ds.TargetDim, ds.InputSize())
		}
		// r signal eigenvalues in about [0.36, 1] (x·P is standard normal
		// in r dimensions, scaled by 1 … 0.6), the rest at the noise
		// variance 0.0025.
		ev := targetSpectrum(t, ds.Train.Y, ds.Train.N, ds.TargetDim)
		for j, v := range ev {
			if j < r && (v < 0.25 || v > 1.3) {
				t.Errorf("seed %d (r=%d): signal eigenvalue %d = %.4f", seed, r, j, v)
			}
			if j >= r && (v > 0.004 || v < 0.0015) {
				t.Errorf("seed %d (r=%d): noise eigenvalue %d = %.4f", seed, r, j, v)
			}
		}
		for _, leak := range []string{fmt.Sprintf("r = %d", r), fmt.Sprintf("rank %d", r), fmt.Sprintf("r=%d", r)} {
			if strings.Contains(ds.Description, leak) {
				t.Errorf("seed %d: description leaks %q: %s", seed, leak, ds.Description)
			}
		}
	}
	a, _ := HiddenTask(5, 100)
	b, _ := HiddenTask(5, 100)
	for i := range a.Train.Y {
		if a.Train.Y[i] != b.Train.Y[i] {
			t.Fatal("HiddenTask is not deterministic")
		}
	}
	k, err := KnownRankTask(2, 500)
	if err != nil {
		t.Fatal(err)
	}
	if ev := targetSpectrum(t, k.Train.Y, k.Train.N, k.TargetDim); ev[1] < 0.25 || ev[2] > 0.004 {
		t.Errorf("known rank 2 task spectrum %v", ev)
	}
	if _, err := lowRankTask("x", "", 0, 1, 100); err == nil {
		t.Error("rank 0: no error")
	}
	if _, err := lowRankTask("x", "", 2, 1, 5); err == nil {
		t.Error("5 samples: no error")
	}
}

func TestRankCheck(t *testing.T) {
	withConstructedRuns(t)
	t.Setenv(SeedEnv, "3")
	r := hiddenRank(3)
	if got := Evaluate("d1-rank", r); !got.OK() {
		t.Fatalf("the hidden rank %d is rejected: %s", r, got)
	}
	if got := Evaluate("d1-rank", float64(r)); !got.OK() {
		t.Fatalf("the hidden rank as float64 is rejected: %s", got)
	}
	// The constructed unseen run has top stable rank 3.4 and 5 components;
	// pick the guesses that trigger each hint and differ from r.
	cases := []struct {
		guess int
		hint  string
	}{
		{0, "estimate"},
		{LowRankTargetDim, "number of targets"},
		{LowRankInputDim, "input dimension"},
		{-2, "between 1 and t"},
		{9, "between 1 and t"},
		{3, "stable rank Σλ/λ₁ is at most the rank"},
		{5, "counted the principal components"},
	}
	for _, c := range cases {
		if c.guess == r {
			continue
		}
		got := Evaluate("d1-rank", c.guess)
		if got.OK() || !strings.Contains(got.Message, c.hint) {
			t.Errorf("guess %d: %s; want a hint with %q", c.guess, got, c.hint)
		}
	}
	for g := 1; g <= MaxHiddenRank; g++ {
		if g == r {
			continue
		}
		got := Evaluate("d1-rank", g)
		if got.OK() {
			t.Errorf("wrong guess %d accepted", g)
		}
		if strings.Contains(got.Message, fmt.Sprint(r)) {
			t.Errorf("guess %d: hint may leak r = %d: %s", g, r, got.Message)
		}
	}
}
