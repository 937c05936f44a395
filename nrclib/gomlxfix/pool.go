package gomlxfix

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// reduceWindowVJP is the gradient of graph's ReduceWindow (MaxPool, MinPool,
// SumPool, MeanPool) for Sum, Max and Min without dilations; others defer
// to GoMLX's own gradient. The stock one needs the Pad and
// SelectAndScatter ops, which simplego lacks.
//
// Each window offset t reads x at o·s + t − lo for every output position o.
// For Sum, the gradient adds v at those positions for every t. For Max/Min,
// it goes, for every output position, to the first offset t (row-major)
// whose value equals the result, as the reference SelectAndScatter does.
func reduceWindowVJP(node, v *graph.Node) []*graph.Node {
	p := params(node)
	op := backends.ReduceOpType(field(p, "reductionType").Int())
	window := intsField(p, "windowDimensions")
	strides := intsField(p, "strides")
	dilated := false
	for _, name := range []string{"baseDilations", "windowDilations"} {
		for _, d := range intsField(p, name) {
			dilated = dilated || d > 1
		}
	}
	if dilated || (op != backends.ReduceOpSum && op != backends.ReduceOpMax && op != backends.ReduceOpMin) {
		return stockVJP(graph.NodeTypeReduceWindow)(node, []*graph.Node{v}, node.Shape())
	}
	x := node.Inputs()[0]
	rank := x.Rank()
	if len(strides) == 0 {
		strides = append([]int(nil), window...) // ReduceWindow's default
	}
	lo := make([]int, rank)
	hi := make([]int, rank)
	pads := field(p, "paddings")
	for i := 0; i < pads.Len() && i < rank; i++ {
		lo[i], hi[i] = int(pads.Index(i).Index(0).Int()), int(pads.Index(i).Index(1).Int())
	}
	dims := x.Shape().Dimensions
	outDims := node.Shape().Dimensions

	// Max/Min: x padded with a value that never wins, to read each offset.
	var xp, remaining *graph.Node
	if op != backends.ReduceOpSum {
		fill := lowest(x.DType())
		if op == backends.ReduceOpMin {
			fill = -fill
		}
		xp = x
		for axis := 0; axis < rank; axis++ {
			parts := []*graph.Node{xp}
			if lo[axis] > 0 {
				parts = append([]*graph.Node{filled(xp, axis, lo[axis], fill)}, parts...)
			}
			if hi[axis] > 0 {
				parts = append(parts, filled(xp, axis, hi[axis], fill))
			}
			if len(parts) > 1 {
				xp = graph.Concatenate(parts, axis)
			}
		}
		remaining = graph.OnesLike(node)
	}

	var dx *graph.Node
	offset := make([]int, rank)
	for {
		starts := make([]int, rank)
		for a := range starts {
			starts[a] = offset[a] - lo[a]
		}
		contrib := v
		if op != backends.ReduceOpSum {
			specs := make([]graph.SliceAxisSpec, rank)
			for a := range specs {
				specs[a] = graph.AxisRange(offset[a], offset[a]+(outDims[a]-1)*strides[a]+1).Stride(strides[a])
			}
			tap := graph.Slice(xp, specs...)
			chosen := graph.Mul(graph.ConvertDType(graph.Equal(tap, node), x.DType()), remaining)
			remaining = graph.Sub(remaining, chosen)
			contrib = graph.Mul(v, chosen)
		}
		placed := scatterStrided(contrib, dims, starts, strides)
		if dx == nil {
			dx = placed
		} else {
			dx = graph.Add(dx, placed)
		}
		// Next window offset, row-major.
		a := rank - 1
		for ; a >= 0; a-- {
			offset[a]++
			if offset[a] < window[a] {
				break
			}
			offset[a] = 0
		}
		if a < 0 {
			break
		}
	}
	return []*graph.Node{dx}
}

// filled returns a block shaped like x except that axis has size n, all
// equal to value.
func filled(x *graph.Node, axis, n int, value float64) *graph.Node {
	d := append([]int(nil), x.Shape().Dimensions...)
	d[axis] = n
	return graph.AddScalar(graph.Zeros(x.Graph(), shapes.Make(x.DType(), d...)), value)
}

// lowest is the most negative finite value of a float dtype.
func lowest(dt dtypes.DType) float64 {
	switch dt {
	case dtypes.Float64:
		return -math.MaxFloat64
	case dtypes.Float32:
		return -math.MaxFloat32
	}
	panic(fmt.Sprintf("gomlxfix: max/min pooling gradient for dtype %s is not supported: use Float32 or Float64", dt))
}
