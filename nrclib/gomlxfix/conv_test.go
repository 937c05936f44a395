package gomlxfix

import (
	"math/rand/v2"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// refConv2D is a direct NHWC×HWIO convolution with stride s, kernel
// dilation r and padding (lo, hi) on both spatial axes, with the gradients
// of Σ y·g.
type convCase struct {
	name                  string
	n, h, w, cin, cout, k int
	s, r                  int
	padLo, padHi          int
	channelsFirst         bool
}

func (c convCase) out() (ho, wo int) {
	span := (c.k-1)*c.r + 1
	return (c.h+c.padLo+c.padHi-span)/c.s + 1, (c.w+c.padLo+c.padHi-span)/c.s + 1
}

func refConv2D(c convCase, x, w, g []float64) (y, dx, dw []float64) {
	ho, wo := c.out()
	y = make([]float64, c.n*ho*wo*c.cout)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	for b := 0; b < c.n; b++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				for co := 0; co < c.cout; co++ {
					o := ((b*ho+oy)*wo+ox)*c.cout + co
					for ky := 0; ky < c.k; ky++ {
						for kx := 0; kx < c.k; kx++ {
							iy, ix := oy*c.s+ky*c.r-c.padLo, ox*c.s+kx*c.r-c.padLo
							if iy < 0 || iy >= c.h || ix < 0 || ix >= c.w {
								continue
							}
							for ci := 0; ci < c.cin; ci++ {
								xi := ((b*c.h+iy)*c.w+ix)*c.cin + ci
								wi := ((ky*c.k+kx)*c.cin+ci)*c.cout + co
								y[o] += x[xi] * w[wi]
								dx[xi] += g[o] * w[wi]
								dw[wi] += g[o] * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return
}

func TestConvGeneralGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cases := []convCase{
		{name: "3x3 s1 p1", n: 2, h: 5, w: 5, cin: 2, cout: 3, k: 3, s: 1, r: 1, padLo: 1, padHi: 1},
		{name: "3x3 s2 p1 even size", n: 2, h: 6, w: 6, cin: 2, cout: 3, k: 3, s: 2, r: 1, padLo: 1, padHi: 1},
		{name: "3x3 s2 p1 odd size", n: 1, h: 7, w: 5, cin: 3, cout: 2, k: 3, s: 2, r: 1, padLo: 1, padHi: 1},
		{name: "1x1 s2 (crop in dW)", n: 2, h: 6, w: 6, cin: 3, cout: 2, k: 1, s: 2, r: 1},
		{name: "3x3 dilation 2 s1 p2", n: 1, h: 6, w: 6, cin: 2, cout: 2, k: 3, s: 1, r: 2, padLo: 2, padHi: 2},
		{name: "2x2 s3 asymmetric pad", n: 1, h: 8, w: 7, cin: 2, cout: 2, k: 2, s: 3, r: 1, padLo: 1, padHi: 0},
		{name: "3x3 s2 p1 channels first (NCHW/OIHW)", n: 2, h: 6, w: 5, cin: 2, cout: 3, k: 3, s: 2, r: 1, padLo: 1, padHi: 1, channelsFirst: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := randData(rng, c.n*c.h*c.w*c.cin)
			w := randData(rng, c.k*c.k*c.cin*c.cout)
			ho, wo := c.out()
			g := randData(rng, c.n*ho*wo*c.cout)
			_, dx, dw := refConv2D(c, x, w, g)
			f := func(in []*graph.Node) *graph.Node {
				xin, win := in[0], in[1]
				axes := graph.ConvolveAxesConfig{
					InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
					KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
					OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2},
				}
				if c.channelsFirst {
					// Same data, laid out NCHW / OIHW; the output comes out NCHW.
					xin = graph.TransposeAllAxes(xin, 0, 3, 1, 2)
					win = graph.TransposeAllAxes(win, 3, 2, 0, 1)
					axes = graph.ConvolveAxesConfig{
						InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
						KernelInputChannels: 1, KernelOutputChannels: 0, KernelSpatial: []int{2, 3},
						OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3},
					}
				}
				pads := [][2]int{{c.padLo, c.padHi}, {c.padLo, c.padHi}}
				y := graph.ConvGeneral(xin, win, axes, []int{c.s, c.s}, pads, nil, []int{c.r, c.r}, 1, 1)
				if c.channelsFirst {
					y = graph.TransposeAllAxes(y, 0, 2, 3, 1)
				}
				gc := graph.Reshape(graph.Const(y.Graph(), g), y.Shape().Dimensions...)
				return graph.ReduceAllSum(graph.Mul(y, gc))
			}
			ins := []gradcheck.Input{{Data: x, Dims: []int{c.n, c.h, c.w, c.cin}}, {Data: w, Dims: []int{c.k, c.k, c.cin, c.cout}}}
			fd, got, err := gradcheck.Check(testBackend, f, ins, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			ref := gradcheck.MaxAbsDiff(got, [][]float64{dx, dw})
			t.Logf("max |analytic − finite diff| = %.2e, max |analytic − direct convolution| = %.2e", fd, ref)
			if fd > 1e-7 || ref > 1e-10 {
				t.Errorf("gradient error too large: finite diff %.2e (want ≤ 1e-7), reference %.2e (want ≤ 1e-10)", fd, ref)
			}
		})
	}
}
