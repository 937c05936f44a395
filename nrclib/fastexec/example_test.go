package fastexec_test

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/deepnrc/deepnrc/nrclib/fastexec"
)

// Backends made by nrclib/backend have the fast executors installed; a
// matrix product then runs through package gemm.
func Example() {
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	before := fastexec.ReadStats().Fast
	y := graph.MustExecOnce(b, func(x, w *graph.Node) *graph.Node { return graph.Dot(x, w) },
		[][]float32{{1, 2}, {3, 4}}, [][]float32{{1, 0}, {0, 1}})
	fmt.Println(y.Value())
	fmt.Println("installed:", fastexec.Installed(), "products run by gemm:", fastexec.ReadStats().Fast-before)
	// Output:
	// [[1 2] [3 4]]
	// installed: true products run by gemm: 1
}
