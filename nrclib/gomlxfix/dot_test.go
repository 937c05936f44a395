package gomlxfix

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

func TestInstallReplacesRegistrationsIdempotently(t *testing.T) {
	Install() // second call: must change nothing
	for _, nt := range Replaced() {
		got := reflect.ValueOf(graph.VJPRegistration[nt]).Pointer()
		want := reflect.ValueOf(replaced[nt]).Pointer()
		if got != want {
			t.Errorf("VJPRegistration[%s] is not the gomlxfix gradient", nt)
		}
		if _, ok := stock[nt]; !ok {
			t.Errorf("stock gradient of %s was not kept", nt)
		}
		if stock[nt] != nil && reflect.ValueOf(stock[nt]).Pointer() == want {
			t.Errorf("stock gradient of %s was overwritten by the replacement", nt)
		}
	}
}

// refDotGeneral computes out = DotGeneral(a, b) and, for the loss
// Σ out·r, the gradients da and db, by enumerating every product term.
func refDotGeneral(a []float64, aDims []int, b []float64, bDims []int,
	lc, lb, rc, rb []int, r []float64) (out, da, db []float64) {
	lx := crossAxes(len(aDims), lc, lb)
	rx := crossAxes(len(bDims), rc, rb)
	var outDims []int
	for _, ax := range lb {
		outDims = append(outDims, aDims[ax])
	}
	for _, ax := range lx {
		outDims = append(outDims, aDims[ax])
	}
	for _, ax := range rx {
		outDims = append(outDims, bDims[ax])
	}
	var cDims []int
	for _, ax := range lc {
		cDims = append(cDims, aDims[ax])
	}
	size := func(d []int) int {
		n := 1
		for _, x := range d {
			n *= x
		}
		return n
	}
	flat := func(idx, dims []int) int {
		f := 0
		for i, d := range dims {
			f = f*d + idx[i]
		}
		return f
	}
	unflat := func(f int, dims []int) []int {
		idx := make([]int, len(dims))
		for i := len(dims) - 1; i >= 0; i-- {
			idx[i] = f % dims[i]
			f /= dims[i]
		}
		return idx
	}
	out = make([]float64, size(outDims))
	da = make([]float64, len(a))
	db = make([]float64, len(b))
	ai := make([]int, len(aDims))
	bi := make([]int, len(bDims))
	for o := 0; o < len(out); o++ {
		oi := unflat(o, outDims)
		for c := 0; c < size(cDims); c++ {
			ci := unflat(c, cDims)
			for k, ax := range lb {
				ai[ax] = oi[k]
				bi[rb[k]] = oi[k]
			}
			for j, ax := range lx {
				ai[ax] = oi[len(lb)+j]
			}
			for j, ax := range rx {
				bi[ax] = oi[len(lb)+len(lx)+j]
			}
			for k := range lc {
				ai[lc[k]] = ci[k]
				bi[rc[k]] = ci[k]
			}
			fa, fb := flat(ai, aDims), flat(bi, bDims)
			out[o] += a[fa] * b[fb]
			da[fa] += r[o] * b[fb]
			db[fb] += r[o] * a[fa]
		}
	}
	return out, da, db
}

func TestDotGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name         string
		aDims, bDims []int
		outSize      int
	}{
		{"matrix·matrix", []int{4, 5}, []int{5, 3}, 12},
		{"matrix·vector", []int{4, 5}, []int{5}, 4},
		{"vector·vector", []int{5}, []int{5}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := randData(rng, prod(c.aDims))
			b := randData(rng, prod(c.bDims))
			r := randData(rng, c.outSize)
			f := func(x []*graph.Node) *graph.Node {
				out := graph.Dot(x[0], x[1])
				rc := graph.Const(out.Graph(), r)
				return graph.ReduceAllSum(graph.Mul(out, graph.Reshape(rc, out.Shape().Dimensions...)))
			}
			ins := []gradcheck.Input{{Data: a, Dims: c.aDims}, {Data: b, Dims: c.bDims}}
			fd, got, err := gradcheck.Check(testBackend, f, ins, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			lc := []int{len(c.aDims) - 1}
			_, da, db := refDotGeneral(a, c.aDims, b, c.bDims, lc, nil, []int{0}, nil, r)
			ref := gradcheck.MaxAbsDiff(got, [][]float64{da, db})
			t.Logf("max |analytic − finite diff| = %.2e, max |analytic − plain-Go reference| = %.2e", fd, ref)
			if fd > 1e-7 || ref > 1e-12 {
				t.Errorf("gradient error too large: finite diff %.2e (want ≤ 1e-7), reference %.2e (want ≤ 1e-12)", fd, ref)
			}
		})
	}
}

