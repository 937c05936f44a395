package gomlxfix

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/deepnrc/deepnrc/internal/testenv"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
)

var testBackend backends.Backend

func TestMain(m *testing.M) {
	Install()
	b, err := testenv.Backend()
	if err != nil {
		panic(err)
	}
	testBackend = b
	os.Exit(m.Run())
}

// randData returns n values uniform in [-1, 1) from a seeded generator.
func randData(rng *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 2*rng.Float64() - 1
	}
	return out
}

func cos(x float64) float64 { return math.Cos(x) }
