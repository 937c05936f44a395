package stats

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkAdd accumulates 4096 rows of a width-512 layer with 4 targets,
// the inner loop of a metric pass; "GFLOP/s" counts the multiply-adds of
// the upper-triangular co-moment update (4096·516²).
func BenchmarkAdd(b *testing.B) {
	const rows, d, t = 4096, 512, 4
	rng := rand.New(rand.NewPCG(1, 1))
	h := make([]float32, rows*d)
	y := make([]float32, rows*t)
	for i := range h {
		h[i] = float32(rng.NormFloat64())
	}
	m := New(d, t)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.AddFloat32(h, y, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64((d+t)*(d+t))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
