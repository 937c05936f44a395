package gradcheck

import (
	"math"
	"os"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

var testBackend backends.Backend

func TestMain(m *testing.M) {
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	b, err := backends.NewWithConfig("go:ops_sequential")
	if err != nil {
		panic(err)
	}
	testBackend = b
	os.Exit(m.Run())
}

// f(x, y) = Σ sin(x)·x + Σ y²·x₀: closed-form gradients cos(x)·x + sin(x)
// (+ Σy² on x₀) and 2y·x₀.
func TestAnalyticAndNumericMatchClosedForm(t *testing.T) {
	x := []float64{0.3, -1.2, 2.0, 0.7}
	y := []float64{1.5, -0.5}
	f := func(in []*graph.Node) *graph.Node {
		x0 := graph.ReduceAllSum(graph.Mul(in[0], graph.Const(in[0].Graph(), [][]float64{{1, 0}, {0, 0}})))
		return graph.Add(graph.ReduceAllSum(graph.Mul(graph.Sin(in[0]), in[0])),
			graph.ReduceAllSum(graph.Mul(graph.Square(in[1]), x0)))
	}
	ins := []Input{{Data: x, Dims: []int{2, 2}}, {Data: y, Dims: []int{2}}}
	wantX := make([]float64, 4)
	var want, sy float64
	for _, v := range y {
		sy += v * v
	}
	for i, v := range x {
		wantX[i] = math.Cos(v)*v + math.Sin(v)
		want += math.Sin(v) * v
	}
	want += sy * x[0]
	wantX[0] += sy
	wantY := []float64{2 * y[0] * x[0], 2 * y[1] * x[0]}
	val, grads, err := Analytic(testBackend, f, ins)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(val-want) > 1e-12 {
		t.Errorf("value %g, want %g", val, want)
	}
	if d := MaxAbsDiff(grads, [][]float64{wantX, wantY}); d > 1e-12 {
		t.Errorf("analytic gradient off the closed form by %g", d)
	}
	num, err := Numeric(testBackend, f, ins, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	if d := MaxAbsDiff(num, [][]float64{wantX, wantY}); d > 1e-8 {
		t.Errorf("finite differences off the closed form by %g", d)
	}
	if d, _, err := Check(testBackend, f, ins, 1e-6); err != nil || d > 1e-8 {
		t.Errorf("Check = %g, %v", d, err)
	}
	// The inputs must be left untouched.
	if x[0] != 0.3 || y[1] != -0.5 {
		t.Error("Numeric modified its inputs")
	}
}

func TestErrors(t *testing.T) {
	f := func(in []*graph.Node) *graph.Node { return graph.ReduceAllSum(in[0]) }
	if _, _, err := Analytic(testBackend, f, []Input{{Data: []float64{1, 2, 3}, Dims: []int{2, 2}}}); err == nil {
		t.Error("mismatched data and shape accepted")
	}
	notScalar := func(in []*graph.Node) *graph.Node { return in[0] }
	if _, _, err := Analytic(testBackend, notScalar, []Input{{Data: []float64{1, 2}, Dims: []int{2}}}); err == nil {
		t.Error("non-scalar function accepted")
	}
	if _, err := Numeric(testBackend, f, []Input{{Data: []float64{1}, Dims: []int{1}}}, 0); err == nil {
		t.Error("zero step accepted")
	}
	if !math.IsInf(MaxAbsDiff([][]float64{{1}}, [][]float64{{1, 2}}), 1) {
		t.Error("MaxAbsDiff of different shapes is not +Inf")
	}
	if !math.IsInf(MaxAbsDiff([][]float64{{math.NaN()}}, [][]float64{{1}}), 1) {
		t.Error("MaxAbsDiff with NaN is not +Inf")
	}
}
