package exercise

import (
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// The exercises' speed target: each notebook runs in under two minutes at
// quick scale on two cores, and training is nearly all of that time. These
// benchmarks train each exercise's runs from an empty store at quick scale.

func benchRuns(b *testing.B, runs func(bool) (int, error)) {
	b.Setenv(scale.Env, "quick")
	for b.Loop() {
		b.StopTimer()
		b.Setenv(train.EnvStoreDir, b.TempDir())
		b.StartTimer()
		if _, err := runs(false); err != nil {
			b.Fatal(err)
		}
	}
}

func count[T any](f func(bool) ([]T, error)) func(bool) (int, error) {
	return func(p bool) (int, error) {
		v, err := f(p)
		return len(v), err
	}
}

// BenchmarkGivenRun trains the run of exercise (b).
func BenchmarkGivenRun(b *testing.B) { benchRuns(b, count(givenRun)) }

// BenchmarkWeightDecaySweep trains the four runs of exercise (c).
func BenchmarkWeightDecaySweep(b *testing.B) { benchRuns(b, count(weightDecaySweep)) }

// BenchmarkRankRuns trains the calibration and unseen runs of exercise (d).
func BenchmarkRankRuns(b *testing.B) {
	benchRuns(b, func(p bool) (int, error) {
		c, err := calibrationRuns(p)
		if err != nil {
			return 0, err
		}
		u, err := unseenRun(p)
		return len(c) + len(u), err
	})
}
