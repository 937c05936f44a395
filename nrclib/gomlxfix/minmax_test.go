package gomlxfix

import (
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// TestMinMaxGradients checks the gradients of Max and Min against a scalar
// (constant 0, another constant, scalar on either side) and between two
// tensors, by finite differences at points away from ties, and against the
// closed form: the adjoint passes where the tensor operand strictly wins.
func TestMinMaxGradients(t *testing.T) {
	x := []float64{-1.2, -0.4, 0.25, 0.9, 1.7, -2.5}
	w := []float64{0.7, -1.1, 2.0, 0.3, -0.6, 1.4}
	cases := []struct {
		name string
		f    func(x *graph.Node) *graph.Node
		// wins[i]: does x[i] receive the adjoint?
		wins func(x float64) bool
	}{
		{"max(x, 0)", func(x *graph.Node) *graph.Node { return graph.Max(x, graph.ScalarZero(x.Graph(), x.DType())) },
			func(x float64) bool { return x > 0 }},
		{"max(0.3, x)", func(x *graph.Node) *graph.Node { return graph.Max(graph.Scalar(x.Graph(), x.DType(), 0.3), x) },
			func(x float64) bool { return x > 0.3 }},
		{"min(x, -0.5)", func(x *graph.Node) *graph.Node { return graph.Min(x, graph.Scalar(x.Graph(), x.DType(), -0.5)) },
			func(x float64) bool { return x < -0.5 }},
		{"min(0, x)", func(x *graph.Node) *graph.Node { return graph.Min(graph.ScalarZero(x.Graph(), x.DType()), x) },
			func(x float64) bool { return x < 0 }},
		{"max(x, zeros tensor)", func(x *graph.Node) *graph.Node { return graph.Max(x, graph.ZerosLike(x)) },
			func(x float64) bool { return x >= 0 }},
	}
	for _, c := range cases {
		f := func(in []*graph.Node) *graph.Node {
			return graph.ReduceAllSum(graph.Mul(c.f(in[0]), graph.Const(in[0].Graph(), w)))
		}
		fd, got, err := gradcheck.Check(testBackend, f, []gradcheck.Input{{Data: x, Dims: []int{len(x)}}}, 1e-6)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := make([]float64, len(x))
		for i := range x {
			if c.wins(x[i]) {
				want[i] = w[i]
			}
		}
		if ref := gradcheck.MaxAbsDiff(got, [][]float64{want}); fd > 1e-7 || ref != 0 {
			t.Errorf("%s: gradient off: finite diff %.2e, closed form %.2e (got %v, want %v)", c.name, fd, ref, got[0], want)
		}
	}
}

// TestReluGradientAtZero: the gradient of max(x, 0) at x = 0 is 0
// (PyTorch's convention), and the scalar side of max(x, s) receives the
// adjoint of every element where s wins or ties.
func TestReluGradientAtZero(t *testing.T) {
	x := []float64{0, 2, -3, 0}
	f := func(in []*graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.Max(in[0], graph.ScalarZero(in[0].Graph(), in[0].DType())))
	}
	_, got, err := gradcheck.Check(testBackend, f, []gradcheck.Input{{Data: x, Dims: []int{4}}}, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 1, 0, 0}; gradcheck.MaxAbsDiff(got, [][]float64{want}) != 0 {
		t.Fatalf("relu gradient %v, want %v", got[0], want)
	}
	g := func(in []*graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.Max(graph.Const(in[0].Graph(), x), in[0]))
	}
	_, got, err = gradcheck.Check(testBackend, g, []gradcheck.Input{{Data: []float64{0.5}, Dims: nil}}, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	// s = 0.5 wins against 0, −3, 0 (three elements), loses to 2.
	if got[0][0] != 3 {
		t.Fatalf("gradient of the scalar side = %v, want 3", got[0])
	}
}
