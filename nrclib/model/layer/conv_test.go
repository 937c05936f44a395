package layer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// refConv is a direct (loop) convolution of NHWC x with HWIO w, stride s,
// zero padding p, and the gradients of Σ y·r.
func refConv(x []float64, n, h, wd, cin int, w []float64, k, cout, s, p int, r []float64) (y, dx, dw []float64, ho, wo int) {
	ho, wo = ConvOutputSize(h, k, s, p), ConvOutputSize(wd, k, s, p)
	y = make([]float64, n*ho*wo*cout)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	for b := 0; b < n; b++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				for co := 0; co < cout; co++ {
					o := ((b*ho+oy)*wo+ox)*cout + co
					for dy := 0; dy < k; dy++ {
						for dxx := 0; dxx < k; dxx++ {
							iy, ix := oy*s+dy-p, ox*s+dxx-p
							if iy < 0 || iy >= h || ix < 0 || ix >= wd {
								continue
							}
							for ci := 0; ci < cin; ci++ {
								xi := ((b*h+iy)*wd+ix)*cin + ci
								wi := ((dy*k+dxx)*cin+ci)*cout + co
								y[o] += x[xi] * w[wi]
								if r != nil {
									dx[xi] += r[o] * w[wi]
									dw[wi] += r[o] * x[xi]
								}
							}
						}
					}
				}
			}
		}
	}
	return
}

func TestConv2DMatchesDirectConvolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name                        string
		n, h, w, cin, cout, k, s, p int
	}{
		{"3x3 stride 1 pad 1", 2, 5, 5, 3, 4, 3, 1, 1},
		{"3x3 stride 2 pad 1, non-square", 2, 6, 7, 2, 3, 3, 2, 1},
		{"1x1 stride 2 (downsample)", 2, 5, 6, 3, 2, 1, 2, 0},
		{"7x7 stride 2 pad 3 (ImageNet stem)", 1, 9, 8, 2, 2, 7, 2, 3},
		{"3x3 stride 1 no pad", 1, 4, 4, 2, 2, 3, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := randData(rng, c.n*c.h*c.w*c.cin)
			w := randData(rng, c.k*c.k*c.cin*c.cout)
			_, _, _, ho, wo := refConv(x, c.n, c.h, c.w, c.cin, w, c.k, c.cout, c.s, c.p, nil)
			r := randData(rng, c.n*ho*wo*c.cout)
			y, dx, dw, _, _ := refConv(x, c.n, c.h, c.w, c.cin, w, c.k, c.cout, c.s, c.p, r)
			f := func(in []*graph.Node) *graph.Node {
				out := conv2D(in[0], in[1], c.s, c.p)
				rc := graph.Reshape(graph.Const(out.Graph(), r), out.Shape().Dimensions...)
				return graph.ReduceAllSum(graph.Mul(out, rc))
			}
			ins := []gradcheck.Input{{Data: x, Dims: []int{c.n, c.h, c.w, c.cin}}, {Data: w, Dims: []int{c.k, c.k, c.cin, c.cout}}}
			val, grads, err := gradcheck.Analytic(testBackend, f, ins)
			if err != nil {
				t.Fatal(err)
			}
			var want float64
			for i := range y {
				want += y[i] * r[i]
			}
			ref := gradcheck.MaxAbsDiff(grads, [][]float64{dx, dw})
			fd, err := gradcheck.Numeric(testBackend, f, ins, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			fdErr := gradcheck.MaxAbsDiff(grads, fd)
			t.Logf("forward |Δ| %.1e; gradient vs direct conv %.1e, vs finite diff %.1e", math.Abs(val-want), ref, fdErr)
			if math.Abs(val-want) > 1e-10 {
				t.Errorf("forward Σy·r differs from the direct convolution's: %g vs %g", val, want)
			}
			if ref > 1e-10 || fdErr > 1e-7 {
				t.Errorf("gradient differs: %.2e from the direct convolution's, %.2e from finite differences", ref, fdErr)
			}
		})
	}
}

