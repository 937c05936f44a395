//go:build !amd64

package gemm

const hasAsm = false

var kernels32 = [4]*kernelSet[float32]{
	AVX512:  genericSet[float32](),
	AVX2:    genericSet[float32](),
	Generic: genericSet[float32](),
}

var kernels64 = [4]*kernelSet[float64]{
	AVX512:  genericSet[float64](),
	AVX2:    genericSet[float64](),
	Generic: genericSet[float64](),
}
