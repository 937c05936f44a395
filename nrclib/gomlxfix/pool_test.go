package gomlxfix

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix/gradcheck"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

type poolCase struct {
	name         string
	kind         string // "max", "min", "sum", "mean"
	k, s, lo, hi int
	n, h, w, c   int
}

func (p poolCase) out() (int, int) {
	return (p.h+p.lo+p.hi-p.k)/p.s + 1, (p.w+p.lo+p.hi-p.k)/p.s + 1
}

// refPool pools NHWC x over k×k windows and returns y and the gradient of
// Σ y·g. Max/min give the gradient to the first extreme element in
// row-major window order; mean divides by the number of non-padding
// elements.
func refPool(p poolCase, x, g []float64) (y, dx []float64) {
	ho, wo := p.out()
	y = make([]float64, p.n*ho*wo*p.c)
	dx = make([]float64, len(x))
	for b := 0; b < p.n; b++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				for ch := 0; ch < p.c; ch++ {
					o := ((b*ho+oy)*wo+ox)*p.c + ch
					var idx []int
					for ky := 0; ky < p.k; ky++ {
						for kx := 0; kx < p.k; kx++ {
							iy, ix := oy*p.s+ky-p.lo, ox*p.s+kx-p.lo
							if iy >= 0 && iy < p.h && ix >= 0 && ix < p.w {
								idx = append(idx, ((b*p.h+iy)*p.w+ix)*p.c+ch)
							}
						}
					}
					switch p.kind {
					case "max", "min":
						best := idx[0]
						for _, i := range idx[1:] {
							if (p.kind == "max" && x[i] > x[best]) || (p.kind == "min" && x[i] < x[best]) {
								best = i
							}
						}
						y[o] = x[best]
						dx[best] += g[o]
					case "sum", "mean":
						scale := 1.0
						if p.kind == "mean" {
							scale = 1 / float64(len(idx))
						}
						for _, i := range idx {
							y[o] += x[i] * scale
							dx[i] += g[o] * scale
						}
					}
				}
			}
		}
	}
	return
}

func TestPoolingGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	cases := []poolCase{
		{name: "max 3x3/2 pad 1 (ImageNet stem)", kind: "max", k: 3, s: 2, lo: 1, hi: 1, n: 2, h: 7, w: 6, c: 2},
		{name: "max 2x2/2", kind: "max", k: 2, s: 2, n: 1, h: 6, w: 4, c: 3},
		{name: "min 3x3/1 pad 1", kind: "min", k: 3, s: 1, lo: 1, hi: 1, n: 1, h: 4, w: 5, c: 2},
		{name: "sum 2x2/1 pad (0,1)", kind: "sum", k: 2, s: 1, lo: 0, hi: 1, n: 2, h: 4, w: 4, c: 2},
		{name: "mean 3x3/2 pad 1", kind: "mean", k: 3, s: 2, lo: 1, hi: 1, n: 1, h: 6, w: 7, c: 2},
		{name: "mean 2x2/2", kind: "mean", k: 2, s: 2, n: 2, h: 4, w: 6, c: 1},
	}
	for _, p := range cases {
		t.Run(p.name, func(t *testing.T) {
			x := randData(rng, p.n*p.h*p.w*p.c)
			ho, wo := p.out()
			g := randData(rng, p.n*ho*wo*p.c)
			y, dx := refPool(p, x, g)
			f := func(in []*graph.Node) *graph.Node {
				var b *graph.PoolBuilder
				switch p.kind {
				case "max":
					b = graph.MaxPool(in[0])
				case "min":
					b = graph.MinPool(in[0])
				case "sum":
					b = graph.SumPool(in[0])
				default:
					b = graph.MeanPool(in[0])
				}
				b = b.Window(p.k).Strides(p.s)
				if p.lo+p.hi > 0 {
					b = b.PaddingPerDim([][2]int{{p.lo, p.hi}, {p.lo, p.hi}})
				}
				out := b.Done()
				return graph.ReduceAllSum(graph.Mul(out, in[1]))
			}
			ins := []gradcheck.Input{{Data: x, Dims: []int{p.n, p.h, p.w, p.c}}, {Data: g, Dims: []int{p.n, ho, wo, p.c}}}
			fd, got, err := gradcheck.Check(testBackend, f, ins, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			// The gradient with respect to g is the pooled output itself.
			ref := gradcheck.MaxAbsDiff(got, [][]float64{dx, y})
			t.Logf("max |analytic − finite diff| = %.2e, max |(dx, y) − plain-Go reference| = %.2e", fd, ref)
			if fd > 1e-7 || ref > 1e-12 || math.IsNaN(fd) {
				t.Errorf("pooling gradient error too large: finite diff %.2e, reference %.2e", fd, ref)
			}
		})
	}
}
