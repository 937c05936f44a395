package fastexec

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/deepnrc/deepnrc/nrclib/gemm"
)

var testBackend backends.Backend

func TestMain(m *testing.M) {
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	if err := Install(); err != nil {
		fmt.Fprintln(os.Stderr, "fastexec.Install:", err)
		os.Exit(1)
	}
	b, err := backends.NewWithConfig("go:parallelism=-1,dotgeneral_large")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testBackend = b
	os.Exit(m.Run())
}

// TestInternals fails loudly when GoMLX's simplego internals that this
// package reads are not those of v0.26.0.
func TestInternals(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
	if _, stock, _ := gemm.FromEnv(); stock {
		t.Skip("DEEPNRC_GEMM=stock: nothing installed")
	}
	if !Installed() {
		t.Fatal("Install did not replace simplego's DotGeneral executor")
	}
	// The DotGeneral parameters' layout is checked on the first real node.
	runDot(t, dotCase{name: "probe", a: []int{3, 4}, b: []int{4, 5}, lc: []int{1}, rc: []int{0}}, false)
	if dataErr != nil {
		t.Fatal(dataErr)
	}
}

func TestCheckDataRejectsOtherLayouts(t *testing.T) {
	type dotGeneralNodeData struct{ a, b []int }
	err := checkData(&dotGeneralNodeData{})
	if !errors.Is(err, ErrInternals) {
		t.Fatalf("a different struct passed the check: %v", err)
	}
	if err := checkData(42); !errors.Is(err, ErrInternals) {
		t.Fatalf("an int passed the check: %v", err)
	}
}

type dotCase struct {
	name           string
	a, b           []int // operand shapes
	lc, lb, rc, rb []int // contracting and batch axes
	f64            bool
}

func size(d []int) int {
	n := 1
	for _, x := range d {
		n *= x
	}
	return n
}

// runDot executes the case with the installed executor and with stock
// simplego and returns the largest difference; with wantFast it also checks
// that the fast path ran.
func runDot(t *testing.T, c dotCase, wantFast bool) float64 {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(len(c.name)), 9))
	mk := func(dims []int) *tensors.Tensor {
		if c.f64 {
			v := make([]float64, size(dims))
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			return tensors.FromFlatDataAndDimensions(v, dims...)
		}
		v := make([]float32, size(dims))
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	at, bt := mk(c.a), mk(c.b)
	fn := func(a, b *graph.Node) *graph.Node { return graph.DotGeneral(a, c.lc, c.lb, b, c.rc, c.rb) }
	run := func() []float64 {
		e, err := graph.NewExec(testBackend, fn)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Finalize()
		out, err := e.Exec(at, bt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.f64 {
			return tensors.MustCopyFlatData[float64](out[0])
		}
		v := tensors.MustCopyFlatData[float32](out[0])
		r := make([]float64, len(v))
		for i, x := range v {
			r[i] = float64(x)
		}
		return r
	}
	before := ReadStats()
	fast := run()
	after := ReadStats()
	if wantFast && after.Fast != before.Fast+1 {
		t.Fatalf("%s: the fast path did not run (stats %+v → %+v)", c.name, before, after)
	}
	var stock []float64
	withStock(func() { stock = run() })
	if len(stock) != len(fast) {
		t.Fatalf("%s: %d outputs, stock %d", c.name, len(fast), len(stock))
	}
	var d float64
	for i := range fast {
		d = max(d, math.Abs(fast[i]-stock[i]))
	}
	return d
}

// TestLayoutsAgreeWithStock runs every operand layout the models and their
// gradients produce, and a few more, against simplego's own executor.
func TestLayoutsAgreeWithStock(t *testing.T) {
	if !Installed() {
		t.Skip("not installed (DEEPNRC_GEMM=stock)")
	}
	cases := []dotCase{
		{name: "x·W", a: []int{128, 256}, b: []int{256, 64}, lc: []int{1}, rc: []int{0}},
		{name: "xᵀ·g (dW)", a: []int{128, 256}, b: []int{128, 64}, lc: []int{0}, rc: []int{0}},
		{name: "g·Wᵀ (dX)", a: []int{128, 64}, b: []int{256, 64}, lc: []int{1}, rc: []int{1}},
		{name: "Aᵀ·Bᵀ", a: []int{37, 29}, b: []int{41, 37}, lc: []int{0}, rc: []int{1}},
		{name: "skinny head", a: []int{128, 256}, b: []int{256, 2}, lc: []int{1}, rc: []int{0}},
		{name: "K=1 outer", a: []int{33, 1}, b: []int{1, 17}, lc: []int{1}, rc: []int{0}},
		{name: "batch", a: []int{3, 20, 30}, b: []int{3, 30, 10}, lc: []int{2}, rc: []int{1}, lb: []int{0}, rb: []int{0}},
		{name: "batch, transposed", a: []int{2, 30, 20}, b: []int{2, 10, 30}, lc: []int{1}, rc: []int{2}, lb: []int{0}, rb: []int{0}},
		{name: "rank-3 cross (im2col)", a: []int{4, 5, 6, 27}, b: []int{27, 16}, lc: []int{3}, rc: []int{0}},
		{name: "two contracting axes", a: []int{7, 3, 5}, b: []int{3, 5, 11}, lc: []int{1, 2}, rc: []int{0, 1}},
		{name: "conv kernel gradient", a: []int{6, 5, 5, 8}, b: []int{6, 5, 5, 12}, lc: []int{0, 1, 2}, rc: []int{0, 1, 2}},
		{name: "float64", a: []int{70, 90}, b: []int{90, 50}, lc: []int{1}, rc: []int{0}, f64: true},
		{name: "float64 dW", a: []int{70, 90}, b: []int{70, 50}, lc: []int{0}, rc: []int{0}, f64: true},
	}
	for _, c := range cases {
		d := runDot(t, c, true)
		tol := 1e-4
		if c.f64 {
			tol = 1e-11
		}
		if d > tol {
			t.Errorf("%s: differs from stock simplego by %g", c.name, d)
		}
	}
}

// TestFallbacks: layouts that are not a matrix in memory go to the stock
// executor, counted by reason, and still give the right result.
func TestFallbacks(t *testing.T) {
	if !Installed() {
		t.Skip("not installed (DEEPNRC_GEMM=stock)")
	}
	before := ReadStats()
	c := dotCase{name: "batch axis last", a: []int{5, 6, 3}, b: []int{6, 4, 3}, lc: []int{1}, rc: []int{0}, lb: []int{2}, rb: []int{2}}
	if d := runDot(t, c, false); d > 1e-4 {
		t.Errorf("fallback result differs by %g", d)
	}
	after := ReadStats()
	if after.Fallbacks["layout"] != before.Fallbacks["layout"]+1 {
		t.Fatalf("layout fallback not counted: %+v → %+v", before, after)
	}
}
