package model

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestNewMLPRejectsBadConfigs(t *testing.T) {
	for _, cfg := range []MLPConfig{
		{InputDim: 0, Hidden: 4, Targets: 1, Layers: 3},
		{InputDim: 3, Hidden: 4, Targets: 0, Layers: 3},
		{InputDim: 3, Hidden: 4, Targets: 1, Layers: 0},
		{InputDim: 3, Hidden: 0, Targets: 1, Layers: 3},
		{InputDim: 3, Hidden: 4, Targets: 1, Layers: 3, Norm: "groupnorm"},
	} {
		if _, err := NewMLP(cfg); err == nil {
			t.Errorf("NewMLP(%+v) accepted a bad config", cfg)
		}
	}
}

func TestMLPProbesAndSpec(t *testing.T) {
	m, err := NewMLP(MLPConfig{InputDim: 11, Hidden: 32, Targets: 3, Layers: 8})
	if err != nil {
		t.Fatal(err)
	}
	ps := m.Probes()
	if len(ps) != 8 {
		t.Fatalf("8-layer MLP has %d probes, want 8", len(ps))
	}
	for k, p := range ps {
		wantW := 32
		if k == 0 {
			wantW = 11
		}
		if p.Name != "fc"+string(rune('1'+k)) || p.Width != wantW {
			t.Errorf("probe %d = %+v, want fc%d of width %d", k, p, k+1, wantW)
		}
	}
	js, err := json.Marshal(m.Spec())
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"kind":"mlp","input_dim":11,"hidden":32,"targets":3,"layers":8}`; string(js) != want {
		t.Errorf("spec JSON = %s, want %s", js, want)
	}
}

// TestMLPForwardMatchesPlainGo recomputes the network from its weights in
// plain Go: predictions, and each probe as the input of its Linear layer.
func TestMLPForwardMatchesPlainGo(t *testing.T) {
	for _, bias := range []bool{false, true} {
		t.Run(fmt.Sprintf("bias=%v", bias), func(t *testing.T) { testMLPForward(t, bias) })
	}
}

func testMLPForward(t *testing.T, bias bool) {
	const b, din, h, tgt, L = 5, 4, 6, 2, 4
	m, err := NewMLP(MLPConfig{InputDim: din, Hidden: h, Targets: tgt, Layers: L, Bias: bias})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	x := randFloat32(rand.New(rand.NewPCG(1, 1)), b*din)
	pred, probes := forward(t, ctx, m, x, []int{b, din}, false)
	ws, err := m.Weights(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := m.Biases(ctx)
	if err != nil || (bias != (bs != nil)) {
		t.Fatalf("biases %v, %v (bias %v)", bs, err, bias)
	}
	if len(ws) != L || len(probes) != L {
		t.Fatalf("%d weights and %d probes, want %d", len(ws), len(probes), L)
	}
	// Plain-Go forward pass with the weights as the nrc package holds them (in×out).
	act := make([]float64, len(x))
	for i, v := range x {
		act[i] = float64(v)
	}
	in := din
	for k := 0; k < L; k++ {
		for i, v := range act {
			if d := math.Abs(v - float64(probes[k][i])); d > 1e-5 {
				t.Fatalf("probe fc%d value %d = %g, plain Go gives %g", k+1, i, probes[k][i], v)
			}
		}
		r, out := ws[k].M.Dims()
		if r != in {
			t.Fatalf("fc%d weight has %d input rows, want %d", k+1, r, in)
		}
		next := make([]float64, b*out)
		for s := 0; s < b; s++ {
			for o := 0; o < out; o++ {
				var sum float64
				if bias {
					sum = bs[k][o]
					if sum == 0 || math.Abs(sum) > 1/math.Sqrt(float64(in)) {
						t.Fatalf("fc%d bias %d = %g, want a draw of U(±1/√%d)", k+1, o, sum, in)
					}
				}
				for i := 0; i < in; i++ {
					sum += act[s*in+i] * ws[k].M.At(i, o)
				}
				if k < L-1 {
					sum = math.Max(sum, 0)
				}
				next[s*out+o] = sum
			}
		}
		act, in = next, out
	}
	for i, v := range act {
		if d := math.Abs(v - float64(pred[i])); d > 1e-5 {
			t.Fatalf("prediction %d = %g, plain Go gives %g", i, pred[i], v)
		}
	}
}

// TestMLPInitIsPyTorchDefault checks U(−1/√fan_in, 1/√fan_in): the
// empirical bound approaches 1/√fan_in, the std is 1/√(3·fan_in), the mean
// is 0, and a seed makes it reproducible.
func TestMLPInitIsPyTorchDefault(t *testing.T) {
	const din, h = 400, 300
	m, err := NewMLP(MLPConfig{InputDim: din, Hidden: h, Targets: 1, Layers: 2})
	if err != nil {
		t.Fatal(err)
	}
	weights := func(seed int64) []float64 {
		ctx := context.New()
		if err := ctx.SetRNGStateFromSeed(seed); err != nil {
			t.Fatal(err)
		}
		forward(t, ctx, m, make([]float32, din), []int{1, din}, false)
		w, err := readVariable(ctx.In("fc1"), "weights", din*h)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	w := weights(42)
	bound := 1 / math.Sqrt(din)
	var sum, sq, maxAbs float64
	for _, v := range w {
		sum += v
		sq += v * v
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	n := float64(len(w))
	mean := sum / n
	std := math.Sqrt(sq/n - mean*mean)
	wantStd := 1 / math.Sqrt(3*din)
	t.Logf("fan_in %d: max|w| = %.5f (bound %.5f), std = %.5f (want %.5f), mean = %.1e", din, maxAbs, bound, std, wantStd, mean)
	if maxAbs > bound || maxAbs < 0.999*bound {
		t.Errorf("max |w| = %g, want just under the bound %g", maxAbs, bound)
	}
	// Standard error of the std estimate is about std/√(2.5n) ≈ 0.2%.
	if math.Abs(std-wantStd) > 0.01*wantStd {
		t.Errorf("std = %g, want %g ± 1%%", std, wantStd)
	}
	if math.Abs(mean) > 5*wantStd/math.Sqrt(n) {
		t.Errorf("mean = %g, want 0 within 5 standard errors", mean)
	}
	w2, w3 := weights(42), weights(43)
	same, diff := true, false
	for i := range w {
		same = same && w[i] == w2[i]
		diff = diff || w[i] != w3[i]
	}
	if !same {
		t.Error("the same seed gave different weights")
	}
	if !diff {
		t.Error("different seeds gave the same weights")
	}
}

func TestMLPNormVariantsTrain(t *testing.T) {
	const b, din = 32, 5
	rng := rand.New(rand.NewPCG(2, 2))
	x := randFloat32(rng, b*din)
	y := make([]float32, b)
	for s := 0; s < b; s++ {
		y[s] = x[s*din] - 0.5*x[s*din+1]*x[s*din+2]
	}
	for _, norm := range []Norm{NormNone, NormLayer, NormBatch} {
		name := string(norm)
		if name == "" {
			name = "none"
		}
		t.Run(name, func(t *testing.T) {
			m, err := NewMLP(MLPConfig{InputDim: din, Hidden: 16, Targets: 1, Layers: 4, Norm: norm})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.New()
			if err := ctx.SetRNGStateFromSeed(3); err != nil {
				t.Fatal(err)
			}
			s := newSGD(t, ctx, m, []int{b, din}, 1, 0.2)
			first := s.step(t, x, y)
			var last float32
			for i := 0; i < 100; i++ {
				last = s.step(t, x, y)
			}
			t.Logf("norm %q: loss %.4f → %.4f", norm, first, last)
			if !(last < 0.5*first) {
				t.Errorf("loss went from %g to %g in 100 steps, want at least halved", first, last)
			}
			if _, err := m.Weights(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestMLPWeightsNeedABuiltContext(t *testing.T) {
	m, err := NewMLP(MLPConfig{InputDim: 3, Hidden: 4, Targets: 1, Layers: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Weights(context.New())
	if err == nil || !strings.Contains(err.Error(), "fc1") {
		t.Errorf("Weights on an empty context: error %v, want one naming fc1", err)
	}
}
