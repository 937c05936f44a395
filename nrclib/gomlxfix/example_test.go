package gomlxfix_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Install once, before building gradients; then Dot, DotGeneral, Slice and
// ConvGeneral gradients work on the pure-Go backend.
func ExampleInstall() {
	gomlxfix.Install()
	backend, err := backends.NewWithConfig("go:ops_sequential,dotgeneral_large")
	if err != nil {
		fmt.Println(err)
		return
	}
	// d/dW Σ (x·W) = xᵀ·1 and d/dx Σ(x[:, ::2]) = 1 on the even columns.
	e, err := graph.NewExec(backend, func(x, w *graph.Node) []*graph.Node {
		loss := graph.Add(graph.ReduceAllSum(graph.Dot(x, w)),
			graph.ReduceAllSum(graph.Slice(x, graph.AxisRange(), graph.AxisRange().Stride(2))))
		return graph.Gradient(loss, x, w)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Finalize()
	out, err := e.Exec([][]float32{{1, 2, 3}, {4, 5, 6}}, [][]float32{{1, 0}, {0, 1}, {1, 1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("dx:", out[0].Value())
	fmt.Println("dW:", out[1].Value())
	// Output:
	// dx: [[2 1 3] [2 1 3]]
	// dW: [[5 5] [7 7] [9 9]]
}
