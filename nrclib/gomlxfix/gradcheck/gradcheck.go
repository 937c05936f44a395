// Package gradcheck compares the gradients GoMLX builds for a graph function
// with central finite differences, so that a gradient implementation (a
// stock GoMLX VJP, a replacement from package gomlxfix, or a layer built from
// several ops) can be checked numerically on small inputs.
//
// Work in float64: with a step of 1e-6 the finite differences of smooth
// functions are then accurate to about 1e-8, far below any gradient bug.
package gradcheck

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Input is one float64 argument of the function under test.
type Input struct {
	// Data holds the values, row-major.
	Data []float64
	// Dims is the shape of the argument.
	Dims []int
}

// Func builds a scalar from the inputs (one node per Input, same order).
type Func func(inputs []*graph.Node) *graph.Node

func (in Input) tensor() (*tensors.Tensor, error) {
	n := 1
	for _, d := range in.Dims {
		n *= d
	}
	if n != len(in.Data) {
		return nil, fmt.Errorf("gradcheck: input of shape %v needs %d values, has %d", in.Dims, n, len(in.Data))
	}
	return tensors.FromFlatDataAndDimensions(append([]float64(nil), in.Data...), in.Dims...), nil
}

func tensorsOf(ins []Input) ([]any, error) {
	args := make([]any, len(ins))
	for i, in := range ins {
		t, err := in.tensor()
		if err != nil {
			return nil, err
		}
		args[i] = t
	}
	return args, nil
}

// run executes an exec, turning a panic during graph building into an error.
func run(e *graph.Exec, args []any) (out []*tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gradcheck: %v", r)
		}
	}()
	return e.Exec(args...)
}

func checkScalar(out *graph.Node) {
	if !out.IsScalar() {
		panic(fmt.Sprintf("gradcheck: the function must return a scalar, got shape %s: reduce it, e.g. with ReduceAllSum", out.Shape()))
	}
}

// Analytic returns f(inputs) and the gradient GoMLX builds for it with
// respect to every input (graph.Gradient), flattened row-major.
func Analytic(b backends.Backend, f Func, ins []Input) (value float64, grads [][]float64, err error) {
	args, err := tensorsOf(ins)
	if err != nil {
		return 0, nil, err
	}
	e, err := graph.NewExec(b, func(xs []*graph.Node) []*graph.Node {
		out := f(xs)
		checkScalar(out)
		return append([]*graph.Node{out}, graph.Gradient(out, xs...)...)
	})
	if err != nil {
		return 0, nil, err
	}
	defer e.Finalize()
	outs, err := run(e, args)
	if err != nil {
		return 0, nil, err
	}
	value = tensors.MustCopyFlatData[float64](outs[0])[0]
	grads = make([][]float64, len(ins))
	for i := range ins {
		grads[i] = tensors.MustCopyFlatData[float64](outs[i+1])
	}
	return value, grads, nil
}

// Numeric returns the central finite-difference gradient of f with respect
// to every input, with step eps (1e-6 suits float64 inputs of order 1).
func Numeric(b backends.Backend, f Func, ins []Input, eps float64) ([][]float64, error) {
	if eps <= 0 {
		return nil, fmt.Errorf("gradcheck: step %g must be positive", eps)
	}
	e, err := graph.NewExec(b, func(xs []*graph.Node) *graph.Node {
		out := f(xs)
		checkScalar(out)
		return out
	})
	if err != nil {
		return nil, err
	}
	defer e.Finalize()
	work := make([]Input, len(ins))
	for i, in := range ins {
		work[i] = Input{Data: append([]float64(nil), in.Data...), Dims: in.Dims}
	}
	eval := func() (float64, error) {
		args, err := tensorsOf(work)
		if err != nil {
			return 0, err
		}
		outs, err := run(e, args)
		if err != nil {
			return 0, err
		}
		return tensors.MustCopyFlatData[float64](outs[0])[0], nil
	}
	grads := make([][]float64, len(ins))
	for i := range work {
		grads[i] = make([]float64, len(work[i].Data))
		for j := range work[i].Data {
			x0 := work[i].Data[j]
			work[i].Data[j] = x0 + eps
			fp, err := eval()
			if err != nil {
				return nil, err
			}
			work[i].Data[j] = x0 - eps
			fm, err := eval()
			if err != nil {
				return nil, err
			}
			work[i].Data[j] = x0
			grads[i][j] = (fp - fm) / (2 * eps)
		}
	}
	return grads, nil
}

// MaxAbsDiff returns the largest |a−b| over all entries; it is +Inf when the
// shapes differ.
func MaxAbsDiff(a, b [][]float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return math.Inf(1)
		}
		for j := range a[i] {
			if d := math.Abs(a[i][j] - b[i][j]); d > m || math.IsNaN(d) {
				m = d
				if math.IsNaN(d) {
					return math.Inf(1)
				}
			}
		}
	}
	return m
}

// Check returns the largest absolute difference between the analytic and
// the finite-difference gradients of f.
func Check(b backends.Backend, f Func, ins []Input, eps float64) (maxErr float64, analytic [][]float64, err error) {
	_, analytic, err = Analytic(b, f, ins)
	if err != nil {
		return 0, nil, err
	}
	num, err := Numeric(b, f, ins, eps)
	if err != nil {
		return 0, nil, err
	}
	return MaxAbsDiff(analytic, num), analytic, nil
}
