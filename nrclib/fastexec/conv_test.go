package fastexec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
)

type convCase struct {
	name                string
	x, k                []int
	axes                graph.ConvolveAxesConfig
	strides, idil, kdil []int
	pads                [][2]int
	f64                 bool
}

var (
	nhwc = graph.ConvolveAxesConfig{InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2}}
	// The layout of gomlxfix's input gradient: kernel [k, k, out, in].
	nhwcKernelOutFirst = graph.ConvolveAxesConfig{InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 3, KernelOutputChannels: 2, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2}}
	// The layout of gomlxfix's kernel gradient.
	kernelGrad = graph.ConvolveAxesConfig{InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
		KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
		OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1}}
	nchw = graph.ConvolveAxesConfig{InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
		KernelInputChannels: 1, KernelOutputChannels: 0, KernelSpatial: []int{2, 3},
		OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3}}
)

func randTensor(rng *rand.Rand, dims []int, f64 bool) *tensors.Tensor {
	n := size(dims)
	if f64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

func flat64(t *tensors.Tensor) []float64 {
	switch t.DType().GoType().Kind().String() {
	case "float64":
		return tensors.MustCopyFlatData[float64](t)
	}
	v := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// execBoth runs fn with the installed executors and with simplego's own and
// returns the outputs, and the number of fast conv executions in the first.
func execBoth[F graph.ExecGraphFn](t *testing.T, fn F, args ...any) (fast, stock [][]float64, convs int64) {
	t.Helper()
	run := func() [][]float64 {
		e, err := graph.NewExec(testBackend, fn)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Finalize()
		out, err := e.Exec(args...)
		if err != nil {
			t.Fatal(err)
		}
		var r [][]float64
		for _, o := range out {
			r = append(r, flat64(o))
		}
		return r
	}
	before := ReadStats().Conv
	fast = run()
	convs = ReadStats().Conv - before
	withStock(func() { stock = run() })
	return fast, stock, convs
}

func maxDiff(a, b [][]float64) float64 {
	var d float64
	for i := range a {
		for j := range a[i] {
			d = max(d, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return d
}

// TestConvAgreesWithStock runs the convolution layouts the models and
// gomlxfix's gradients produce, with strides, paddings and both dilations,
// against simplego's own ConvGeneral.
func TestConvAgreesWithStock(t *testing.T) {
	if !Installed() {
		t.Skip("not installed (DEEPNRC_GEMM=stock)")
	}
	rng := rand.New(rand.NewPCG(6, 6))
	cases := []convCase{
		{name: "3x3 pad 1", x: []int{2, 9, 7, 5}, k: []int{3, 3, 5, 6}, axes: nhwc, pads: [][2]int{{1, 1}, {1, 1}}},
		{name: "3x3 stride 2", x: []int{3, 10, 11, 4}, k: []int{3, 3, 4, 8}, axes: nhwc, strides: []int{2, 2}, pads: [][2]int{{1, 1}, {1, 1}}},
		{name: "1x1 stride 2", x: []int{2, 8, 8, 6}, k: []int{1, 1, 6, 3}, axes: nhwc, strides: []int{2, 2}},
		{name: "7x7 stride 2 pad 3", x: []int{1, 15, 13, 3}, k: []int{7, 7, 3, 4}, axes: nhwc, strides: []int{2, 2}, pads: [][2]int{{3, 3}, {3, 3}}},
		{name: "kernel dilation, uneven pad", x: []int{2, 12, 9, 3}, k: []int{3, 2, 3, 5}, axes: nhwc, kdil: []int{2, 3}, pads: [][2]int{{2, 1}, {0, 3}}},
		{name: "input dilation (input gradient)", x: []int{2, 5, 6, 4}, k: []int{3, 3, 7, 4}, axes: nhwcKernelOutFirst, idil: []int{2, 2}, pads: [][2]int{{2, 2}, {2, 3}}},
		{name: "kernel gradient", x: []int{4, 9, 9, 3}, k: []int{4, 5, 5, 6}, axes: kernelGrad, kdil: []int{2, 2}, pads: [][2]int{{1, 0}, {1, 0}}},
		{name: "float64", x: []int{2, 7, 7, 3}, k: []int{3, 3, 3, 4}, axes: nhwc, pads: [][2]int{{1, 1}, {1, 1}}, f64: true},
		{name: "float64 kernel gradient", x: []int{3, 6, 6, 2}, k: []int{3, 6, 6, 5}, axes: kernelGrad, pads: [][2]int{{1, 1}, {1, 1}}, f64: true},
	}
	for _, c := range cases {
		fn := func(x, k *graph.Node) *graph.Node {
			return graph.ConvGeneral(x, k, c.axes, ones(c.strides, 2), c.pads, ones(c.idil, 2), ones(c.kdil, 2), 1, 1)
		}
		fast, stock, n := execBoth(t, fn, randTensor(rng, c.x, c.f64), randTensor(rng, c.k, c.f64))
		if n != 1 {
			t.Errorf("%s: %d fast conv executions, want 1", c.name, n)
		}
		tol := 1e-4
		if c.f64 {
			tol = 1e-12
		}
		if d := maxDiff(fast, stock); d > tol {
			t.Errorf("%s: differs from stock by %g", c.name, d)
		}
	}
}

// TestConvGradientsAgreeWithStock differentiates a strided, padded
// convolution (gomlxfix's gradients are themselves ConvGenerals) with the
// fast and the stock executors.
func TestConvGradientsAgreeWithStock(t *testing.T) {
	if !Installed() {
		t.Skip("not installed (DEEPNRC_GEMM=stock)")
	}
	gomlxfix.Install()
	rng := rand.New(rand.NewPCG(7, 7))
	for _, s := range []int{1, 2} {
		x, k := randTensor(rng, []int{3, 9, 8, 5}, false), randTensor(rng, []int{3, 3, 5, 7}, false)
		fn := func(x, k *graph.Node) []*graph.Node {
			y := graph.ConvGeneral(x, k, nhwc, []int{s, s}, [][2]int{{1, 1}, {1, 1}}, []int{1, 1}, []int{1, 1}, 1, 1)
			loss := graph.ReduceAllSum(graph.Mul(y, graph.Sin(y)))
			return append([]*graph.Node{y}, graph.Gradient(loss, x, k)...)
		}
		fast, stock, n := execBoth(t, fn, x, k)
		if n != 3 {
			t.Errorf("stride %d: %d fast conv executions, want 3 (forward and both gradients)", s, n)
		}
		if d := maxDiff(fast, stock); d > 1e-3 {
			t.Errorf("stride %d: output/gradients differ from stock by %g", s, d)
		}
	}
}

// TestConvOtherLayoutsFallBack: NCHW goes to simplego's executor.
func TestConvOtherLayoutsFallBack(t *testing.T) {
	if !Installed() {
		t.Skip("not installed (DEEPNRC_GEMM=stock)")
	}
	rng := rand.New(rand.NewPCG(8, 8))
	before := ReadStats().Fallbacks["ConvGeneral: layout"]
	fn := func(x, k *graph.Node) *graph.Node {
		return graph.ConvGeneral(x, k, nchw, []int{1, 1}, nil, []int{1, 1}, []int{1, 1}, 1, 1)
	}
	fast, stock, _ := execBoth(t, fn, randTensor(rng, []int{2, 3, 6, 6}, false), randTensor(rng, []int{4, 3, 3, 3}, false))
	if d := maxDiff(fast, stock); d > 1e-4 {
		t.Errorf("differs by %g", d)
	}
	if ReadStats().Fallbacks["ConvGeneral: layout"] != before+1 {
		t.Error("NCHW convolution not counted as a layout fallback")
	}
}