func prod(d []int) int {
	n := 1
	for _, x := range d {
		n *= x
	}
	return n
}

func TestDotGeneralGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name           string
		aDims, bDims   []int
		lc, lb, rc, rb []int
	}{
		{"matmul", []int{4, 5}, []int{5, 3}, []int{1}, nil, []int{0}, nil},
		{"a·bᵀ", []int{4, 5}, []int{3, 5}, []int{1}, nil, []int{1}, nil},
		{"aᵀ·b", []int{5, 4}, []int{5, 3}, []int{0}, nil, []int{0}, nil},
		{"batched matmul", []int{2, 3, 4}, []int{2, 4, 5}, []int{2}, []int{0}, []int{1}, []int{0}},
		{"batch in the middle, two contracting axes in swapped order",
			[]int{3, 2, 4, 2}, []int{2, 2, 3, 5}, []int{0, 3}, []int{1}, []int{2, 0}, []int{1}},
		{"outer product (no contraction)", []int{3}, []int{4}, nil, nil, nil, nil},
		{"rank-3 by matrix (dense over last axis)", []int{2, 3, 4}, []int{4, 5}, []int{2}, nil, []int{0}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := randData(rng, prod(c.aDims))
			b := randData(rng, prod(c.bDims))
			outSize := 1
			for _, ax := range c.lb {
				outSize *= c.aDims[ax]
			}
			for _, ax := range crossAxes(len(c.aDims), c.lc, c.lb) {
				outSize *= c.aDims[ax]
			}
			for _, ax := range crossAxes(len(c.bDims), c.rc, c.rb) {
				outSize *= c.bDims[ax]
			}
			r := randData(rng, outSize)
			_, da, db := refDotGeneral(a, c.aDims, b, c.bDims, c.lc, c.lb, c.rc, c.rb, r)
			f := func(x []*graph.Node) *graph.Node {
				out := graph.DotGeneral(x[0], c.lc, c.lb, x[1], c.rc, c.rb)
				rc := graph.Reshape(graph.Const(out.Graph(), r), out.Shape().Dimensions...)
				return graph.ReduceAllSum(graph.Mul(out, rc))
			}
			ins := []gradcheck.Input{{Data: a, Dims: c.aDims}, {Data: b, Dims: c.bDims}}
			fd, got, err := gradcheck.Check(testBackend, f, ins, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			ref := gradcheck.MaxAbsDiff(got, [][]float64{da, db})
			t.Logf("max |analytic − finite diff| = %.2e, max |analytic − plain-Go reference| = %.2e", fd, ref)
			if fd > 1e-7 || ref > 1e-12 {
				t.Errorf("gradient error too large: finite diff %.2e (want ≤ 1e-7), reference %.2e (want ≤ 1e-12)", fd, ref)
			}
		})
	}
}

// TestMatmulGradientIsOneDotGeneral checks the structure that makes the
// gradient cheap: each operand's gradient is a single DotGeneral node, with
// no broadcast to batch×in×out.
func TestMatmulGradientIsOneDotGeneral(t *testing.T) {
	e, err := graph.NewExec(testBackend, func(a, b *graph.Node) []*graph.Node {
		out := graph.ReduceAllSum(graph.Dot(a, b))
		grads := graph.Gradient(out, a, b)
		for i, gr := range grads {
			if gr.Type() != graph.NodeTypeDotGeneral {
				t.Errorf("gradient %d is a %s node, want one DotGeneral", i, gr.Type())
			}
			for _, in := range gr.Inputs() {
				if in.Rank() > 2 {
					t.Errorf("gradient %d reads a rank-%d tensor %s; want only the rank-2 operands", i, in.Rank(), in.Shape())
				}
			}
		}
		return grads
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	a := make([][]float32, 8)
	for i := range a {
		a[i] = make([]float32, 16)
	}
	b := make([][]float32, 16)
	for i := range b {
		b[i] = make([]float32, 4)
	}
	if _, err := e.Exec(a, b); err != nil {
		t.Fatal(err)
	}
}