// TestConv2DForwardElementwise compares every output element with the
// direct convolution (the sums above could hide compensating errors).
func TestConv2DForwardElementwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const n, h, w, cin, cout, k, s, p = 2, 6, 5, 3, 4, 3, 2, 1
	x := randData(rng, n*h*w*cin)
	kw := randData(rng, k*k*cin*cout)
	y, _, _, ho, wo := refConv(x, n, h, w, cin, kw, k, cout, s, p, nil)
	// Σ y·r has gradient y with respect to r: read y through it.
	f := func(in []*graph.Node) *graph.Node {
		xc := graph.Reshape(graph.Const(in[0].Graph(), x), n, h, w, cin)
		wc := graph.Reshape(graph.Const(in[0].Graph(), kw), k, k, cin, cout)
		return graph.ReduceAllSum(graph.Mul(conv2D(xc, wc, s, p), in[0]))
	}
	_, grads, err := gradcheck.Analytic(testBackend, f, []gradcheck.Input{{Data: make([]float64, n*ho*wo*cout), Dims: []int{n, ho, wo, cout}}})
	if err != nil {
		t.Fatal(err)
	}
	if d := gradcheck.MaxAbsDiff(grads, [][]float64{y}); d > 1e-12 {
		t.Errorf("im2col output differs from the direct convolution by up to %g", d)
	}
}

func refMaxPool(x []float64, n, h, wd, c, k, s, p int, r []float64) (y, dx []float64) {
	ho, wo := ConvOutputSize(h, k, s, p), ConvOutputSize(wd, k, s, p)
	y = make([]float64, n*ho*wo*c)
	dx = make([]float64, len(x))
	for b := 0; b < n; b++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				for ch := 0; ch < c; ch++ {
					best, arg := math.Inf(-1), -1
					for dy := 0; dy < k; dy++ {
						for dxx := 0; dxx < k; dxx++ {
							iy, ix := oy*s+dy-p, ox*s+dxx-p
							if iy < 0 || iy >= h || ix < 0 || ix >= wd {
								continue
							}
							xi := ((b*h+iy)*wd+ix)*c + ch
							if x[xi] > best {
								best, arg = x[xi], xi
							}
						}
					}
					o := ((b*ho+oy)*wo+ox)*c + ch
					y[o] = best
					dx[arg] += r[o]
				}
			}
		}
	}
	return
}

func TestMaxPool2DMatchesDirectPooling(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ n, h, w, c, k, s, p int }{
		{2, 7, 6, 2, 3, 2, 1}, // ImageNet stem pool
		{1, 4, 4, 3, 2, 2, 0},
	} {
		x := randData(rng, c.n*c.h*c.w*c.c)
		ho, wo := ConvOutputSize(c.h, c.k, c.s, c.p), ConvOutputSize(c.w, c.k, c.s, c.p)
		r := randData(rng, c.n*ho*wo*c.c)
		y, dx := refMaxPool(x, c.n, c.h, c.w, c.c, c.k, c.s, c.p, r)
		// Gradient with respect to r is the pooled output; with respect to x, dx.
		f := func(in []*graph.Node) *graph.Node {
			return graph.ReduceAllSum(graph.Mul(MaxPool2D(in[0], c.k, c.s, c.p), in[1]))
		}
		ins := []gradcheck.Input{{Data: x, Dims: []int{c.n, c.h, c.w, c.c}}, {Data: r, Dims: []int{c.n, ho, wo, c.c}}}
		fd, grads, err := gradcheck.Check(testBackend, f, ins, 1e-6)
		if err != nil {
			t.Fatal(err)
		}
		ref := gradcheck.MaxAbsDiff(grads, [][]float64{dx, y})
		t.Logf("k%d s%d p%d: output and gradient vs direct pooling %.1e, vs finite diff %.1e", c.k, c.s, c.p, ref, fd)
		if ref > 1e-12 || fd > 1e-7 {
			t.Errorf("max pool differs: %.2e from direct pooling, %.2e from finite differences", ref, fd)
		}
	}
}
