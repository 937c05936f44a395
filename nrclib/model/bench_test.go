package model

import (
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"
)

// benchTrain times SGD steps of m on one batch of b images of size×size×3
// and reports images/s.
func benchTrain(b *testing.B, m Model, batch, size int) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randFloat32(rng, batch*size*size*3)
	y := randFloat32(rng, batch*m.(*ResNet).cfg.Targets)
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		b.Fatal(err)
	}
	s := newSGD(b, ctx, m, []int{batch, size, size, 3}, m.(*ResNet).cfg.Targets, 0.01)
	s.step(b, x, y) // compile
	b.ResetTimer()
	cpu0, n := cpuSeconds(), 0
	for b.Loop() {
		s.step(b, x, y)
		n++
	}
	b.ReportMetric(float64(n*batch)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric((cpuSeconds()-cpu0)/float64(n), "cpu-s/op")
}

// BenchmarkReducedResNet18Train is one training step of ReducedResNet18 at
// batch 32 on 32×32×3 images.
func BenchmarkReducedResNet18Train(b *testing.B) {
	m, err := NewResNet(ReducedResNet18(2))
	if err != nil {
		b.Fatal(err)
	}
	benchTrain(b, m, 32, 32)
}

// BenchmarkResNet18Train is one training step of full-width ResNet-18
// (ImageNet stem) at batch 16 on 64×64×3 images.
func BenchmarkResNet18Train(b *testing.B) {
	m, err := NewResNet(ResNet18(2))
	if err != nil {
		b.Fatal(err)
	}
	benchTrain(b, m, 16, 64)
}

// cpuSeconds is the user+system CPU time this process has used so far; on a
// shared machine it is a steadier measure of work than wall-clock time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
