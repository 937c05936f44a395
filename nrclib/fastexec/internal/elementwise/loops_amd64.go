package elementwise

import "github.com/deepnrc/deepnrc/nrclib/gemm"

// Lane indices, for the AVX2 tail masks.
var (
	laneIndex32 = [8]int32{0, 1, 2, 3, 4, 5, 6, 7}
	laneIndex64 = [4]int64{0, 1, 2, 3}
)

//go:noescape
func addVVF32AVX512(dst, a, b *float32, n int)

//go:noescape
func addVSF32AVX512(dst, a *float32, s float32, n int)

//go:noescape
func subVVF32AVX512(dst, a, b *float32, n int)

//go:noescape
func subVSF32AVX512(dst, a *float32, s float32, n int)

//go:noescape
func mulVVF32AVX512(dst, a, b *float32, n int)

//go:noescape
func mulVSF32AVX512(dst, a *float32, s float32, n int)

//go:noescape
func maxVVF32AVX512(dst, a, b *float32, n int)

//go:noescape
func maxVSF32AVX512(dst, a *float32, s float32, n int)

//go:noescape
func minVVF32AVX512(dst, a, b *float32, n int)

//go:noescape
func minVSF32AVX512(dst, a *float32, s float32, n int)

//go:noescape
func subSVF32AVX512(dst, a *float32, s float32, n int)

//go:noescape
func divVVF32AVX512(dst, a, b *float32, n int)

//go:noescape
func divVSF32AVX512(dst, a *float32, s float32, n int)

//go:noescape
func divSVF32AVX512(dst, a *float32, s float32, n int)

//go:noescape
func sumRowsF32AVX512(dst, src *float32, rows, cols int)

//go:noescape
func signF32AVX512(dst, a *float32, n int)

//go:noescape
func addVVF64AVX512(dst, a, b *float64, n int)

//go:noescape
func addVSF64AVX512(dst, a *float64, s float64, n int)

//go:noescape
func subVVF64AVX512(dst, a, b *float64, n int)

//go:noescape
func subVSF64AVX512(dst, a *float64, s float64, n int)

//go:noescape
func mulVVF64AVX512(dst, a, b *float64, n int)

//go:noescape
func mulVSF64AVX512(dst, a *float64, s float64, n int)

//go:noescape
func maxVVF64AVX512(dst, a, b *float64, n int)

//go:noescape
func maxVSF64AVX512(dst, a *float64, s float64, n int)

//go:noescape
func minVVF64AVX512(dst, a, b *float64, n int)

//go:noescape
func minVSF64AVX512(dst, a *float64, s float64, n int)

//go:noescape
func subSVF64AVX512(dst, a *float64, s float64, n int)

//go:noescape
func divVVF64AVX512(dst, a, b *float64, n int)

//go:noescape
func divVSF64AVX512(dst, a *float64, s float64, n int)

//go:noescape
func divSVF64AVX512(dst, a *float64, s float64, n int)

//go:noescape
func sumRowsF64AVX512(dst, src *float64, rows, cols int)

//go:noescape
func signF64AVX512(dst, a *float64, n int)

//go:noescape
func addVVF32AVX2(dst, a, b *float32, n int)

//go:noescape
func addVSF32AVX2(dst, a *float32, s float32, n int)

//go:noescape
func subVVF32AVX2(dst, a, b *float32, n int)

//go:noescape
func subVSF32AVX2(dst, a *float32, s float32, n int)

//go:noescape
func mulVVF32AVX2(dst, a, b *float32, n int)

//go:noescape
func mulVSF32AVX2(dst, a *float32, s float32, n int)

//go:noescape
func maxVVF32AVX2(dst, a, b *float32, n int)

//go:noescape
func maxVSF32AVX2(dst, a *float32, s float32, n int)

//go:noescape
func minVVF32AVX2(dst, a, b *float32, n int)

//go:noescape
func minVSF32AVX2(dst, a *float32, s float32, n int)

//go:noescape
func subSVF32AVX2(dst, a *float32, s float32, n int)

//go:noescape
func divVVF32AVX2(dst, a, b *float32, n int)

//go:noescape
func divVSF32AVX2(dst, a *float32, s float32, n int)

//go:noescape
func divSVF32AVX2(dst, a *float32, s float32, n int)

//go:noescape
func sumRowsF32AVX2(dst, src *float32, rows, cols int)

//go:noescape
func signF32AVX2(dst, a *float32, n int)

//go:noescape
func addVVF64AVX2(dst, a, b *float64, n int)

//go:noescape
func addVSF64AVX2(dst, a *float64, s float64, n int)

//go:noescape
func subVVF64AVX2(dst, a, b *float64, n int)

//go:noescape
func subVSF64AVX2(dst, a *float64, s float64, n int)

//go:noescape
func mulVVF64AVX2(dst, a, b *float64, n int)

//go:noescape
func mulVSF64AVX2(dst, a *float64, s float64, n int)

//go:noescape
func maxVVF64AVX2(dst, a, b *float64, n int)

//go:noescape
func maxVSF64AVX2(dst, a *float64, s float64, n int)

//go:noescape
func minVVF64AVX2(dst, a, b *float64, n int)

//go:noescape
func minVSF64AVX2(dst, a *float64, s float64, n int)

//go:noescape
func subSVF64AVX2(dst, a *float64, s float64, n int)

