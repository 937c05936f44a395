package gomlxfix

import (
	"math"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

func TestRsqrtGradient(t *testing.T) {
	x := []float64{0.3, 1, 2.5, 7}
	f := func(in []*graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.Mul(graph.Rsqrt(in[0]), graph.Const(in[0].Graph(), []float64{1, -2, 3, 0.5})))
	}
	fd, got, err := gradcheck.Check(testBackend, f, []gradcheck.Input{{Data: x, Dims: []int{4}}}, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, len(x))
	for i, c := range []float64{1, -2, 3, 0.5} {
		want[i] = c * -0.5 * math.Pow(x[i], -1.5)
	}
	ref := gradcheck.MaxAbsDiff(got, [][]float64{want})
	t.Logf("max |analytic − finite diff| = %.2e, max |analytic − closed form| = %.2e", fd, ref)
	if fd > 1e-7 || ref > 1e-12 {
		t.Errorf("rsqrt gradient off: finite diff %.2e, closed form %.2e", fd, ref)
	}
}
