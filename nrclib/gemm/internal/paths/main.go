// Command paths prints the GEMM paths this CPU can run, one per line, then
// "stock" (GoMLX's own product): the values `make test-paths` forces with
// DEEPNRC_GEMM.
package main

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/gemm"
)

func main() {
	for _, p := range gemm.Available() {
		fmt.Println(p)
	}
	fmt.Println(gemm.Stock)
}
