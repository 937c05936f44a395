package gemm

import "testing"

// BenchmarkMicroKernel times the float32 micro-kernel alone on L1-resident
// packed panels: the ceiling of the packed path.
func BenchmarkMicroKernel(b *testing.B) {
	for _, path := range Available() {
		ks := kernels32[path]
		b.Run(path.String(), func(b *testing.B) {
			kc := ks.kc
			a := make([]float32, kc*ks.mr)
			bb := make([]float32, kc*ks.nr)
			c := make([]float32, ks.mr*ks.nr)
			for i := range a {
				a[i] = 1
			}
			for b.Loop() {
				ks.micro(kc, &a[0], &bb[0], &c[0], ks.nr, 1)
			}
			b.ReportMetric(2*float64(kc*ks.mr*ks.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkPack times packing a 128×256 float32 operand into 14-row strips,
// stored as rows (a transpose) and as columns (a strided copy).
func BenchmarkPack(b *testing.B) {
	const m, k = 128, 256
	a := make([]float32, m*k)
	ap := make([]float32, (m+14)*k)
	for _, trans := range []bool{false, true} {
		name := "transpose"
		if trans {
			name = "copy"
		}
		b.Run(name, func(b *testing.B) {
			p := &Product{M: m, K: k, TransA: trans, LDA: k}
			if trans {
				p.LDA = m
			}
			for b.Loop() {
				packA(p, kernels32[Active()], a, ap, 0, 0, m, k)
			}
			b.ReportMetric(float64(m*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
		})
	}
}
