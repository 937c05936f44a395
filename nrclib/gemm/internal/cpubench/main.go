// Command cpubench times gemm products by the calling thread's CPU clock
// (GFLOP per CPU-second), a measure that other processes sharing the machine
// barely disturb. It is a development tool: the benchmarks to report are
// `go test -bench` and `deepnrc bench matmul`.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/deepnrc/deepnrc/nrclib/gemm"
)

func threadCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

func main() {
	pathName := flag.String("path", "avx512", "gemm path")
	f64 := flag.Bool("f64", false, "float64")
	flag.Parse()
	runtime.LockOSThread()
	gemm.SetMaxThreads(1)
	p, _, err := gemm.ParsePath(*pathName)
	if err != nil {
		panic(err)
	}
	gemm.SetPath(p)
	shapes := []struct {
		name string
		p    gemm.Product
	}{
		{"fwd 128x256x256", gemm.Product{M: 128, N: 256, K: 256}},
		{"dW  256x256x128", gemm.Product{M: 256, N: 256, K: 128, TransA: true}},
		{"dX  128x256x256", gemm.Product{M: 128, N: 256, K: 256, TransB: true}},
		{"fwd 128x512x512", gemm.Product{M: 128, N: 512, K: 512}},
		{"fwd 128x2x256", gemm.Product{M: 128, N: 2, K: 256}},
		{"sq 1024", gemm.Product{M: 1024, N: 1024, K: 1024}},
		{"comoment 516x516x2048", gemm.Product{M: 516, N: 516, K: 2048, TransB: true}},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range shapes {
		q := s.p
		ra, ca := q.M, q.K
		if q.TransA {
			ra, ca = q.K, q.M
		}
		rb, cb := q.K, q.N
		if q.TransB {
			rb, cb = q.N, q.K
		}
		var run func()
		if *f64 {
			a, b, c := make([]float64, ra*ca), make([]float64, rb*cb), make([]float64, q.M*q.N)
			for i := range a {
				a[i] = rng.Float64()
			}
			for i := range b {
				b[i] = rng.Float64()
			}
			run = func() { gemm.Float64(q, c, a, b) }
		} else {
			a, b, c := make([]float32, ra*ca), make([]float32, rb*cb), make([]float32, q.M*q.N)
			for i := range a {
				a[i] = float32(rng.Float64())
			}
			for i := range b {
				b[i] = float32(rng.Float64())
			}
			run = func() { gemm.Float32(q, c, a, b) }
		}
		run()
		best := 0.0
		for rep := 0; rep < 5; rep++ {
			n := 0
			t0 := threadCPU()
			for threadCPU()-t0 < 100*time.Millisecond {
				run()
				n++
			}
			g := q.FLOPs() * float64(n) / (threadCPU() - t0).Seconds() / 1e9
			best = max(best, g)
		}
		fmt.Printf("%-24s %7.1f GFLOP/cpu-s\n", s.name, best)
	}
}
