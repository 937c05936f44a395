package model

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/deepnrc/deepnrc/internal/testenv"
	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
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

func randFloat32(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

// forward runs m on x (dims[0] rows) in the given mode and returns the
// predictions and probes as flat float32 slices.
func forward(t *testing.T, ctx *context.Context, m Model, x []float32, dims []int, training bool) ([]float32, [][]float32) {
	t.Helper()
	e, err := context.NewExec(testBackend, ctx.Checked(false), func(ctx *context.Context, x *graph.Node) []*graph.Node {
		ctx.SetTraining(x.Graph(), training)
		pred, probes := m.Build(ctx, x)
		return append([]*graph.Node{pred}, probes...)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	outs, err := e.Exec(tensors.FromFlatDataAndDimensions(x, dims...))
	if err != nil {
		t.Fatal(err)
	}
	flat := make([][]float32, len(outs))
	for i, o := range outs {
		flat[i] = tensors.MustCopyFlatData[float32](o)
	}
	return flat[0], flat[1:]
}

// sgd is a minimal trainer for tests: plain SGD on the mean squared error.
type sgd struct {
	exec *context.Exec
	dims []int
	t    int
}

func newSGD(t testing.TB, ctx *context.Context, m Model, dims []int, targets int, lr float64) *sgd {
	t.Helper()
	e, err := context.NewExec(testBackend, ctx.Checked(false), func(ctx *context.Context, x, y *graph.Node) *graph.Node {
		g := x.Graph()
		ctx.SetTraining(g, true)
		pred, _ := m.Build(ctx, x)
		loss := graph.ReduceAllMean(graph.Square(graph.Sub(pred, y)))
		var vars []*context.Variable
		var nodes []*graph.Node
		for v := range ctx.IterVariables() {
			if v.Trainable && v.InUseByGraph(g) {
				vars = append(vars, v)
				nodes = append(nodes, v.ValueGraph(g))
			}
		}
		grads := graph.Gradient(loss, nodes...)
		for i, v := range vars {
			v.SetValueGraph(graph.Sub(nodes[i], graph.MulScalar(grads[i], lr)))
		}
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	return &sgd{exec: e, dims: dims, t: targets}
}

func (s *sgd) step(t testing.TB, x, y []float32) float32 {
	t.Helper()
	out, err := s.exec.Exec(tensors.FromFlatDataAndDimensions(x, s.dims...),
		tensors.FromFlatDataAndDimensions(y, s.dims[0], s.t))
	if err != nil {
		t.Fatal(err)
	}
	return tensors.ToScalar[float32](out[0])
}
