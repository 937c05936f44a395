package gemm_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/gemm"
)

// Multiply a 2×3 matrix by a 3×2 one, then accumulate Aᵀ-stored data.
func ExampleFloat32() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		1, 0,
		0, 1,
		1, 1,
	}
	c := make([]float32, 4)
	gemm.Float32(gemm.Product{M: 2, N: 2, K: 3}, c, a, b)
	fmt.Println(c)

	// The same A stored transposed (3×2), added to C.
	at := []float32{
		1, 4,
		2, 5,
		3, 6,
	}
	gemm.Float32(gemm.Product{M: 2, N: 2, K: 3, TransA: true, Accumulate: true}, c, at, b)
	fmt.Println(c)
	// Output:
	// [4 5 10 11]
	// [8 10 20 22]
}

// The product of row blocks of wider matrices, through leading dimensions.
func ExampleFloat64() {
	// C (2×2) = A[:, 1:3] · B[1:3, :2], with A 2×4 and B 3×3 stored whole.
	a := []float64{
		9, 1, 2, 9,
		9, 3, 4, 9,
	}
	b := []float64{
		9, 9, 9,
		1, 0, 9,
		0, 1, 9,
	}
	c := make([]float64, 4)
	gemm.Float64(gemm.Product{M: 2, N: 2, K: 2, LDA: 4, LDB: 3}, c, a[1:], b[3:])
	fmt.Println(c)
	// Output: [1 2 3 4]
}

// Force a path, as DEEPNRC_GEMM does for a whole process.
func ExampleSetPath() {
	old, err := gemm.SetPath(gemm.Generic)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer gemm.SetPath(old)
	fmt.Println(gemm.Active())
	// Output: generic
}
