// Package layer holds the GoMLX layers the project's models are built from,
// written only with ops whose forward pass and gradient work on the pure-Go
// (simplego) backend of GoMLX v0.26 once gomlxfix.Install has run:
//
//   - Linear: y = x·W (+ b), W stored [in, out];
//   - Conv2D: one ConvGeneral (im2col and gemm on the pure-Go backend, by
//     nrclib/fastexec), kernel stored HWIO [kh, kw, c_in, c_out];
//   - MaxPool2D: the maximum over strided Slices;
//   - BatchNorm: batch statistics with their true gradient in training mode,
//     running statistics (momentum 0.1, unbiased variance) in inference mode;
//   - LayerNorm over the last axis;
//   - GlobalAvgPool: the mean over the spatial axes of NHWC.
//
// Initialisers follow PyTorch: KaimingUniform is PyTorch's default for
// Linear and Conv2d weights and biases (U(−1/√fan_in, 1/√fan_in)), and
// KaimingNormalFanOut is torchvision's ResNet convolution initialisation.
// Random values come from the context's RNG, so ctx.SetRNGStateFromSeed
// makes every initialisation reproducible.
//
// Every layer creates its variables in the scope of the context it is given
// (e.g. "<scope>/weights"), so callers choose the names with ctx.In.
package layer

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Variable names used by the layers, inside the layer's scope.
const (
	// WeightsName is the weight (Linear) or kernel (Conv2D) variable.
	WeightsName = "weights"
	// BiasesName is the bias variable of Linear.
	BiasesName = "biases"
	// ScaleName and OffsetName are the affine parameters of the norms.
	ScaleName  = "scale"
	OffsetName = "offset"
	// RunningMeanName and RunningVarName are BatchNorm's running statistics.
	RunningMeanName = "running_mean"
	RunningVarName  = "running_var"
)

// Uniform returns an initialiser drawing U(−bound, bound) from ctx's RNG.
func Uniform(ctx *context.Context, bound float64) context.VariableInitializer {
	return func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		u := ctx.RandomUniform(g, shape) // [0, 1)
		return graph.AddScalar(graph.MulScalar(u, 2*bound), -bound)
	}
}

// Normal returns an initialiser drawing N(0, std²) from ctx's RNG.
func Normal(ctx *context.Context, std float64) context.VariableInitializer {
	return func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		return graph.MulScalar(ctx.RandomNormal(g, shape), std)
	}
}

// KaimingUniformBound is the bound of PyTorch's default initialisation of
// Linear and Conv2d weights, kaiming_uniform_ with a = √5:
// gain·√(3/fan_in) with gain = √(2/(1+a²)), which is 1/√fan_in. PyTorch
// draws the biases of those layers from the same U(−1/√fan_in, 1/√fan_in).
func KaimingUniformBound(fanIn int) float64 { return 1 / math.Sqrt(float64(fanIn)) }

// KaimingNormalFanOutStd is the standard deviation of torchvision's ResNet
// convolution initialisation, kaiming_normal_(mode="fan_out",
// nonlinearity="relu"): √(2/fan_out) with fan_out = c_out·kh·kw.
func KaimingNormalFanOutStd(fanOut int) float64 { return math.Sqrt(2 / float64(fanOut)) }

func constInit(value float64) context.VariableInitializer {
	return func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		return graph.AddScalar(graph.Zeros(g, shape), value)
	}
}

// Linear returns x·W (+ b) for x [batch, in], creating in ctx's scope the
// variable "weights" [in, out] (and "biases" [out] when bias is true), both
// initialised like PyTorch's nn.Linear: U(−1/√in, 1/√in).
func Linear(ctx *context.Context, x *graph.Node, out int, bias bool) *graph.Node {
	if x.Rank() != 2 {
		panic(fmt.Sprintf("layer.Linear: input has shape %s, want [batch, features]", x.Shape()))
	}
	in := x.Shape().Dimensions[1]
	bound := KaimingUniformBound(in)
	ic := ctx.WithInitializer(Uniform(ctx, bound))
	w := ic.VariableWithShape(WeightsName, shapes.Make(x.DType(), in, out)).ValueGraph(x.Graph())
	y := graph.Dot(x, w)
	if bias {
		b := ic.VariableWithShape(BiasesName, shapes.Make(x.DType(), out)).ValueGraph(x.Graph())
		y = graph.Add(y, graph.InsertAxes(b, 0))
	}
	return y
}

// Relu returns max(x, 0), taken against a scalar 0 (no tensor of zeros is
// made). Its gradient (package gomlxfix) is 1 where x > 0 and 0 elsewhere,
// x = 0 included, as PyTorch's.
func Relu(x *graph.Node) *graph.Node { return graph.Max(x, graph.ScalarZero(x.Graph(), x.DType())) }

// GlobalAvgPool returns the mean of x [N, H, W, C] over H and W: [N, C].
func GlobalAvgPool(x *graph.Node) *graph.Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("layer.GlobalAvgPool: input has shape %s, want NHWC", x.Shape()))
	}
	return graph.ReduceMean(x, 1, 2)
}
