package gomlxfix

import (
	"fmt"
	"reflect"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// convParams are the static parameters of a ConvGeneral node, with nil
// strides/dilations/paddings expanded to their defaults.
type convParams struct {
	axes                            graph.ConvolveAxesConfig
	strides, kernelDil, inputDil    []int
	paddings                        [][2]int
	channelGroups, batchGroups      int
	inSpatial, kSpatial, outSpatial []int // sizes
}

func readConvParams(node *graph.Node) convParams {
	p := params(node)
	ax := field(p, "axes")
	what := p.Type().String() + ".axes"
	c := convParams{
		axes: graph.ConvolveAxesConfig{
			InputBatch:           int(field(ax, "InputBatch").Int()),
			InputChannels:        int(field(ax, "InputChannels").Int()),
			InputSpatial:         ints(field(ax, "InputSpatial"), what+".InputSpatial"),
			KernelInputChannels:  int(field(ax, "KernelInputChannels").Int()),
			KernelOutputChannels: int(field(ax, "KernelOutputChannels").Int()),
			KernelSpatial:        ints(field(ax, "KernelSpatial"), what+".KernelSpatial"),
			OutputBatch:          int(field(ax, "OutputBatch").Int()),
			OutputChannels:       int(field(ax, "OutputChannels").Int()),
			OutputSpatial:        ints(field(ax, "OutputSpatial"), what+".OutputSpatial"),
		},
		strides:       intsField(p, "strides"),
		kernelDil:     intsField(p, "kernelDilations"),
		inputDil:      intsField(p, "inputDilations"),
		channelGroups: intField(p, "channelGroupCount"),
		batchGroups:   intField(p, "batchGroupCount"),
	}
	pads := field(p, "paddings")
	if pads.Kind() != reflect.Slice {
		panic(fmt.Sprintf("gomlxfix: %s.paddings is a %s, want [][2]int: pin github.com/gomlx/gomlx v0.26.0 or update gomlxfix", p.Type(), pads.Kind()))
	}
	for i := 0; i < pads.Len(); i++ {
		c.paddings = append(c.paddings, [2]int{int(pads.Index(i).Index(0).Int()), int(pads.Index(i).Index(1).Int())})
	}
	d := len(c.axes.InputSpatial)
	c.strides = defaultOnes(c.strides, d)
	c.kernelDil = defaultOnes(c.kernelDil, d)
	if len(c.paddings) == 0 {
		c.paddings = make([][2]int, d)
	}
	in := node.Inputs()
	for i := 0; i < d; i++ {
		c.inSpatial = append(c.inSpatial, in[0].Shape().Dimensions[c.axes.InputSpatial[i]])
		c.kSpatial = append(c.kSpatial, in[1].Shape().Dimensions[c.axes.KernelSpatial[i]])
		c.outSpatial = append(c.outSpatial, node.Shape().Dimensions[c.axes.OutputSpatial[i]])
	}
	return c
}

// defaultOnes returns s, or d ones when s is empty; values below 1 become 1.
func defaultOnes(s []int, d int) []int {
	out := make([]int, d)
	for i := range out {
		out[i] = 1
		if i < len(s) && s[i] > 1 {
			out[i] = s[i]
		}
	}
	return out
}

// convGeneralVJP is the gradient of graph.ConvGeneral (any axes layout,
// strides, paddings and kernel dilations; no grouping, no input dilation,
// for which it defers to GoMLX's own gradient).
//
// With input size I, kernel K, kernel dilation r, stride s, padding (lo, hi)
// and output size O on a spatial axis, y[o] = Σ_k x[o·s + k·r − lo]·w[k]:
//
//   - dx is the convolution of v, dilated by s (input dilation), with the
//     spatially flipped kernel, kernel channels swapped, kernel dilation r,
//     stride 1 and padding ((K−1)·r − lo, I − 1 + lo − (O−1)·s);
//   - dw is the convolution of x with v as the kernel, where x's channel
//     axis plays the batch and x's batch axis the contracted channels, with
//     kernel dilation s, stride r and padding (lo, (K−1)·r + (O−1)·s + 1 −
//     I − lo); a negative end padding is a crop of x.
func convGeneralVJP(node, v *graph.Node) []*graph.Node {
	c := readConvParams(node)
	hasInputDil := false
	for _, d := range c.inputDil {
		hasInputDil = hasInputDil || d > 1
	}
	if c.channelGroups > 1 || c.batchGroups > 1 || hasInputDil {
		return stockVJP(graph.NodeTypeConvGeneral)(node, []*graph.Node{v}, node.Shape())
	}
	in := node.Inputs()
	return []*graph.Node{convGradInput(in[1], v, c), convGradKernel(in[0], v, c)}
}

// stockVJP returns GoMLX's gradient for t, whether or not Install ran.
func stockVJP(t graph.NodeType) graph.VJP {
	if fn, ok := stock[t]; ok && fn != nil {
		return fn
	}
	return graph.VJPRegistration[t]
}

func convGradInput(kernel, v *graph.Node, c convParams) *graph.Node {
	a := c.axes
	// Flip the kernel along every spatial axis (simplego has no Reverse op).
	flipped := kernel
	for _, axis := range a.KernelSpatial {
		k := flipped.Shape().Dimensions[axis]
		if k == 1 {
			continue
		}
		parts := make([]*graph.Node, k)
		for i := 0; i < k; i++ {
			parts[i] = graph.SliceAxis(flipped, axis, graph.AxisRange(k-1-i, k-i))
		}
		flipped = graph.Concatenate(parts, axis)
	}
	axes := graph.ConvolveAxesConfig{
		InputBatch: a.OutputBatch, InputChannels: a.OutputChannels, InputSpatial: a.OutputSpatial,
		KernelInputChannels: a.KernelOutputChannels, KernelOutputChannels: a.KernelInputChannels, KernelSpatial: a.KernelSpatial,
		OutputBatch: a.InputBatch, OutputChannels: a.InputChannels, OutputSpatial: a.InputSpatial,
	}
	d := len(a.InputSpatial)
	pads := make([][2]int, d)
	for i := 0; i < d; i++ {
		span := (c.kSpatial[i] - 1) * c.kernelDil[i]
		lo, hi := c.paddings[i][0], c.paddings[i][1]
		pads[i] = [2]int{span - lo, c.inSpatial[i] - 1 + lo - (c.outSpatial[i]-1)*c.strides[i]}
		if pads[i][0] < 0 || pads[i][1] < 0 {
			panic(fmt.Sprintf("gomlxfix: gradient of a convolution whose padding (%d, %d) exceeds its dilated kernel span %d "+
				"on spatial axis %d is not supported: use padding at most (kernel−1)·dilation", lo, hi, span, i))
		}
	}
	return graph.ConvGeneral(v, flipped, axes, defaultOnes(nil, d), pads, c.strides, c.kernelDil, 1, 1)
}

func convGradKernel(x, v *graph.Node, c convParams) *graph.Node {
	a := c.axes
	d := len(a.InputSpatial)
	pads := make([][2]int, d)
	for i := 0; i < d; i++ {
		lo := c.paddings[i][0]
		hi := (c.kSpatial[i]-1)*c.kernelDil[i] + (c.outSpatial[i]-1)*c.strides[i] + 1 - c.inSpatial[i] - lo
		if hi < 0 {
			// The last −hi positions of x never meet the kernel: crop them.
			axis := a.InputSpatial[i]
			x = graph.SliceAxis(x, axis, graph.AxisRange(0, x.Shape().Dimensions[axis]+hi))
			hi = 0
		}
		pads[i] = [2]int{lo, hi}
	}
	axes := graph.ConvolveAxesConfig{
		InputBatch: a.InputChannels, InputChannels: a.InputBatch, InputSpatial: a.InputSpatial,
		KernelInputChannels: a.OutputBatch, KernelOutputChannels: a.OutputChannels, KernelSpatial: a.OutputSpatial,
		OutputBatch: a.KernelInputChannels, OutputChannels: a.KernelOutputChannels, OutputSpatial: a.KernelSpatial,
	}
	return graph.ConvGeneral(x, v, axes, c.kernelDil, pads, nil, c.strides, 1, 1)
}
