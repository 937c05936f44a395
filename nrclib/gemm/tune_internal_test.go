package gemm

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func threadCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// TestTuneTiles compares float32 AVX-512 tile variants, interleaved, by
// thread CPU time (GEMM_TUNE=1 to run; a development aid).
func TestTuneTiles(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" || !Supported(AVX512) {
		t.Skip("set GEMM_TUNE=1")
	}
	runtime.LockOSThread()
	variants := map[string]*kernelSet[float32]{
		"kc256": kernels32[AVX512],
		"kc192": {mr: 14, nr: 32, kc: 192, mc: 196, nc: 4096, micro: sgemmKernelAVX512, copyStrip: copyF32AVX512, transStrip: transF32AVX512},
		"kc128": {mr: 14, nr: 32, kc: 128, mc: 196, nc: 4096, micro: sgemmKernelAVX512, copyStrip: copyF32AVX512, transStrip: transF32AVX512},
	}
	shapes := []Product{{M: 128, N: 256, K: 256}, {M: 256, N: 256, K: 128, TransA: true}, {M: 128, N: 256, K: 256, TransB: true}, {M: 128, N: 512, K: 512}, {M: 1024, N: 1024, K: 1024}}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, p := range shapes {
		q := p
		a, b, c := operands[float32](rng, &q, 0)
		best := map[string]float64{}
		for round := 0; round < 15; round++ {
			for name, ks := range variants {
				var tab [4]*kernelSet[float32]
				tab[AVX512] = ks
				old := SetMaxThreads(1)
				n := 0
				t0 := threadCPU()
				for threadCPU()-t0 < 30*time.Millisecond {
					mul(AVX512, q, c, a, b, &tab)
					n++
				}
				g := q.FLOPs() * float64(n) / (threadCPU() - t0).Seconds() / 1e9
				SetMaxThreads(old)
				best[name] = max(best[name], g)
			}
		}
		fmt.Printf("%4dx%4dx%4d tA=%v tB=%v: %v\n", p.M, p.N, p.K, p.TransA, p.TransB, best)
	}
}
