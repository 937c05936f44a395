// Package elementwise holds the vector loops behind fastexec's
// element-wise executors: binary Add, Sub, Mul, Max, Min and Div of two
// slices or of a slice and a scalar, Sign, and column sums of a row-major
// matrix (SumRows), for float32 and float64, in AVX-512, AVX2 and portable
// Go. The path follows package gemm's (gemm.Active), so
// $DEEPNRC_GEMM forces it for these loops too.
//
// Results equal Go's scalar arithmetic bit for bit on every path (the
// operations are single IEEE roundings, and Max/Min follow Go's max/min for
// NaN and signed zeros), which is what GoMLX's pure-Go backend computes.
package elementwise

//go:generate go run ./asmgen -out loops_amd64.s

// Op is a binary operation.
type Op int

// The binary operations.
const (
	Add Op = iota
	Sub
	Mul
	Max
	Min
	Div
)

func goOp[T float32 | float64](op Op) func(x, y T) T {
	switch op {
	case Add:
		return func(x, y T) T { return x + y }
	case Sub:
		return func(x, y T) T { return x - y }
	case Mul:
		return func(x, y T) T { return x * y }
	case Max:
		return func(x, y T) T { return max(x, y) }
	case Min:
		return func(x, y T) T { return min(x, y) }
	case Div:
		return func(x, y T) T { return x / y }
	}
	panic("elementwise: unknown op")
}

func check(dst int, srcs ...int) {
	for _, n := range srcs {
		if n < dst {
			panic("elementwise: source shorter than destination")
		}
	}
}

// Binary sets dst[i] = a[i] op b[i] for i < len(dst). dst may alias a or b.
func Binary[T float32 | float64](op Op, dst, a, b []T) {
	check(len(dst), len(a), len(b))
	if len(dst) == 0 {
		return
	}
	if binaryAsm(op, dst, a, b) {
		return
	}
	f := goOp[T](op)
	for i := range dst {
		dst[i] = f(a[i], b[i])
	}
}

// Scalar sets dst[i] = a[i] op s, or s op a[i] when scalarFirst, for
// i < len(dst). dst may alias a.
func Scalar[T float32 | float64](op Op, dst, a []T, s T, scalarFirst bool) {
	check(len(dst), len(a))
	if len(dst) == 0 {
		return
	}
	if scalarAsm(op, dst, a, s, scalarFirst) {
		return
	}
	f := goOp[T](op)
	if scalarFirst {
		for i := range dst {
			dst[i] = f(s, a[i])
		}
		return
	}
	for i := range dst {
		dst[i] = f(a[i], s)
	}
}

// Sign sets dst[i] to −1, 0 or +1 as a[i] is negative, zero (either sign)
// or NaN, or positive. dst may alias a.
func Sign[T float32 | float64](dst, a []T) {
	check(len(dst), len(a))
	if len(dst) == 0 {
		return
	}
	if signAsm(dst, a) {
		return
	}
	for i, x := range a[:len(dst)] {
		switch {
		case x < 0:
			dst[i] = -1
		case x > 0:
			dst[i] = 1
		default:
			dst[i] = 0
		}
	}
}

// SumRows sets dst[c] = Σ_r src[r·len(dst) + c] for r < rows, each sum
// taken over r in increasing order starting from 0 (a scalar loop's order,
// hence its bits).
func SumRows[T float32 | float64](dst, src []T, rows int) {
	if len(dst) == 0 {
		return
	}
	check(rows*len(dst), len(src))
	if rows == 0 {
		clear(dst)
		return
	}
	if sumRowsAsm(dst, src, rows) {
		return
	}
	clear(dst)
	for r := 0; r < rows; r++ {
		row := src[r*len(dst) : (r+1)*len(dst)]
		for c, v := range row {
			dst[c] += v
		}
	}
}
