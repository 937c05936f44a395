package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/internal/testenv"
	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/model/layer"
	"github.com/deepnrc/deepnrc/nrclib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

var testBackend backends.Backend

func TestMain(m *testing.M) {
	b, err := testenv.Backend()
	if err != nil {
		panic(err)
	}
	testBackend = b
	os.Exit(m.Run())
}

func TestCaseFLOPs(t *testing.T) {
	c, err := MLPCase("swimmer", 8, 256, 2, 8, 128)
	if err != nil {
		t.Fatal(err)
	}
	fwd := 2.0 * 128 * (8*256 + 6*256*256 + 256*2)
	dx := 2.0 * 128 * (6*256*256 + 256*2) // no gradient for the data
	if got, want := c.FLOPs(), 2*fwd+dx; got != want {
		t.Errorf("swimmer FLOPs %v, want %v", got, want)
	}
	r, err := ResNetCase("r", model.ReducedResNet18(2), 32, 4)
	if err != nil {
		t.Fatal(err)
	}
	// stem + 8 blocks × 2 convs + 3 downsample convs + head.
	if len(r.Matmuls) != 21 {
		t.Fatalf("%d products, want 21", len(r.Matmuls))
	}
	if m := r.Matmuls[0]; m != (Matmul{M: 4 * 32 * 32, K: 27, N: 16}) {
		t.Errorf("stem product %+v", m)
	}
	last := r.Matmuls[19] // layer4.1.conv2 on 4×4 maps, 128 → 128
	if last != (Matmul{M: 4 * 4 * 4, K: 9 * 128, N: 128, InputGrad: true}) {
		t.Errorf("last conv product %+v", last)
	}
	if _, err := ResNetCase("r", model.ResNet18(2), 32, 4); err == nil {
		t.Error("an ImageNet-stem ResNet was accepted")
	}
}

