package layer

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/deepnrc/deepnrc/internal/testenv"
	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var testBackend backends.Backend

func TestMain(m *testing.M) {
	gomlxfix.Install()
	b, err := testenv.Backend()
	if err != nil {
		panic(err)
	}
	testBackend = b
	os.Exit(m.Run())
}

func randData(rng *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 2*rng.Float64() - 1
	}
	return out
}

func shapesOf(dims ...int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }
