package layer

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ConvInit selects how Conv2D initialises its kernel.
type ConvInit int

const (
	// InitPyTorchDefault is nn.Conv2d's default: U(−1/√fan_in, 1/√fan_in),
	// fan_in = c_in·k·k (kaiming_uniform_ with a = √5).
	InitPyTorchDefault ConvInit = iota
	// InitKaimingNormalFanOut is torchvision's ResNet initialisation:
	// N(0, 2/fan_out), fan_out = c_out·k·k.
	InitKaimingNormalFanOut
)

// String names the initialisation.
func (i ConvInit) String() string {
	switch i {
	case InitPyTorchDefault:
		return "pytorch-default"
	case InitKaimingNormalFanOut:
		return "kaiming-normal-fan-out"
	}
	return fmt.Sprintf("ConvInit(%d)", int(i))
}

// ConvOutputSize is the spatial output size of a convolution or pooling
// window of size k, stride s and zero padding p on each side over an input
// of size n: ⌊(n + 2p − k)/s⌋ + 1.
func ConvOutputSize(n, k, s, p int) int { return (n+2*p-k)/s + 1 }

// padSpatial pads the H and W axes of NHWC x with p rows/columns of value
// on each side, by concatenation (simplego has no Pad op).
func padSpatial(x *graph.Node, p int, value float64) *graph.Node {
	if p == 0 {
		return x
	}
	for axis := 1; axis <= 2; axis++ {
		dims := append([]int(nil), x.Shape().Dimensions...)
		dims[axis] = p
		border := graph.AddScalar(graph.Zeros(x.Graph(), shapes.Make(x.DType(), dims...)), value)
		x = graph.Concatenate([]*graph.Node{border, x, border}, axis)
	}
	return x
}

// windows returns, for every offset (dy, dx) of a k×k window in row-major
// order, the strided slice of the padded NHWC input xp holding the element
// at that offset of every output position: each is [N, Ho, Wo, C].
func windows(xp *graph.Node, k, s, ho, wo int) []*graph.Node {
	var out []*graph.Node
	for dy := 0; dy < k; dy++ {
		for dx := 0; dx < k; dx++ {
			out = append(out, graph.Slice(xp,
				graph.AxisRange(),
				graph.AxisRange(dy, dy+(ho-1)*s+1).Stride(s),
				graph.AxisRange(dx, dx+(wo-1)*s+1).Stride(s),
				graph.AxisRange()))
		}
	}
	return out
}

func checkWindow(op string, x *graph.Node, k, s, p int) (ho, wo int) {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("layer.%s: input has shape %s, want NHWC [batch, height, width, channels]", op, x.Shape()))
	}
	if k < 1 || s < 1 || p < 0 || p >= k {
		panic(fmt.Sprintf("layer.%s: window %d, stride %d, padding %d: want window ≥ 1, stride ≥ 1, 0 ≤ padding < window", op, k, s, p))
	}
	h, w := x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	ho, wo = ConvOutputSize(h, k, s, p), ConvOutputSize(w, k, s, p)
	if ho < 1 || wo < 1 {
		panic(fmt.Sprintf("layer.%s: input %dx%d is smaller than the window %d with padding %d: use larger images or a smaller window", op, h, w, k, p))
	}
	return ho, wo
}

// Conv2D is a bias-free 2-D convolution (cross-correlation, as in PyTorch)
// of NHWC x with a k×k kernel, stride s and zero padding p on each side,
// producing cout channels: [N, Ho, Wo, cout] with Ho = ConvOutputSize(H, k,
// s, p). It creates the kernel "weights" [k, k, c_in, cout] (HWIO) in ctx's
// scope, initialised as init says.
//
// It is one ConvGeneral node. On the pure-Go backend nrclib/fastexec runs
// it (and the two convolutions of its gradient, from nrclib/gomlxfix) as an
// im2col matrix times the kernel reshaped to [k·k·c_in, cout], with
// nrclib/gemm.
func Conv2D(ctx *context.Context, x *graph.Node, cout, k, s, p int, init ConvInit) *graph.Node {
	checkWindow("Conv2D", x, k, s, p)
	cin := x.Shape().Dimensions[3]
	var vi context.VariableInitializer
	switch init {
	case InitPyTorchDefault:
		vi = Uniform(ctx, KaimingUniformBound(cin*k*k))
	case InitKaimingNormalFanOut:
		vi = Normal(ctx, KaimingNormalFanOutStd(cout*k*k))
	default:
		panic(fmt.Sprintf("layer.Conv2D: unknown initialisation %v: use InitPyTorchDefault or InitKaimingNormalFanOut", init))
	}
	w := ctx.WithInitializer(vi).VariableWithShape(WeightsName, shapes.Make(x.DType(), k, k, cin, cout)).ValueGraph(x.Graph())
	return conv2D(x, w, s, p)
}

// nhwcAxes is the ConvGeneral layout of Conv2D: NHWC input and output,
// HWIO kernel.
var nhwcAxes = graph.ConvolveAxesConfig{
	InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
	KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
	OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2},
}

// conv2D convolves NHWC x with the HWIO kernel w (square, k×k), with stride
// s and zero padding p.
func conv2D(x, w *graph.Node, s, p int) *graph.Node {
	k, cin := w.Shape().Dimensions[0], w.Shape().Dimensions[2]
	checkWindow("Conv2D", x, k, s, p)
	if w.Rank() != 4 || w.Shape().Dimensions[1] != k || cin != x.Shape().Dimensions[3] {
		panic(fmt.Sprintf("layer.Conv2D: kernel shape %s does not fit input %s: want [k, k, c_in, c_out]", w.Shape(), x.Shape()))
	}
	return graph.ConvGeneral(x, w, nhwcAxes, []int{s, s}, [][2]int{{p, p}, {p, p}}, []int{1, 1}, []int{1, 1}, 1, 1)
}

// lowest is the most negative finite value of dt, used to pad max pooling
// (PyTorch pads with −∞; a finite value keeps the gradient free of NaN).
func lowest(dt dtypes.DType) float64 {
	if dt == dtypes.Float64 {
		return -math.MaxFloat64
	}
	return -math.MaxFloat32
}

// MaxPool2D is k×k max pooling of NHWC x with stride s and padding p on
// each side (padding never wins, as PyTorch's −∞ padding), computed as the
// elementwise maximum of k·k strided slices. The gradient goes to the
// maximum of each window (to the first in row-major order on ties).
func MaxPool2D(x *graph.Node, k, s, p int) *graph.Node {
	ho, wo := checkWindow("MaxPool2D", x, k, s, p)
	taps := windows(padSpatial(x, p, lowest(x.DType())), k, s, ho, wo)
	y := taps[0]
	for _, t := range taps[1:] {
		y = graph.Max(y, t)
	}
	return y
}
