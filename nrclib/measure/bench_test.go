package measure

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// BenchmarkMetricPass streams N rows of 8 probed layers (width d = 512,
// t = 4 targets) through the statistics and computes every Deep NRC metric,
// as one checkpoint of an SGEMM-scale run does. The same 4096-row block of
// random features is fed repeatedly, so input generation is not timed.
// Targets (issue 2): the N = 192,000 pass under 60 s on 2 cores and under
// 200 MB of memory beyond the input stream; "MB-heap" reports the live heap
// after the pass, "MB-alloc" everything allocated during it.
func BenchmarkMetricPass(b *testing.B) {
	const d, t, layers, block = 512, 4, 8, 4096
	rng := rand.New(rand.NewPCG(1, 1))
	h := make([]float32, block*d)
	y := make([]float32, block*t)
	for i := range h {
		h[i] = float32(rng.NormFloat64())
	}
	for i := range y {
		y[i] = float32(rng.NormFloat64())
	}
	names := make([]string, layers)
	widths := make([]int, layers)
	for i := range names {
		names[i], widths[i] = fmt.Sprintf("fc%d", i+1), d
	}
	for _, n := range []int{10_000, 192_000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for it := 0; it < b.N; it++ {
				p := NewPass(names, widths, t)
				for start := 0; start < n; start += block {
					rows := min(block, n-start)
					for l := 0; l < layers; l++ {
						if err := p.AddBatch(l, h[:rows*d], y[:rows*t], rows); err != nil {
							b.Fatal(err)
						}
					}
				}
				if _, err := p.Report(nil, nrc.Options{}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				runtime.GC() // live heap: the accumulators, with the pass still reachable
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(p)
				b.StartTimer()
				b.ReportMetric(float64(after.HeapAlloc)/1e6, "MB-heap")
			}
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/1e6/float64(b.N), "MB-alloc")
		})
	}
}
