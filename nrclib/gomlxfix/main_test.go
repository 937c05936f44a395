package gomlxfix

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
)

// testBackendConfig is the simplego configuration that does not deadlock on
// im2col networks.
const testBackendConfig = "go:parallelism=-1,dotgeneral_large"

var testBackend backends.Backend

func TestMain(m *testing.M) {
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	Install()
	b, err := backends.NewWithConfig(testBackendConfig)
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
