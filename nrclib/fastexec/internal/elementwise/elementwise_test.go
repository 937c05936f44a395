package elementwise

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/gemm"
)

func forEachPath(t *testing.T, f func(t *testing.T)) {
	for _, p := range gemm.Available() {
		t.Run(p.String(), func(t *testing.T) {
			old, err := gemm.SetPath(p)
			if err != nil {
				t.Fatal(err)
			}
			defer gemm.SetPath(old)
			f(t)
		})
	}
}

// values returns n values mixing ordinary numbers with NaN, ±0, ±Inf and
// repeats of the other operand's values (ties for Max and Min).
func values[T float32 | float64](rng *rand.Rand, n int) []T {
	specials := []float64{math.NaN(), 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1, -1}
	v := make([]T, n)
	for i := range v {
		if rng.IntN(4) == 0 {
			v[i] = T(specials[rng.IntN(len(specials))])
		} else {
			v[i] = T(rng.NormFloat64())
		}
	}
	return v
}

func same[T float32 | float64](x, y T) bool {
	return math.Float64bits(float64(x)) == math.Float64bits(float64(y)) || (x != x && y != y)
}

func testBits[T float32 | float64](t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 70; n++ {
		a, b := values[T](rng, n), values[T](rng, n)
		for i := range b {
			if rng.IntN(5) == 0 {
				b[i] = a[i]
			}
		}
		for op := Add; op <= Div; op++ {
			f := goOp[T](op)
			got := make([]T, n+1)
			got[n] = 42 // sentinel: nothing beyond n is written
			Binary(op, got[:n], a, b)
			for i := range n {
				if !same(got[i], f(a[i], b[i])) {
					t.Fatalf("n=%d op %d: %v, %v → %v, want %v", n, op, a[i], b[i], got[i], f(a[i], b[i]))
				}
			}
			if got[n] != 42 {
				t.Fatalf("n=%d op %d wrote past the end", n, op)
			}
			for _, s := range []T{T(rng.NormFloat64()), 0, T(math.Copysign(0, -1)), T(math.NaN())} {
				for _, first := range []bool{false, true} {
					Scalar(op, got[:n], a, s, first)
					for i := range n {
						want := f(a[i], s)
						if first {
							want = f(s, a[i])
						}
						if !same(got[i], want) {
							t.Fatalf("n=%d op %d scalar %v first=%v: a=%v → %v, want %v", n, op, s, first, a[i], got[i], want)
						}
					}
				}
			}
		}
		got := make([]T, n)
		Sign(got, a)
		for i, x := range a {
			want := T(0)
			if x < 0 {
				want = -1
			} else if x > 0 {
				want = 1
			}
			if !same(got[i], want) {
				t.Fatalf("sign(%v) = %v, want %v", x, got[i], want)
			}
		}
	}
}

func TestFloat32BitsEqualGo(t *testing.T) { forEachPath(t, testBits[float32]) }
func TestFloat64BitsEqualGo(t *testing.T) { forEachPath(t, testBits[float64]) }

// TestInPlace: the destination may be an operand.
func TestInPlace(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		a := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
		Binary(Mul, a, a, a)
		Scalar(Sub, a, a, 1, true)
		for i, v := range a {
			x := float32(i + 1)
			if v != 1-x*x {
				t.Fatalf("a[%d] = %v, want %v", i, v, 1-x*x)
			}
		}
	})
}

// TestGeneratedFileIsCurrent: loops_amd64.s is what asmgen writes.
func TestGeneratedFileIsCurrent(t *testing.T) {
	out := t.TempDir() + "/loops.s"
	if b, err := exec.Command("go", "run", "./asmgen", "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("asmgen: %v\n%s", err, b)
	}
	want, _ := os.ReadFile(out)
	got, _ := os.ReadFile("loops_amd64.s")
	if !bytes.Equal(got, want) {
		t.Fatal("loops_amd64.s differs from what asmgen writes: run go generate ./nrclib/fastexec/internal/elementwise")
	}
}

// TestSumRowsBitsEqualGo: column sums equal a scalar loop's, bit for bit,
// for every column count around the vector widths.
func TestSumRowsBitsEqualGo(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 3))
		for _, rows := range []int{0, 1, 7, 300} {
			for cols := 1; cols <= 70; cols++ {
				src32 := values[float32](rng, rows*cols)
				src64 := values[float64](rng, rows*cols)
				got32, got64 := make([]float32, cols+1), make([]float64, cols)
				got32[cols] = 42
				SumRows(got32[:cols], src32, rows)
				SumRows(got64, src64, rows)
				for c := 0; c < cols; c++ {
					var w32 float32
					var w64 float64
					for r := 0; r < rows; r++ {
						w32 += src32[r*cols+c]
						w64 += src64[r*cols+c]
					}
					if !same(got32[c], w32) || !same(got64[c], w64) {
						t.Fatalf("rows %d cols %d col %d: %v/%v, want %v/%v", rows, cols, c, got32[c], got64[c], w32, w64)
					}
				}
				if got32[cols] != 42 {
					t.Fatalf("cols %d: wrote past the end", cols)
				}
			}
		}
	})
}
