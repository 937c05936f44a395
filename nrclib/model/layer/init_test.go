package layer

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// moments returns max |v|, the mean and the standard deviation.
func moments(v []float32) (maxAbs, mean, std float64) {
	var s, sq float64
	for _, x := range v {
		s += float64(x)
		sq += float64(x) * float64(x)
		maxAbs = math.Max(maxAbs, math.Abs(float64(x)))
	}
	n := float64(len(v))
	mean = s / n
	return maxAbs, mean, math.Sqrt(sq/n - mean*mean)
}

// TestInitialisers builds Conv2D (both initialisations) and Linear with
// bias, and checks the empirical distribution of the initial values.
func TestInitialisers(t *testing.T) {
	const cin, cout, k, in, out = 32, 64, 3, 300, 200
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(11); err != nil {
		t.Fatal(err)
	}
	e, err := context.NewExec(testBackend, ctx, func(ctx *context.Context, x, v *graph.Node) []*graph.Node {
		a := Conv2D(ctx.In("a"), x, cout, k, 1, 1, InitPyTorchDefault)
		b := Conv2D(ctx.In("b"), x, cout, k, 1, 1, InitKaimingNormalFanOut)
		c := Linear(ctx.In("c"), v, out, true)
		return []*graph.Node{a, b, c}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	if _, err := e.Exec(tensors.FromShape(shapesOf(1, 4, 4, cin)), tensors.FromShape(shapesOf(1, in))); err != nil {
		t.Fatal(err)
	}
	get := func(scope, name string) []float32 {
		return tensors.MustCopyFlatData[float32](ctx.GetVariableByScopeAndName(scope, name).MustValue())
	}
	check := func(what string, v []float32, wantStd, bound float64) {
		maxAbs, mean, std := moments(v)
		t.Logf("%s: n=%d max|w| %.5f (bound %.5f), std %.5f (want %.5f), mean %.1e", what, len(v), maxAbs, bound, std, wantStd, mean)
		tol := 4 / math.Sqrt(2*float64(len(v))) // ≈ 4 standard errors of a std estimate
		if math.Abs(std/wantStd-1) > tol {
			t.Errorf("%s: std %g, want %g (±%.1f%%)", what, std, wantStd, 100*tol)
		}
		if math.Abs(mean) > 5*wantStd/math.Sqrt(float64(len(v))) {
			t.Errorf("%s: mean %g, want 0", what, mean)
		}
		if bound > 0 && (maxAbs > bound || maxAbs < 0.99*bound) {
			t.Errorf("%s: max |w| %g, want just under %g", what, maxAbs, bound)
		}
	}
	fanIn := float64(cin * k * k)
	check("conv, PyTorch default", get("/a", WeightsName), 1/math.Sqrt(3*fanIn), 1/math.Sqrt(fanIn))
	check("conv, torchvision fan-out", get("/b", WeightsName), math.Sqrt(2/float64(cout*k*k)), 0)
	check("linear weights", get("/c", WeightsName), 1/math.Sqrt(3*in), 1/math.Sqrt(in))
	check("linear biases", get("/c", BiasesName), 1/math.Sqrt(3*in), 0)
}
