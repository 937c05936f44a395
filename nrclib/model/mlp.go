package model

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/deepnrc/deepnrc/nrclib/model/layer"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Norm selects the normalisation an MLP applies before each ReLU.
type Norm string

const (
	// NormNone is the paper's plain MLP.
	NormNone Norm = ""
	// NormLayer inserts LayerNorm(h) before each ReLU (the code's MLPLN).
	NormLayer Norm = "layernorm"
	// NormBatch inserts BatchNorm1d(h) before each ReLU (the code's MLPBN).
	NormBatch Norm = "batchnorm"
)

// MLPConfig describes a bias-free MLP of Layers Linear layers:
// InputDim→Hidden, (Layers−2)×(Hidden→Hidden), Hidden→Targets, with ReLU
// between them and nothing after the last. With Layers = 1 it is one
// Linear InputDim→Targets.
type MLPConfig struct {
	// InputDim is d_in, the number of input features.
	InputDim int `json:"input_dim"`
	// Hidden is the width h of every hidden layer.
	Hidden int `json:"hidden"`
	// Targets is t, the number of regression outputs.
	Targets int `json:"targets"`
	// Layers is L, the number of Linear layers ("8-layer MLP" = 8).
	Layers int `json:"layers"`
	// Norm is the optional normalisation before each ReLU.
	Norm Norm `json:"norm,omitempty"`
	// Bias gives every Linear layer a bias, initialised as PyTorch's
	// U(−1/√fan_in, 1/√fan_in) (the MLPs of Andriopoulos et al.); the
	// Deep NRC paper's MLPs have none.
	Bias bool `json:"bias,omitempty"`
}

// MLPSpec is the JSON-serialisable description MLP.Spec returns.
type MLPSpec struct {
	// Kind is always "mlp".
	Kind string `json:"kind"`
	MLPConfig
}

var _ Model = (*MLP)(nil)

// MLP is the paper's bias-free MLP (with biases when MLPConfig.Bias is set). Its probes are the inputs of the Linear
// layers: "fc1" is the input X itself and "fc<k>" (k ≥ 2) the post-ReLU
// activations feeding Linear k. Linear k's weight lives in the variable
// "fc<k>/weights" [in, out] (relative to the context scope Build was given);
// the norm before the k-th ReLU, if any, lives in "norm<k>/…".
type MLP struct {
	cfg MLPConfig
}

// NewMLP checks cfg and returns the MLP it describes. It also calls
// gomlxfix.Install, which the model's gradients need on the pure-Go backend.
func NewMLP(cfg MLPConfig) (*MLP, error) {
	gomlxfix.Install()
	if cfg.InputDim < 1 || cfg.Targets < 1 || cfg.Layers < 1 {
		return nil, fmt.Errorf("model: MLP with input dimension %d, %d targets and %d layers: all must be at least 1",
			cfg.InputDim, cfg.Targets, cfg.Layers)
	}
	if cfg.Layers > 1 && cfg.Hidden < 1 {
		return nil, fmt.Errorf("model: MLP of %d layers has hidden width %d: set Hidden ≥ 1", cfg.Layers, cfg.Hidden)
	}
	switch cfg.Norm {
	case NormNone, NormLayer, NormBatch:
	default:
		return nil, fmt.Errorf("model: unknown MLP norm %q: use %q (none), %q or %q", cfg.Norm, NormNone, NormLayer, NormBatch)
	}
	return &MLP{cfg: cfg}, nil
}

// Config returns the configuration the MLP was made from.
func (m *MLP) Config() MLPConfig { return m.cfg }

// layerName returns the scope and probe name of Linear k (1-based).
func layerName(k int) string { return fmt.Sprintf("fc%d", k) }

// dims returns the input and output widths of Linear k (1-based).
func (m *MLP) dims(k int) (in, out int) {
	in, out = m.cfg.Hidden, m.cfg.Hidden
	if k == 1 {
		in = m.cfg.InputDim
	}
	if k == m.cfg.Layers {
		out = m.cfg.Targets
	}
	return in, out
}

// Probes lists fc1…fcL with their input widths.
func (m *MLP) Probes() []Probe {
	ps := make([]Probe, m.cfg.Layers)
	for k := 1; k <= m.cfg.Layers; k++ {
		in, _ := m.dims(k)
		ps[k-1] = Probe{Name: layerName(k), Width: in}
	}
	return ps
}