//go:noescape
func divVVF64AVX2(dst, a, b *float64, n int)

//go:noescape
func divVSF64AVX2(dst, a *float64, s float64, n int)

//go:noescape
func divSVF64AVX2(dst, a *float64, s float64, n int)

//go:noescape
func sumRowsF64AVX2(dst, src *float64, rows, cols int)

//go:noescape
func signF64AVX2(dst, a *float64, n int)

var vvF32 = [2][6]func(dst, a, b *float32, n int){
	{addVVF32AVX512, subVVF32AVX512, mulVVF32AVX512, maxVVF32AVX512, minVVF32AVX512, divVVF32AVX512},
	{addVVF32AVX2, subVVF32AVX2, mulVVF32AVX2, maxVVF32AVX2, minVVF32AVX2, divVVF32AVX2},
}

var vsF32 = [2][6]func(dst, a *float32, s float32, n int){
	{addVSF32AVX512, subVSF32AVX512, mulVSF32AVX512, maxVSF32AVX512, minVSF32AVX512, divVSF32AVX512},
	{addVSF32AVX2, subVSF32AVX2, mulVSF32AVX2, maxVSF32AVX2, minVSF32AVX2, divVSF32AVX2},
}

var svF32 = [2][2]func(dst, a *float32, s float32, n int){{subSVF32AVX512, divSVF32AVX512}, {subSVF32AVX2, divSVF32AVX2}}

var sumRowsF32 = [2]func(dst, src *float32, rows, cols int){sumRowsF32AVX512, sumRowsF32AVX2}

var signF32 = [2]func(dst, a *float32, n int){signF32AVX512, signF32AVX2}

var vvF64 = [2][6]func(dst, a, b *float64, n int){
	{addVVF64AVX512, subVVF64AVX512, mulVVF64AVX512, maxVVF64AVX512, minVVF64AVX512, divVVF64AVX512},
	{addVVF64AVX2, subVVF64AVX2, mulVVF64AVX2, maxVVF64AVX2, minVVF64AVX2, divVVF64AVX2},
}

var vsF64 = [2][6]func(dst, a *float64, s float64, n int){
	{addVSF64AVX512, subVSF64AVX512, mulVSF64AVX512, maxVSF64AVX512, minVSF64AVX512, divVSF64AVX512},
	{addVSF64AVX2, subVSF64AVX2, mulVSF64AVX2, maxVSF64AVX2, minVSF64AVX2, divVSF64AVX2},
}

var svF64 = [2][2]func(dst, a *float64, s float64, n int){{subSVF64AVX512, divSVF64AVX512}, {subSVF64AVX2, divSVF64AVX2}}

var sumRowsF64 = [2]func(dst, src *float64, rows, cols int){sumRowsF64AVX512, sumRowsF64AVX2}

var signF64 = [2]func(dst, a *float64, n int){signF64AVX512, signF64AVX2}

// isa returns the index of the active path's loops, or −1 for portable Go.
func isa() int {
	switch gemm.Active() {
	case gemm.AVX512:
		return 0
	case gemm.AVX2:
		return 1
	}
	return -1
}

func binaryAsm[T float32 | float64](op Op, dst, a, b []T) bool {
	i := isa()
	if i < 0 {
		return false
	}
	switch d := any(dst).(type) {
	case []float32:
		vvF32[i][op](&d[0], &any(a).([]float32)[0], &any(b).([]float32)[0], len(d))
	case []float64:
		vvF64[i][op](&d[0], &any(a).([]float64)[0], &any(b).([]float64)[0], len(d))
	}
	return true
}

func scalarAsm[T float32 | float64](op Op, dst, a []T, s T, scalarFirst bool) bool {
	i := isa()
	if i < 0 {
		return false
	}
	// Every op but Sub and Div is commutative, bit for bit (Max and Min
	// included: Go's max and min are symmetric for NaN and signed zeros).
	switch d := any(dst).(type) {
	case []float32:
		x, v := &any(a).([]float32)[0], float32(s)
		if scalarFirst && (op == Sub || op == Div) {
			svF32[i][svIndex(op)](&d[0], x, v, len(d))
		} else {
			vsF32[i][op](&d[0], x, v, len(d))
		}
	case []float64:
		x, v := &any(a).([]float64)[0], float64(s)
		if scalarFirst && (op == Sub || op == Div) {
			svF64[i][svIndex(op)](&d[0], x, v, len(d))
		} else {
			vsF64[i][op](&d[0], x, v, len(d))
		}
	}
	return true
}

func signAsm[T float32 | float64](dst, a []T) bool {
	i := isa()
	if i < 0 {
		return false
	}
	switch d := any(dst).(type) {
	case []float32:
		signF32[i](&d[0], &any(a).([]float32)[0], len(d))
	case []float64:
		signF64[i](&d[0], &any(a).([]float64)[0], len(d))
	}
	return true
}

func svIndex(op Op) int {
	if op == Div {
		return 1
	}
	return 0
}

func sumRowsAsm[T float32 | float64](dst, src []T, rows int) bool {
	i := isa()
	if i < 0 {
		return false
	}
	switch d := any(dst).(type) {
	case []float32:
		sumRowsF32[i](&d[0], &any(src).([]float32)[0], rows, len(d))
	case []float64:
		sumRowsF64[i](&d[0], &any(src).([]float64)[0], rows, len(d))
	}
	return true
}
