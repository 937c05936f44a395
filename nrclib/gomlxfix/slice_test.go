package gomlxfix

import (
	"math/rand/v2"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

func TestSliceGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	type axis struct{ start, end, stride int }
	cases := []struct {
		name string
		dims []int
		axes []axis
	}{
		{"contiguous", []int{5, 6}, []axis{{1, 4, 1}, {2, 6, 1}}},
		{"stride 2 ending at the edge", []int{5, 6}, []axis{{1, 5, 2}, {0, 6, 1}}},
		{"stride 3 needing a trim", []int{7, 3}, []axis{{0, 7, 3}, {1, 2, 1}}},
		{"stride 2 with end padding, every axis", []int{8, 9, 4}, []axis{{1, 6, 2}, {2, 9, 3}, {0, 3, 2}}},
		{"single element with stride", []int{6, 2}, []axis{{4, 6, 4}, {0, 2, 1}}},
		{"im2col-like NHWC tap", []int{2, 6, 6, 3}, []axis{{0, 2, 1}, {2, 5, 2}, {1, 4, 2}, {0, 3, 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := randData(rng, prod(c.dims))
			// Selected positions per axis, and the output dimensions.
			var sel [][]int
			outDims := make([]int, len(c.dims))
			for i, a := range c.axes {
				var s []int
				for p := a.start; p < a.end; p += a.stride {
					s = append(s, p)
				}
				sel = append(sel, s)
				outDims[i] = len(s)
			}
			r := randData(rng, prod(outDims))
			// Reference gradient of Σ slice(x)·r: r scattered to the selected positions.
			want := make([]float64, len(x))
			idx := make([]int, len(c.dims))
			for o := range r {
				f := o
				for i := len(outDims) - 1; i >= 0; i-- {
					idx[i] = sel[i][f%outDims[i]]
					f /= outDims[i]
				}
				flat := 0
				for i, d := range c.dims {
					flat = flat*d + idx[i]
				}
				want[flat] += r[o]
			}
			f := func(in []*graph.Node) *graph.Node {
				specs := make([]graph.SliceAxisSpec, len(c.axes))
				for i, a := range c.axes {
					specs[i] = graph.AxisRange(a.start, a.end).Stride(a.stride)
				}
				s := graph.Slice(in[0], specs...)
				rc := graph.Reshape(graph.Const(s.Graph(), r), s.Shape().Dimensions...)
				return graph.ReduceAllSum(graph.Mul(graph.Sin(s), rc))
			}
			fd, got, err := gradcheck.Check(testBackend, f, []gradcheck.Input{{Data: x, Dims: c.dims}}, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			// d/dx Σ sin(x_sel)·r = cos(x)·r at the selected positions.
			for i := range want {
				if want[i] != 0 {
					want[i] *= cos(x[i])
				}
			}
			ref := gradcheck.MaxAbsDiff(got, [][]float64{want})
			t.Logf("max |analytic − finite diff| = %.2e, max |analytic − plain-Go reference| = %.2e", fd, ref)
			if fd > 1e-7 || ref > 1e-12 {
				t.Errorf("gradient error too large: finite diff %.2e (want ≤ 1e-7), reference %.2e (want ≤ 1e-12)", fd, ref)
			}
		})
	}
}
