package layer

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Defaults of PyTorch's BatchNorm and LayerNorm.
const (
	// NormEpsilon is added to the variance before the square root.
	NormEpsilon = 1e-5
	// BatchNormMomentum weighs the new batch statistic in the running
	// statistics: running = (1−m)·running + m·batch.
	BatchNormMomentum = 0.1
)

// affine returns x·scale + offset with the variables "scale" (ones) and
// "offset" (zeros) of shape [C] for the last axis of x.
func affine(ctx *context.Context, x *graph.Node) *graph.Node {
	c := x.Shape().Dimensions[x.Rank()-1]
	g := x.Graph()
	scale := ctx.WithInitializer(constInit(1)).VariableWithShape(ScaleName, shapes.Make(x.DType(), c)).ValueGraph(g)
	offset := ctx.WithInitializer(constInit(0)).VariableWithShape(OffsetName, shapes.Make(x.DType(), c)).ValueGraph(g)
	return graph.Add(graph.Mul(x, lastAxis(scale, x.Rank())), lastAxis(offset, x.Rank()))
}

// lastAxis reshapes a [C] vector to broadcast along the last axis of a
// rank-r tensor.
func lastAxis(v *graph.Node, rank int) *graph.Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[rank-1] = v.Shape().Dimensions[0]
	return graph.Reshape(v, dims...)
}

// LayerNorm normalises x over its last axis (mean 0, biased variance 1,
// ε = 1e-5) and applies a learned per-feature scale and offset, like
// PyTorch's nn.LayerNorm(C). It creates "scale" and "offset" in ctx's scope.
// It uses Div and Sqrt rather than Rsqrt, whose gradient GoMLX v0.26 lacks.
func LayerNorm(ctx *context.Context, x *graph.Node) *graph.Node {
	if x.Rank() < 1 {
		panic("layer.LayerNorm: input is a scalar, want at least one axis of features")
	}
	return affine(ctx, layerNormalize(x))
}

// layerNormalize standardises x over its last axis.
func layerNormalize(x *graph.Node) *graph.Node {
	last := x.Rank() - 1
	mean := graph.ReduceAndKeep(x, graph.ReduceMean, last)
	xc := graph.Sub(x, mean)
	variance := graph.ReduceAndKeep(graph.Square(xc), graph.ReduceMean, last)
	return graph.Div(xc, graph.Sqrt(graph.AddScalar(variance, NormEpsilon)))
}

// BatchNorm normalises each feature (the last axis of x: channels of NHWC,
// or the features of [batch, C]) like PyTorch's BatchNorm1d/2d with default
// arguments, creating in ctx's scope the trainable "scale" (ones) and
// "offset" (zeros) and the non-trainable "running_mean" (zeros) and
// "running_var" (ones), all of shape [C].
//
// In training mode (ctx.IsTraining) it uses the batch mean and biased
// variance over all other axes, and the gradient flows through them (the
// true batch-norm gradient, not the one that treats them as constants). It
// also updates the running statistics with momentum 0.1, the variance
// unbiased (n/(n−1)), as PyTorch does. In inference mode it uses the running
// statistics and changes nothing. It uses Div and Sqrt rather than Rsqrt.
//
// Training mode needs more than one value per feature; with one it panics,
// as PyTorch raises an error.
func BatchNorm(ctx *context.Context, x *graph.Node) *graph.Node {
	if x.Rank() < 2 {
		panic(fmt.Sprintf("layer.BatchNorm: input has shape %s, want [batch, ..., features]", x.Shape()))
	}
	g := x.Graph()
	r := x.Rank()
	c := x.Shape().Dimensions[r-1]
	shape := shapes.Make(x.DType(), c)
	rmVar := ctx.WithInitializer(constInit(0)).VariableWithShape(RunningMeanName, shape).SetTrainable(false)
	rvVar := ctx.WithInitializer(constInit(1)).VariableWithShape(RunningVarName, shape).SetTrainable(false)
	if !ctx.IsTraining(g) {
		mean := lastAxis(rmVar.ValueGraph(g), r)
		variance := lastAxis(rvVar.ValueGraph(g), r)
		xn := graph.Div(graph.Sub(x, mean), graph.Sqrt(graph.AddScalar(variance, NormEpsilon)))
		return affine(ctx, xn)
	}
	n := x.Shape().Size() / c
	if n < 2 {
		panic(fmt.Sprintf("layer.BatchNorm: training needs more than 1 value per feature, input has shape %s: "+
			"use a batch of at least 2 samples", x.Shape()))
	}
	xn, mean, variance := batchNormalize(x)
	bm := graph.StopGradient(mean)
	bv := graph.StopGradient(graph.MulScalar(variance, float64(n)/float64(n-1)))
	m := BatchNormMomentum
	rmVar.SetValueGraph(graph.Add(graph.MulScalar(rmVar.ValueGraph(g), 1-m), graph.MulScalar(bm, m)))
	rvVar.SetValueGraph(graph.Add(graph.MulScalar(rvVar.ValueGraph(g), 1-m), graph.MulScalar(bv, m)))
	return affine(ctx, xn)
}

// batchNormalize standardises each feature (last axis) of x with its batch
// mean and biased variance over all other axes, the gradient flowing
// through both. It returns the normalised x and the per-feature mean and
// biased variance, each [C].
func batchNormalize(x *graph.Node) (xn, mean, variance *graph.Node) {
	r := x.Rank()
	c := x.Shape().Dimensions[r-1]
	axes := make([]int, r-1)
	for i := range axes {
		axes[i] = i
	}
	mk := graph.ReduceAndKeep(x, graph.ReduceMean, axes...)
	xc := graph.Sub(x, mk)
	vk := graph.ReduceAndKeep(graph.Square(xc), graph.ReduceMean, axes...)
	xn = graph.Div(xc, graph.Sqrt(graph.AddScalar(vk, NormEpsilon)))
	return xn, graph.Reshape(mk, c), graph.Reshape(vk, c)
}
