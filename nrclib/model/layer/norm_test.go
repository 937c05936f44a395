package layer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// refBatchNorm computes y = x̂·γ + β per feature (last axis, n rows) and,
// for the loss Σ y·r, the true gradients: with g = r·γ,
// dx = (g − mean(g) − x̂·mean(g·x̂)) / √(σ²+ε), dγ = Σ r·x̂, dβ = Σ r.
func refBatchNorm(x []float64, n, c int, gamma, beta, r []float64) (y, dx, dg, db []float64) {
	y = make([]float64, n*c)
	dx = make([]float64, n*c)
	dg = make([]float64, c)
	db = make([]float64, c)
	for j := 0; j < c; j++ {
		var mean, v float64
		for i := 0; i < n; i++ {
			mean += x[i*c+j]
		}
		mean /= float64(n)
		for i := 0; i < n; i++ {
			d := x[i*c+j] - mean
			v += d * d
		}
		v /= float64(n)
		sd := math.Sqrt(v + NormEpsilon)
		var mg, mgx float64
		xh := make([]float64, n)
		for i := 0; i < n; i++ {
			xh[i] = (x[i*c+j] - mean) / sd
			y[i*c+j] = xh[i]*gamma[j] + beta[j]
			g := r[i*c+j] * gamma[j]
			mg += g
			mgx += g * xh[i]
			dg[j] += r[i*c+j] * xh[i]
			db[j] += r[i*c+j]
		}
		mg /= float64(n)
		mgx /= float64(n)
		for i := 0; i < n; i++ {
			dx[i*c+j] = (r[i*c+j]*gamma[j] - mg - xh[i]*mgx) / sd
		}
	}
	return
}

func TestBatchNormTrueGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, dims := range [][]int{{6, 3}, {2, 3, 2, 4}} {
		c := dims[len(dims)-1]
		size := 1
		for _, d := range dims {
			size *= d
		}
		n := size / c
		x := randData(rng, size)
		for i := range x {
			x[i] = 2*x[i] + 0.5 // offset and spread so the statistics matter
		}
		gamma := randData(rng, c)
		beta := randData(rng, c)
		r := randData(rng, size)
		y, dx, dg, db := refBatchNorm(x, n, c, gamma, beta, r)
		f := func(in []*graph.Node) *graph.Node {
			xn, _, _ := batchNormalize(in[0])
			out := graph.Add(graph.Mul(xn, lastAxis(in[1], len(dims))), lastAxis(in[2], len(dims)))
			return graph.ReduceAllSum(graph.Mul(out, graph.Reshape(graph.Const(out.Graph(), r), dims...)))
		}
		ins := []gradcheck.Input{{Data: x, Dims: dims}, {Data: gamma, Dims: []int{c}}, {Data: beta, Dims: []int{c}}}
		fd, grads, err := gradcheck.Check(testBackend, f, ins, 1e-6)
		if err != nil {
			t.Fatal(err)
		}
		val, _, err := gradcheck.Analytic(testBackend, f, ins)
		if err != nil {
			t.Fatal(err)
		}
		var want float64
		for i := range y {
			want += y[i] * r[i]
		}
		ref := gradcheck.MaxAbsDiff(grads, [][]float64{dx, dg, db})
		t.Logf("shape %v: forward |Δ| %.1e; gradient vs true BN formula %.1e, vs finite diff %.1e", dims, math.Abs(val-want), ref, fd)
		if math.Abs(val-want) > 1e-10 || ref > 1e-10 || fd > 1e-6 {
			t.Errorf("batch norm: forward off by %.2e, gradient off by %.2e (formula) / %.2e (finite diff)", math.Abs(val-want), ref, fd)
		}
		// The stop-gradient formula (batch statistics as constants) would give
		// g/√(σ²+ε); make sure the check can tell the difference.
		var stopDiff float64
		for j := 0; j < c; j++ {
			var mean, v float64
			for i := 0; i < n; i++ {
				mean += x[i*c+j]
			}
			mean /= float64(n)
			for i := 0; i < n; i++ {
				v += (x[i*c+j] - mean) * (x[i*c+j] - mean)
			}
			sd := math.Sqrt(v/float64(n) + NormEpsilon)
			for i := 0; i < n; i++ {
				stopDiff = math.Max(stopDiff, math.Abs(r[i*c+j]*gamma[j]/sd-grads[0][i*c+j]))
			}
		}
		if stopDiff < 1e-3 {
			t.Errorf("gradient equals the stop-gradient formula (max difference %g): the batch statistics are treated as constants", stopDiff)
		}
	}
}