// Build adds the MLP to the graph of x [B, InputDim] and returns the
// predictions [B, Targets] and the L probe nodes.
func (m *MLP) Build(ctx *context.Context, x *graph.Node) (*graph.Node, []*graph.Node) {
	if x.Rank() != 2 || x.Shape().Dimensions[1] != m.cfg.InputDim {
		panic(fmt.Errorf("model: MLP input has shape %s, want [batch, %d]", x.Shape(), m.cfg.InputDim))
	}
	probes := make([]*graph.Node, 0, m.cfg.Layers)
	h := x
	for k := 1; k <= m.cfg.Layers; k++ {
		probes = append(probes, h)
		_, out := m.dims(k)
		h = layer.Linear(ctx.In(layerName(k)), h, out, m.cfg.Bias)
		if k == m.cfg.Layers {
			break
		}
		switch m.cfg.Norm {
		case NormLayer:
			h = layer.LayerNorm(ctx.In(fmt.Sprintf("norm%d", k)), h)
		case NormBatch:
			h = layer.BatchNorm(ctx.In(fmt.Sprintf("norm%d", k)), h)
		}
		h = layer.Relu(h)
	}
	return h, probes
}

// Weights reads fc1…fcL's weights from ctx (the context, or a context in
// the same scope, that Build was given) as nrc weights.
func (m *MLP) Weights(ctx *context.Context) ([]*nrc.Weight, error) {
	ws := make([]*nrc.Weight, m.cfg.Layers)
	for k := 1; k <= m.cfg.Layers; k++ {
		in, out := m.dims(k)
		data, err := readVariable(ctx.In(layerName(k)), layer.WeightsName, in*out)
		if err != nil {
			return nil, err
		}
		if ws[k-1], err = nrc.DenseWeightInOut(in, out, data); err != nil {
			return nil, fmt.Errorf("model: %s: %w", layerName(k), err)
		}
	}
	return ws, nil
}

// Biases reads fc1…fcL's biases from ctx (nil without MLPConfig.Bias).
func (m *MLP) Biases(ctx *context.Context) ([][]float64, error) {
	if !m.cfg.Bias {
		return nil, nil
	}
	bs := make([][]float64, m.cfg.Layers)
	for k := 1; k <= m.cfg.Layers; k++ {
		_, out := m.dims(k)
		var err error
		if bs[k-1], err = readVariable(ctx.In(layerName(k)), layer.BiasesName, out); err != nil {
			return nil, err
		}
	}
	return bs, nil
}

// Spec returns an MLPSpec.
func (m *MLP) Spec() any { return MLPSpec{Kind: "mlp", MLPConfig: m.cfg} }

// readVariable returns the value of the variable name in ctx's scope as
// float64, checking it has n values.
func readVariable(ctx *context.Context, name string, n int) ([]float64, error) {
	v := ctx.GetVariableByScopeAndName(ctx.Scope(), name)
	if v == nil {
		return nil, fmt.Errorf("model: no variable %q in scope %q: build and train the model with this context "+
			"(in the same scope) before reading its weights", name, ctx.Scope())
	}
	t, err := v.Value()
	if err != nil {
		return nil, fmt.Errorf("model: variable %s/%s has no value (%v): run the model once so its variables are initialised", ctx.Scope(), name, err)
	}
	if t == nil {
		return nil, fmt.Errorf("model: variable %s/%s has no value: run the model once so its variables are initialised", ctx.Scope(), name)
	}
	if t.Size() != n {
		return nil, fmt.Errorf("model: variable %s/%s has %d values (shape %s), the model needs %d: "+
			"the context holds a different architecture", ctx.Scope(), name, t.Size(), t.Shape(), n)
	}
	out := make([]float64, n)
	switch t.DType() {
	case dtypes.Float32:
		for i, x := range tensors.MustCopyFlatData[float32](t) {
			out[i] = float64(x)
		}
	case dtypes.Float64:
		copy(out, tensors.MustCopyFlatData[float64](t))
	default:
		return nil, fmt.Errorf("model: variable %s/%s has dtype %s: build the model with Float32 or Float64 inputs", ctx.Scope(), name, t.DType())
	}
	return out, nil
}
