package gomlxfix

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// sliceVJP is the gradient of graph.Slice (with optional strides): the
// adjoint v is placed back where the slice was taken from, with zeros
// elsewhere.
func sliceVJP(node, v *graph.Node) []*graph.Node {
	x := node.Inputs()[0]
	p := params(node)
	return []*graph.Node{scatterStrided(v, x.Shape().Dimensions, intsField(p, "starts"), intsField(p, "strides"))}
}

// scatterStrided returns a tensor of the given dimensions that holds g's
// element i (a multi-index) at position starts + i·strides on every axis and
// zero elsewhere; elements that land outside the tensor are dropped (starts
// may be negative). Missing or non-positive strides count as 1.
//
// It uses no Pad op (simplego lacks it): zero blocks are concatenated, and a
// stride s is undone by appending s−1 zeros after every element (a new axis
// of size s, concatenated and folded back by a reshape).
func scatterStrided(g *graph.Node, dims, starts, strides []int) *graph.Node {
	for axis, dim := range dims {
		n := g.Shape().Dimensions[axis]
		start := 0
		if axis < len(starts) {
			start = starts[axis]
		}
		s := 1
		if axis < len(strides) && strides[axis] > 1 {
			s = strides[axis]
		}
		// Drop the elements that land before 0 or after dim−1.
		first := 0
		if start < 0 {
			first = (-start + s - 1) / s
		}
		last := n - 1
		if start+last*s > dim-1 {
			last = (dim - 1 - start) / s
			if dim-1-start < 0 {
				last = -1
			}
		}
		if first > last {
			return graph.Zeros(g.Graph(), shapes.Make(g.DType(), dims...))
		}
		if first > 0 || last < n-1 {
			g = graph.SliceAxis(g, axis, graph.AxisRange(first, last+1))
			start += first * s
			n = last - first + 1
		}
		if n == dim {
			continue // start is 0 and s is 1 (or n is 1)
		}
		if s > 1 && n > 1 {
			// [.., n, ..] → [.., n, s, ..] with zeros in positions 1..s-1 → [.., n·s, ..].
			g = graph.InsertAxes(g, axis+1)
			g = graph.Concatenate([]*graph.Node{g, zerosAlong(g, axis+1, s-1)}, axis+1)
			d := append([]int(nil), g.Shape().Dimensions...)
			d[axis] *= s
			d = append(d[:axis+1], d[axis+2:]...)
			g = graph.Reshape(g, d...)
			if room := dim - start; g.Shape().Dimensions[axis] > room {
				g = graph.SliceAxis(g, axis, graph.AxisRange(0, room))
			}
		}
		parts := make([]*graph.Node, 0, 3)
		if start > 0 {
			parts = append(parts, zerosAlong(g, axis, start))
		}
		parts = append(parts, g)
		if end := dim - start - g.Shape().Dimensions[axis]; end > 0 {
			parts = append(parts, zerosAlong(g, axis, end))
		}
		if len(parts) > 1 {
			g = graph.Concatenate(parts, axis)
		}
	}
	return g
}

// zerosAlong returns zeros shaped like x except that axis has size n.
func zerosAlong(x *graph.Node, axis, n int) *graph.Node {
	dims := append([]int(nil), x.Shape().Dimensions...)
	dims[axis] = n
	return graph.Zeros(x.Graph(), shapes.Make(x.DType(), dims...))
}