// TestBatchNormModes runs the layer in training mode twice (running
// statistics must follow PyTorch's momentum-0.1 update with the unbiased
// variance) and then in inference mode (running statistics used, nothing
// updated).
func TestBatchNormModes(t *testing.T) {
	const n, c = 5, 3
	rng := rand.New(rand.NewPCG(7, 8))
	x := make([]float32, n*c)
	for i := range x {
		x[i] = float32(3*rng.Float64() + 1)
	}
	ctx := context.New()
	run := func(training bool) []float32 {
		e, err := context.NewExec(testBackend, ctx.Checked(false), func(ctx *context.Context, x *graph.Node) *graph.Node {
			ctx.SetTraining(x.Graph(), training)
			return BatchNorm(ctx.In("bn"), x)
		})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Finalize()
		out, err := e.Exec(tensors.FromFlatDataAndDimensions(x, n, c))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	read := func(name string) []float32 {
		v := ctx.GetVariableByScopeAndName("/bn", name)
		if v == nil {
			t.Fatalf("no variable /bn/%s", name)
		}
		if v.Trainable != (name == ScaleName || name == OffsetName) {
			t.Errorf("/bn/%s trainable = %v", name, v.Trainable)
		}
		return tensors.MustCopyFlatData[float32](v.MustValue())
	}
	mean := make([]float64, c)
	unbiased := make([]float64, c)
	for j := 0; j < c; j++ {
		for i := 0; i < n; i++ {
			mean[j] += float64(x[i*c+j]) / n
		}
		for i := 0; i < n; i++ {
			d := float64(x[i*c+j]) - mean[j]
			unbiased[j] += d * d / (n - 1)
		}
	}
	yTrain := run(true)
	yTrain2 := run(true)
	rm, rv := read(RunningMeanName), read(RunningVarName)
	read(ScaleName)
	read(OffsetName)
	for j := 0; j < c; j++ {
		// Two updates from (0, 1): m1 = 0.1μ, m2 = 0.9·m1 + 0.1μ = 0.19μ.
		wantM := 0.19 * mean[j]
		wantV := 0.81*1 + 0.19*unbiased[j]
		if math.Abs(float64(rm[j])-wantM) > 1e-5 || math.Abs(float64(rv[j])-wantV) > 1e-5 {
			t.Errorf("feature %d: running mean/var %g/%g, want %g/%g", j, rm[j], rv[j], wantM, wantV)
		}
		for i := 0; i < n; i++ {
			if yTrain[i*c+j] != yTrain2[i*c+j] {
				t.Errorf("training output depends on the running statistics")
			}
		}
	}
	yInf := run(false)
	rm2, rv2 := read(RunningMeanName), read(RunningVarName)
	for j := 0; j < c; j++ {
		if rm2[j] != rm[j] || rv2[j] != rv[j] {
			t.Errorf("inference mode changed the running statistics of feature %d", j)
		}
		for i := 0; i < n; i++ {
			want := (float64(x[i*c+j]) - float64(rm[j])) / math.Sqrt(float64(rv[j])+NormEpsilon)
			if math.Abs(float64(yInf[i*c+j])-want) > 1e-5 {
				t.Errorf("inference output [%d,%d] = %g, want %g from the running statistics", i, j, yInf[i*c+j], want)
			}
		}
	}
}

func TestLayerNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n, c = 4, 5
	x := randData(rng, n*c)
	r := randData(rng, n*c)
	// Plain-Go forward: per row, (x − mean)/√(var+ε).
	want := make([]float64, n*c)
	for i := 0; i < n; i++ {
		var mean, v float64
		for j := 0; j < c; j++ {
			mean += x[i*c+j] / c
		}
		for j := 0; j < c; j++ {
			v += (x[i*c+j] - mean) * (x[i*c+j] - mean) / c
		}
		for j := 0; j < c; j++ {
			want[i*c+j] = (x[i*c+j] - mean) / math.Sqrt(v+NormEpsilon)
		}
	}
	// Gradient with respect to r of Σ ln(x)·r is ln(x): read the forward pass through it.
	fwd := func(in []*graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.Mul(layerNormalize(in[0]), in[1]))
	}
	fd, grads, err := gradcheck.Check(testBackend, fwd, []gradcheck.Input{{Data: x, Dims: []int{n, c}}, {Data: r, Dims: []int{n, c}}}, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	ref := gradcheck.MaxAbsDiff(grads[1:], [][]float64{want})
	t.Logf("layer norm: forward vs plain Go %.1e, gradient vs finite diff %.1e", ref, fd)
	if ref > 1e-12 || fd > 1e-7 {
		t.Errorf("layer norm: forward off by %.2e, gradient off finite differences by %.2e", ref, fd)
	}
}
