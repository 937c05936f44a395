package fastexec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// runBits executes fn on the inputs with the installed executors and with
// simplego's own, and returns both outputs' float64 bit patterns.
func runBits(t *testing.T, fn func(a, b *graph.Node) *graph.Node, a, b *tensors.Tensor) (fast, stock []uint64) {
	t.Helper()
	run := func() []uint64 {
		e, err := graph.NewExec(testBackend, fn)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Finalize()
		out, err := e.Exec(a, b)
		if err != nil {
			t.Fatal(err)
		}
		var bits []uint64
		switch v := out[0].Value().(type) {
		case [][]float32:
			for _, r := range v {
				for _, x := range r {
					bits = append(bits, uint64(math.Float32bits(x)))
				}
			}
		case [][]float64:
			for _, r := range v {
				for _, x := range r {
					bits = append(bits, math.Float64bits(x))
				}
			}
		default:
			t.Fatalf("unexpected output %T", v)
		}
		return bits
	}
	fast = run()
	withStock(func() { stock = run() })
	return fast, stock
}

func matrix[T float32 | float64](rng *rand.Rand, r, c int) *tensors.Tensor {
	v := make([]T, r*c)
	for i := range v {
		switch rng.IntN(10) {
		case 0:
			v[i] = T(math.NaN())
		case 1:
			v[i] = T(math.Copysign(0, -1))
		case 2:
			v[i] = 0
		default:
			v[i] = T(rng.NormFloat64())
		}
	}
	return tensors.FromFlatDataAndDimensions(v, r, c)
}

// TestElementwiseBitsEqualStock runs every replaced op, on equal shapes, a
// scalar on either side and a [1,1] operand, chained so that executors
// reuse their inputs' buffers, and compares the bits with simplego's (any
// NaN matching any NaN: Go does not specify a NaN result's payload).
func TestElementwiseBitsEqualStock(t *testing.T) {
	if !Installed() {
		t.Skip("not installed (DEEPNRC_GEMM=stock)")
	}
	rng := rand.New(rand.NewPCG(4, 4))
	type opFn = func(x, y *graph.Node) *graph.Node
	ops := map[string]opFn{"Add": graph.Add, "Sub": graph.Sub, "Mul": graph.Mul, "Max": graph.Max, "Min": graph.Min}
	forms := map[string]func(op opFn) func(a, b *graph.Node) *graph.Node{
		"equal": func(op opFn) func(a, b *graph.Node) *graph.Node {
			return func(a, b *graph.Node) *graph.Node { return op(op(a, b), graph.Sign(a)) }
		},
		"scalar right": func(op opFn) func(a, b *graph.Node) *graph.Node {
			return func(a, b *graph.Node) *graph.Node { return op(a, graph.Scalar(a.Graph(), a.DType(), 0.75)) }
		},
		"scalar left": func(op opFn) func(a, b *graph.Node) *graph.Node {
			return func(a, b *graph.Node) *graph.Node {
				return op(graph.Scalar(a.Graph(), a.DType(), -1.5), graph.Add(a, b))
			}
		},
		"[1,1]": func(op opFn) func(a, b *graph.Node) *graph.Node {
			return func(a, b *graph.Node) *graph.Node {
				return op(graph.Slice(b, graph.AxisRange(0, 1), graph.AxisRange(0, 1)), a)
			}
		},
		"zero scalar": func(op opFn) func(a, b *graph.Node) *graph.Node {
			return func(a, b *graph.Node) *graph.Node { return op(a, graph.ScalarZero(a.Graph(), a.DType())) }
		},
	}
	before := ReadStats()
	for name, op := range ops {
		for form, mk := range forms {
			for _, f64 := range []bool{false, true} {
				var a, b *tensors.Tensor
				if f64 {
					a, b = matrix[float64](rng, 13, 37), matrix[float64](rng, 13, 37)
				} else {
					a, b = matrix[float32](rng, 13, 37), matrix[float32](rng, 13, 37)
				}
				fast, stock := runBits(t, mk(op), a, b)
				for i := range fast {
					if fast[i] != stock[i] && !(isNaNBits(fast[i], f64) && isNaNBits(stock[i], f64)) {
						t.Fatalf("%s %s f64=%v: element %d has bits %x, stock %x", name, form, f64, i, fast[i], stock[i])
					}
				}
			}
		}
	}
	if after := ReadStats(); after.Elementwise == before.Elementwise {
		t.Fatal("no element-wise op ran through the vector executors")
	}
}