// The stock and the fixed gradients are both exact, so training with
// either gives the same losses; withStockGradients must put the fixed ones
// back.
func TestStockGradientsSwapAndRestore(t *testing.T) {
	gomlxfix.Install()
	fixed := reflect.ValueOf(graph.VJPRegistration[graph.NodeTypeDot]).Pointer()
	c, err := MLPCase("tiny", 3, 8, 2, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	var inside uintptr
	a, err := newStepper(testBackend, c, false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newStepper(testBackend, c, true)
	if err != nil {
		t.Fatal(err)
	}
	withStockGradients(func() error {
		inside = reflect.ValueOf(graph.VJPRegistration[graph.NodeTypeDot]).Pointer()
		return nil
	})
	if inside == fixed {
		t.Error("withStockGradients did not swap the Dot gradient")
	}
	if reflect.ValueOf(graph.VJPRegistration[graph.NodeTypeDot]).Pointer() != fixed {
		t.Error("withStockGradients did not restore the fixed Dot gradient")
	}
	for i := 0; i < 3; i++ {
		la, err := a.step.Run(a.x, a.y, a.rows, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := s.step.Run(s.x, s.y, s.rows, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(la-ls)) > 1e-5*math.Abs(float64(la)) {
			t.Errorf("step %d: loss %v with fixed gradients, %v with stock", i, la, ls)
		}
	}
}

func TestRunReportsEveryNumber(t *testing.T) {
	c, err := MLPCase("tiny", 3, 16, 2, 3, 8)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	rep, err := Run(testBackend, []Case{c}, Options{Steps: 2, Rounds: 2, Python: "-", Stock: []string{"tiny"}, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Cases[0]
	if r.DeepNRCStepsPerS <= 0 || r.FloorStepsPerS <= 0 || r.DeepNRCCPUms <= 0 || r.FloorCPUms <= 0 || r.StockStepsPerS == nil || *r.StockStepsPerS <= 0 {
		t.Errorf("missing rates: %+v", r)
	}
	if r.TorchStepsPerS != nil || r.Ratio != nil {
		t.Errorf("PyTorch was skipped but has numbers: %+v", r)
	}
	if math.Abs(r.DeepNRCGFLOPS-r.DeepNRCStepsPerS*c.FLOPs()/1e9) > 1e-9 {
		t.Errorf("GFLOP/s %v inconsistent with %v steps/s", r.DeepNRCGFLOPS, r.DeepNRCStepsPerS)
	}
	var txt bytes.Buffer
	if err := rep.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "tiny") || strings.Count(log.String(), "deepnrc") != 2 {
		t.Errorf("text report %q / log %q", txt.String(), log.String())
	}
}

func TestMissingPythonIsReportedNotFatal(t *testing.T) {
	c, _ := MLPCase("tiny", 3, 4, 2, 2, 4)
	rep, err := Run(testBackend, []Case{c}, Options{Steps: 1, Rounds: 1, Python: "/nonexistent/python3"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TorchMissing == "" || rep.Torch != nil {
		t.Errorf("missing python: %+v", rep)
	}
	if _, err := startTorch("/nonexistent/python3", Baseline{}); !errors.Is(err, ErrNoTorch) {
		t.Errorf("err = %v, want ErrNoTorch", err)
	}
}

// With PyTorch installed, the script answers for an MLP and a ResNet.
func TestTorchScript(t *testing.T) {
	p, err := startTorch("", Baseline{})
	if errors.Is(err, ErrNoTorch) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if p.info.Version == "" || len(p.info.Libraries) == 0 {
		t.Errorf("torch info %+v", p.info)
	}
	m, _ := MLPCase("tiny", 3, 4, 2, 2, 4)
	r, _ := ResNetCase("r", model.ResNetConfig{Blocks: []int{1, 1}, Widths: []int{4, 8}, Stem: model.StemCIFAR, Targets: 2}, 8, 2)
	for _, c := range []Case{m, r} {
		v, err := p.rate(c, 2, 0)
		if err != nil || !(v.stepsPerS > 0) || !(v.cpuMs > 0) {
			t.Errorf("%s: %+v, %v", c.Name, v, err)
		}
	}
}

// The training step matches PyTorch's torch.optim.SGD (momentum, coupled
// weight decay, learning rate changed between steps) on an MLP trained
// from the same weights on the same batches.
func TestStepMatchesPyTorch(t *testing.T) {
	p, err := startTorch("", Baseline{})
	if errors.Is(err, ErrNoTorch) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	dims := []int{3, 5, 5, 2} // 3 bias-free Linear layers, as model.NewMLP builds
	rng := rand.New(rand.NewPCG(4, 5))
	ctx := context.New()
	var torchW [][][]float32 // out×in per layer
	for l := 0; l+1 < len(dims); l++ {
		in, out := dims[l], dims[l+1]
		w := make([]float32, in*out) // GoMLX layout in×out
		tw := make([][]float32, out)
		for o := range tw {
			tw[o] = make([]float32, in)
		}
		for i := 0; i < in; i++ {
			for o := 0; o < out; o++ {
				v := float32(rng.NormFloat64() * 0.7)
				w[i*out+o], tw[o][i] = v, v
			}
		}
		ctx.In(fmt.Sprintf("fc%d", l+1)).VariableWithValue(layer.WeightsName, tensors.FromFlatDataAndDimensions(w, in, out))
		torchW = append(torchW, tw)
	}
	m, err := model.NewMLP(model.MLPConfig{InputDim: 3, Hidden: 5, Targets: 2, Layers: 3})
	if err != nil {
		t.Fatal(err)
	}
	const mu, wd, batch = 0.9, 0.05, 6
	step, err := train.NewStep(testBackend, ctx, m, train.SGD{Momentum: mu, WeightDecay: wd}, []int{3}, 2)
	if err != nil {
		t.Fatal(err)
	}
	lrs := []float64{0.1, 0.1, 0.1, 0.01, 0.01, 0.001}
	var xs, ys [][][]float32
	var losses []float32
	for _, lr := range lrs {
		x, y := make([]float32, batch*3), make([]float32, batch*2)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for i := range y {
			y[i] = float32(rng.NormFloat64())
		}
		loss, err := step.Run(x, y, batch, lr)
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, loss)
		xs, ys = append(xs, rows(x, 3)), append(ys, rows(y, 2))
	}
	req, _ := json.Marshal(map[string]any{"check": true, "name": "check", "weights": torchW, "x": xs, "y": ys,
		"lrs": lrs, "momentum": mu, "weight_decay": wd})
	if _, err := p.in.Write(append(req, '\n')); err != nil {
		t.Fatal(err)
	}
	if !p.out.Scan() {
		t.Fatal("torch_bench.py did not answer")
	}
	var ans struct {
		Losses  []float64     `json:"losses"`
		Weights [][][]float64 `json:"weights"`
	}
	if err := json.Unmarshal(p.out.Bytes(), &ans); err != nil {
		t.Fatalf("%v: %s", err, p.out.Text())
	}
	for i, l := range losses {
		if math.Abs(float64(l)-ans.Losses[i]) > 1e-5*math.Max(1, ans.Losses[i]) {
			t.Errorf("step %d: loss %v, PyTorch %v", i+1, l, ans.Losses[i])
		}
	}
	for l := 0; l+1 < len(dims); l++ {
		v := ctx.GetVariableByScopeAndName(fmt.Sprintf("/fc%d", l+1), layer.WeightsName)
		w := tensors.MustCopyFlatData[float32](v.MustValue())
		out := dims[l+1]
		for o := range ans.Weights[l] {
			for i, tv := range ans.Weights[l][o] {
				if d := math.Abs(float64(w[i*out+o]) - tv); d > 1e-5 {
					t.Errorf("fc%d weight [%d,%d]: %v, PyTorch %v", l+1, o, i, w[i*out+o], tv)
				}
			}
		}
	}
}

func rows(flat []float32, cols int) [][]float32 {
	var out [][]float32
	for i := 0; i < len(flat); i += cols {
		out = append(out, flat[i:i+cols])
	}
	return out
}
