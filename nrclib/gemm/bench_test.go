package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are the products of training a width-256 MLP at batch 128
// (forward x·W, weight gradient xᵀ·g, input gradient g·Wᵀ) and a large
// square product.
var benchShapes = []struct {
	name string
	p    Product
}{
	{"fwd_128x256x256", Product{M: 128, N: 256, K: 256}},
	{"dW_256x256x128", Product{M: 256, N: 256, K: 128, TransA: true}},
	{"dX_128x256x256", Product{M: 128, N: 256, K: 256, TransB: true}},
	{"fwd_128x512x512", Product{M: 128, N: 512, K: 512}},
	{"square_2048", Product{M: 2048, N: 2048, K: 2048}},
}

// BenchmarkFloat32 reports GFLOP/s of each path on the training shapes,
// single-threaded (threads=1) and with GOMAXPROCS goroutines (threads=all).
func BenchmarkFloat32(b *testing.B) {
	for _, path := range Available() {
		for _, threads := range []int{1, 0} {
			for _, s := range benchShapes {
				tn := "1"
				if threads == 0 {
					tn = "all"
				}
				b.Run(fmt.Sprintf("%s/threads=%s/%s", path, tn, s.name), func(b *testing.B) {
					old, _ := SetPath(path)
					defer SetPath(old)
					oldT := SetMaxThreads(threads)
					defer SetMaxThreads(oldT)
					rng := rand.New(rand.NewPCG(1, 1))
					p := s.p
					a, bb, c := operands[float32](rng, &p, 0)
					b.ResetTimer()
					for b.Loop() {
						Float32(p, c, a, bb)
					}
					b.ReportMetric(p.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// BenchmarkFloat64 reports GFLOP/s of each path on the metric pass's
// co-moment shape (a 2048-row chunk of 512 features) and a square product.
func BenchmarkFloat64(b *testing.B) {
	for _, path := range Available() {
		for _, s := range []struct {
			name string
			p    Product
		}{
			{"comoment_516x516x2048", Product{M: 516, N: 516, K: 2048, TransB: true}},
			{"square_1024", Product{M: 1024, N: 1024, K: 1024}},
		} {
			b.Run(fmt.Sprintf("%s/%s", path, s.name), func(b *testing.B) {
				old, _ := SetPath(path)
				defer SetPath(old)
				oldT := SetMaxThreads(1)
				defer SetMaxThreads(oldT)
				rng := rand.New(rand.NewPCG(1, 1))
				p := s.p
				a, bb, c := operands[float64](rng, &p, 0)
				for b.Loop() {
					Float64(p, c, a, bb)
				}
				b.ReportMetric(p.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
