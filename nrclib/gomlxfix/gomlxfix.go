// Package gomlxfix replaces a few reverse-mode gradients (VJPs) of GoMLX
// v0.26.0 so that the networks of this project train on the pure-Go
// (simplego) backend, fast and without panics.
//
// Install registers the replacements in graph.VJPRegistration; call it once
// before building any gradient graph (it is idempotent and safe to call from
// many goroutines). It replaces:
//
//   - Dot and DotGeneral: the stock gradients broadcast the incoming adjoint
//     to a batch×in×out tensor and reduce it again, which simplego executes
//     literally. Here each operand's gradient is one DotGeneral (dA = v·Bᵀ,
//     dB = Aᵀ·v, for any batch/contracting/cross axes), plus a transpose when
//     the operand's axes are not already in DotGeneral's output order.
//   - Slice: the stock gradient uses the Pad op, which simplego lacks. Here
//     the adjoint is scattered back by concatenating zero blocks (and, for
//     strides, interleaving zeros by a reshape).
//   - ConvGeneral: the stock gradient uses the Reverse op (missing in
//     simplego) and builds a convolution with nil strides (rejected by shape
//     inference). Here the input gradient is a convolution of the adjoint
//     (input-dilated by the strides) with the spatially flipped kernel
//     (flipped by Slice and Concatenate) and the kernel gradient a
//     convolution of the input with the adjoint, both with explicit
//     strides, dilations and paddings, for any axes layout. Grouped
//     convolutions keep the stock gradient.
//   - ReduceWindow (MaxPool, MinPool, SumPool, MeanPool): the stock gradient
//     needs Pad and SelectAndScatter. Here every window offset's
//     contribution is placed back like a strided slice's gradient; for
//     max/min only the first extreme element of each window receives it.
//   - Rsqrt: GoMLX has no gradient for it; here dy/dx = −y/(2x).
//   - Max and Min against a scalar (ReLU): one branch-free Sign of the
//     output instead of GoMLX's five-pass indicator (see minMaxVJP).
//
// The parameters of a node (contracting axes, slice starts, conv strides…)
// are not exported by GoMLX; they are read, read-only, with package reflect
// from the node's unexported fields. That ties the package to the field names
// of GoMLX v0.26.0: if they change, the gradient panics with a message
// naming the missing field, and the package's gradient checks fail.
package gomlxfix

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var (
	installOnce sync.Once
	// stock keeps the VJPs that Install replaced, for benchmarks and tests.
	stock map[graph.NodeType]graph.VJP
)

// replaced lists the node types whose gradients Install overrides.
var replaced = map[graph.NodeType]graph.VJP{
	graph.NodeTypeDot:          single(dotVJP),
	graph.NodeTypeDotGeneral:   single(dotGeneralVJP),
	graph.NodeTypeSlice:        single(sliceVJP),
	graph.NodeTypeConvGeneral:  single(convGeneralVJP),
	graph.NodeTypeReduceWindow: single(reduceWindowVJP),
	graph.NodeTypeRsqrt:        single(rsqrtVJP),
	graph.NodeTypeMax:          single(minMaxVJP),
	graph.NodeTypeMin:          single(minMaxVJP),
}

// Install registers this package's gradients in graph.VJPRegistration. It
// must run before gradient graphs are built (graphs built earlier keep the
// stock gradients). It is idempotent and safe for concurrent use: only the
// first call changes anything, and later calls return once it is done.
// Because VJPRegistration is a plain map, no other goroutine may be building
// a gradient graph while that first call runs: call Install at start-up
// (main, TestMain, or a package's init).
func Install() {
	installOnce.Do(func() {
		stock = make(map[graph.NodeType]graph.VJP, len(replaced))
		for t, fn := range replaced {
			stock[t] = graph.VJPRegistration[t]
			graph.VJPRegistration[t] = fn
		}
	})
}

// Replaced returns the node types whose gradients Install overrides.
func Replaced() []graph.NodeType {
	return []graph.NodeType{graph.NodeTypeDot, graph.NodeTypeDotGeneral, graph.NodeTypeSlice, graph.NodeTypeConvGeneral,
		graph.NodeTypeReduceWindow, graph.NodeTypeRsqrt, graph.NodeTypeMax, graph.NodeTypeMin}
}

func single(fn func(node, v *graph.Node) []*graph.Node) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, _ shapes.Shape) []*graph.Node {
		return fn(node, vjps[0])
	}
}

// params returns the struct holding the static parameters of node (GoMLX's
// unexported node.inputs, a pointer to a nodeInputsXxx struct).
func params(node *graph.Node) reflect.Value {
	v := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !v.IsValid() || v.Kind() != reflect.Interface || v.IsNil() {
		panic(fmt.Sprintf("gomlxfix: graph.Node has no field \"inputs\" holding the parameters of %s; "+
			"this package reads GoMLX v0.26.0 internals: pin github.com/gomlx/gomlx v0.26.0 or update gomlxfix", node.Type()))
	}
	v = v.Elem()
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return v
}

func field(p reflect.Value, name string) reflect.Value {
	f := p.FieldByName(name)
	if !f.IsValid() {
		panic(fmt.Sprintf("gomlxfix: GoMLX node parameters %s have no field %q; "+
			"this package reads GoMLX v0.26.0 internals: pin github.com/gomlx/gomlx v0.26.0 or update gomlxfix", p.Type(), name))
	}
	return f
}

// intsField reads an unexported []int field.
func intsField(p reflect.Value, name string) []int {
	return ints(field(p, name), p.Type().String()+"."+name)
}

func ints(f reflect.Value, what string) []int {
	if f.Kind() != reflect.Slice {
		panic(fmt.Sprintf("gomlxfix: %s is a %s, want []int: pin github.com/gomlx/gomlx v0.26.0 or update gomlxfix", what, f.Kind()))
	}
	out := make([]int, f.Len())
	for i := range out {
		out[i] = int(f.Index(i).Int())
	}
	return out
}

// intField reads an unexported int field.
func intField(p reflect.Value, name string) int {
	f := field(p, name)
	if f.Kind() != reflect.Int {
		panic(fmt.Sprintf("gomlxfix: %s.%s is a %s, want int: pin github.com/gomlx/gomlx v0.26.0 or update gomlxfix", p.Type(), name, f.Kind()))
	}
	return int(f.Int())
}
