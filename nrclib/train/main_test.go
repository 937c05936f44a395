package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/deepnrc/deepnrc/internal/testenv"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

var testBackend backends.Backend

func TestMain(m *testing.M) {
	b, err := testenv.Backend()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testBackend = b
	if dir := os.Getenv(envChild); dir != "" {
		os.Exit(childMain(dir))
	}
	if arg := os.Getenv(envLockChild); arg != "" {
		os.Exit(lockChildMain(arg))
	}
	if out := os.Getenv(envDeterminism); out != "" {
		os.Exit(determinismChild(out))
	}
	os.Exit(m.Run())
}

// linearModel is pred = x·W with W d×t given, bias-free; its only probe is
// its input. It is small enough to check the trainer by hand.
type linearModel struct {
	d, t int
	w0   []float32 // initial W, d×t row-major
}

func (m *linearModel) Build(ctx *context.Context, x *graph.Node) (*graph.Node, []*graph.Node) {
	w := ctx.In("lin").VariableWithValue("weights", tensors.FromFlatDataAndDimensions(m.w0, m.d, m.t))
	return graph.Dot(x, w.ValueGraph(x.Graph())), []*graph.Node{x}
}

func (m *linearModel) Probes() []model.Probe { return []model.Probe{{Name: "fc1", Width: m.d}} }

func (m *linearModel) Weights(ctx *context.Context) ([]*nrc.Weight, error) {
	w := weightsOf(ctx, "/lin")
	w64 := make([]float64, len(w))
	for i, v := range w {
		w64[i] = float64(v)
	}
	nw, err := nrc.DenseWeightInOut(m.d, m.t, w64)
	return []*nrc.Weight{nw}, err
}

func (m *linearModel) Spec() any {
	return map[string]any{"kind": "linear", "d": m.d, "t": m.t, "w0": m.w0}
}

func weightsOf(ctx *context.Context, scope string) []float32 {
	v := ctx.GetVariableByScopeAndName(scope, "weights")
	if v == nil {
		panic("no variable " + scope + "/weights")
	}
	return tensors.MustCopyFlatData[float32](v.MustValue())
}

// teacherData returns a regression set y = tanh(x·A) + noise with n
// samples (80% train), input d and target t, deterministic in seed.
func teacherData(seed uint64, n, d, t int) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	a := make([]float64, d*t)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	x := make([]float32, n*d)
	y := make([]float32, n*t)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x[i*d+j] = float32(rng.NormFloat64())
		}
		for k := 0; k < t; k++ {
			s := 0.0
			for j := 0; j < d; j++ {
				s += float64(x[i*d+j]) * a[j*t+k]
			}
			y[i*t+k] = float32(math.Tanh(s) + 0.05*rng.NormFloat64())
		}
	}
	nTr := n * 4 / 5
	return &data.Dataset{
		Name: "teacher", InputShape: []int{d}, TargetDim: t,
		Train: data.Split{X: x[:nTr*d], Y: y[:nTr*t], N: nTr},
		Test:  data.Split{X: x[nTr*d:], Y: y[nTr*t:], N: n - nTr},
	}
}

func newTestMLP(tb testing.TB, d, h, t, layers int) model.Model {
	m, err := model.NewMLP(model.MLPConfig{InputDim: d, Hidden: h, Targets: t, Layers: layers})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
