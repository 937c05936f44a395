package train

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// MomentumScope is the absolute context scope under which the momentum
// buffer of a trainable variable "<scope>/<name>" lives, as the
// non-trainable variable "MomentumScope<scope>/<name>".
const MomentumScope = "/sgd_momentum"

// SGD holds the hyper-parameters of the in-graph update that do not change
// during a run; the learning rate is an input of every step so that the
// schedule can change it without recompiling.
type SGD struct {
	// Momentum is μ (0 gives plain SGD).
	Momentum float64
	// WeightDecay is λ, added to every gradient as λ·w.
	WeightDecay float64
}

// Step is a compiled training step: one SGD update of every trainable
// variable of a context on one mini-batch.
type Step struct {
	exec      *context.Exec
	inputDims []int
	targetDim int
}

// NewStep builds the training step of m: the MSE loss (mean over B·t
// entries) of m's prediction, its gradient with respect to every trainable
// variable, and the SGD update described in the package doc, all in one
// graph run in training mode. It installs the gradient fixes of package
// gomlxfix first (without them GoMLX v0.26's matrix-product gradients make
// pure-Go training an order of magnitude slower). Variables missing from ctx are created (and
// initialised from the context's RNG) on the first call of Run; variables
// already in ctx (e.g. restored from a checkpoint) are used as they are.
func NewStep(b backends.Backend, ctx *context.Context, m model.Model, sgd SGD, inputShape []int, targetDim int) (*Step, error) {
	if len(inputShape) == 0 || targetDim < 1 {
		return nil, fmt.Errorf("train: input shape %v / target dimension %d: both must be non-empty", inputShape, targetDim)
	}
	gomlxfix.Install()
	fn := func(ctx *context.Context, x, y, lr *graph.Node) *graph.Node {
		g := x.Graph()
		ctx.SetTraining(g, true)
		pred, _ := m.Build(ctx, x)
		if !pred.Shape().Equal(y.Shape()) {
			panic(fmt.Errorf("train: model prediction has shape %s but targets have %s: the model's "+
				"output width must equal the dataset's target dimension", pred.Shape(), y.Shape()))
		}
		loss := graph.ReduceAllMean(graph.Square(graph.Sub(pred, y)))
		applySGD(ctx, loss, lr, sgd)
		return loss
	}
	e, err := context.NewExec(b, ctx.Checked(false), fn)
	if err != nil {
		return nil, err
	}
	return &Step{exec: e, inputDims: inputShape, targetDim: targetDim}, nil
}

// applySGD adds the momentum-SGD update of every trainable variable used by
// loss's graph.
func applySGD(ctx *context.Context, loss, lr *graph.Node, sgd SGD) {
	g := loss.Graph()
	var vars []*context.Variable
	var nodes []*graph.Node
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v)
			nodes = append(nodes, v.ValueGraph(g))
		}
	}
	if len(vars) == 0 {
		panic(fmt.Errorf("train: the model created no trainable variables"))
	}
	grads := graph.Gradient(loss, nodes...)
	mctx := ctx.Checked(false).WithInitializer(initializers.Zero)
	for i, v := range vars {
		w := nodes[i]
		gr := grads[i]
		if sgd.WeightDecay != 0 {
			gr = graph.Add(gr, graph.MulScalar(w, sgd.WeightDecay))
		}
		buf := mctx.InAbsPath(MomentumScope+v.Scope()).
			VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
		b := graph.Add(graph.MulScalar(buf.ValueGraph(g), sgd.Momentum), gr)
		buf.SetValueGraph(b)
		v.SetValueGraph(graph.Sub(w, graph.Mul(graph.ConvertDType(lr, w.DType()), b)))
	}
}

// Run performs one update on the batch x (rows × input size, row-major) with
// targets y (rows × t) at learning rate lr, and returns the batch loss
// before the update.
func (s *Step) Run(x, y []float32, rows int, lr float64) (float32, error) {
	xt, yt, err := s.tensors(x, y, rows)
	if err != nil {
		return 0, err
	}
	out, err := s.exec.Exec(xt, yt, float32(lr))
	if err != nil {
		return 0, err
	}
	return tensors.ToScalar[float32](out[0]), nil
}

func (s *Step) tensors(x, y []float32, rows int) (*tensors.Tensor, *tensors.Tensor, error) {
	in := 1
	for _, d := range s.inputDims {
		in *= d
	}
	if rows < 1 || len(x) != rows*in || len(y) != rows*s.targetDim {
		return nil, nil, fmt.Errorf("train: batch of %d rows needs %d inputs and %d targets, got %d and %d",
			rows, rows*in, rows*s.targetDim, len(x), len(y))
	}
	dims := append([]int{rows}, s.inputDims...)
	return tensors.FromFlatDataAndDimensions(x, dims...), tensors.FromFlatDataAndDimensions(y, rows, s.targetDim), nil
}

// Finalize releases the compiled graphs.
func (s *Step) Finalize() { s.exec.Finalize() }
