package train

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"
)

// benchStep times training steps of an MLP in→hidden×(layers−1)→out on one
// random batch.
func benchStep(b *testing.B, in, hidden, out, layers, batch int) {
	m := newTestMLP(b, in, hidden, out, layers)
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		b.Fatal(err)
	}
	step, err := NewStep(testBackend, ctx, m, SGD{Momentum: 0.9, WeightDecay: 5e-4}, []int{in}, out)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, batch*in)
	y := make([]float32, batch*out)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for i := range y {
		y[i] = float32(rng.NormFloat64())
	}
	if _, err := step.Run(x, y, batch, 1e-3); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := step.Run(x, y, batch, 1e-3); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkStepSwimmerMLP is one SGD step of the paper's Swimmer MLP
// (8→256×7→2, 8 Linear layers) at batch 128.
func BenchmarkStepSwimmerMLP(b *testing.B) { benchStep(b, 8, 256, 2, 8, 128) }

// BenchmarkStepSGEMMMLP is one SGD step of the SGEMM MLP (14→512×7→4) at
// batch 128.
func BenchmarkStepSGEMMMLP(b *testing.B) { benchStep(b, 14, 512, 4, 8, 128) }
