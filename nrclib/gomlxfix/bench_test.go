package gomlxfix

import (
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// withStock runs fn with GoMLX's stock gradients registered, then restores
// this package's. Graphs compiled inside fn keep the stock gradients.
func withStock(fn func()) {
	for t, vjp := range stock {
		if vjp == nil {
			delete(graph.VJPRegistration, t)
		} else {
			graph.VJPRegistration[t] = vjp
		}
	}
	defer func() {
		for t, vjp := range replaced {
			graph.VJPRegistration[t] = vjp
		}
	}()
	fn()
}

// benchDotStep times one gradient evaluation of Σ(A·B)·R for A 128×256 and
// B 256×256 (a dense layer's backward pass at batch 128).
func benchDotStep(b *testing.B, useStock bool) {
	const m, k, n = 128, 256, 256
	rng := rand.New(rand.NewPCG(7, 8))
	mk := func(rows, cols int) *tensors.Tensor {
		d := make([]float32, rows*cols)
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		return tensors.FromFlatDataAndDimensions(d, rows, cols)
	}
	a, w, r := mk(m, k), mk(k, n), mk(m, n)
	e, err := graph.NewExec(testBackend, func(a, w, r *graph.Node) []*graph.Node {
		out := graph.ReduceAllSum(graph.Mul(graph.Dot(a, w), r))
		return graph.Gradient(out, a, w)
	})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Finalize()
	compile := func() {
		if _, err := e.Exec(a, w, r); err != nil {
			b.Fatal(err)
		}
	}
	if useStock {
		withStock(compile)
	} else {
		compile()
	}
	b.ResetTimer()
	cpu0, steps := cpuSeconds(), 0
	for b.Loop() {
		if _, err := e.Exec(a, w, r); err != nil {
			b.Fatal(err)
		}
		steps++
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(steps)*1e3, "cpu-ms/op")
}

// BenchmarkDotGradStock is GoMLX's stock Dot gradient (materialises a
// 128×256×256 tensor per operand).
func BenchmarkDotGradStock(b *testing.B) { benchDotStep(b, true) }

// BenchmarkDotGradFixed is this package's Dot gradient (one DotGeneral per
// operand).
func BenchmarkDotGradFixed(b *testing.B) { benchDotStep(b, false) }

// cpuSeconds is the user+system CPU time this process has used so far; on a
// shared machine it is a steadier measure of work than wall-clock time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