// isNaNBits reports whether bits hold a NaN; Go leaves the payload of a NaN
// result unspecified, so any NaN equals any other here.
func isNaNBits(bits uint64, f64 bool) bool {
	if f64 {
		return math.IsNaN(math.Float64frombits(bits))
	}
	x := math.Float32frombits(uint32(bits))
	return x != x
}

// TestElementwiseBroadcastFallsBack: a broadcast of both operands goes to
// simplego.
func TestElementwiseBroadcastFallsBack(t *testing.T) {
	if !Installed() {
		t.Skip("not installed (DEEPNRC_GEMM=stock)")
	}
	rng := rand.New(rand.NewPCG(5, 5))
	a, b := matrix[float32](rng, 6, 1), matrix[float32](rng, 1, 5)
	before := ReadStats()
	fast, stock := runBits(t, graph.Add, a, b)
	for i := range fast {
		if fast[i] != stock[i] {
			t.Fatalf("broadcast add differs at %d", i)
		}
	}
	if after := ReadStats(); after.Fallbacks["Add: broadcast"] != before.Fallbacks["Add: broadcast"]+1 {
		t.Fatalf("broadcast not counted as a fallback: %v", after.Fallbacks)
	}
}

func tensor3[T float32 | float64](rng *rand.Rand, dims ...int) *tensors.Tensor {
	m := matrix[T](rng, 1, size(dims))
	return tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[T](m), dims...)
}

// TestBlockBroadcastsBitsEqualStock: binary ops with an operand broadcast
// along a block of axes (BatchNorm's [1,1,1,C]; [A,1,C]), on either side,
// ReduceSum over leading, middle and trailing blocks of axes, and
// BroadcastInDim back, all against simplego's executors.
func TestBlockBroadcastsBitsEqualStock(t *testing.T) {
	if !Installed() {
		t.Skip("not installed (DEEPNRC_GEMM=stock)")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	flatBits := func(t *testing.T, fn func(a, b *graph.Node) *graph.Node, a, b *tensors.Tensor) {
		t.Helper()
		wrap := func(x, y *graph.Node) *graph.Node { return graph.Reshape(fn(x, y), -1, 1) }
		fast, stock := runBits(t, wrap, a, b)
		for i := range fast {
			if fast[i] != stock[i] && !(isNaNBits(fast[i], false) && isNaNBits(stock[i], false)) {
				t.Fatalf("element %d: bits %x, stock %x", i, fast[i], stock[i])
			}
		}
	}
	before := ReadStats()
	x, v := tensor3[float32](rng, 3, 4, 5, 6), tensor3[float32](rng, 1, 1, 1, 6)
	for name, op := range map[string]func(x, y *graph.Node) *graph.Node{"Add": graph.Add, "Sub": graph.Sub, "Mul": graph.Mul, "Div": graph.Div, "Max": graph.Max} {
		t.Run(name, func(t *testing.T) {
			flatBits(t, func(a, b *graph.Node) *graph.Node { return op(a, b) }, x, v)
			flatBits(t, func(a, b *graph.Node) *graph.Node { return op(b, a) }, x, v)
			flatBits(t, func(a, b *graph.Node) *graph.Node {
				return op(a, graph.Reshape(graph.ReduceSum(a, 1, 2), 3, 1, 1, 6))
			}, x, v)
		})
	}
	for _, axes := range [][]int{{0}, {0, 1, 2}, {1, 2}, {3}, {2, 3}, {0, 1, 2, 3}} {
		flatBits(t, func(a, b *graph.Node) *graph.Node { return graph.ReduceSum(a, axes...) }, x, v)
	}
	flatBits(t, func(a, b *graph.Node) *graph.Node {
		return graph.BroadcastToDims(graph.Reshape(b, 1, 1, 1, 6), 3, 4, 5, 6)
	}, x, v)
	flatBits(t, func(a, b *graph.Node) *graph.Node {
		return graph.Add(a, graph.ExpandAndBroadcast(graph.ReduceSum(a, 1, 2), []int{3, 4, 5, 6}, []int{1, 2}))
	}, x, v)
	if after := ReadStats(); after.Elementwise-before.Elementwise < 20 {
		t.Fatalf("only %d executions took the vector paths", after.Elementwise-before.Elementwise)
	}
}
