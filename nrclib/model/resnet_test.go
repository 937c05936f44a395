package model

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestResNetProbeCounts(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  ResNetConfig
		want int
	}{
		{"ResNet-18", ResNet18(2), 17},
		{"ResNet-34", ResNet34(1), 33},
		{"reduced ResNet-18", ReducedResNet18(2), 17},
	} {
		m, err := NewResNet(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		ps := m.Probes()
		if len(ps) != c.want {
			t.Errorf("%s: %d probes, want %d", c.name, len(ps), c.want)
			continue
		}
		// Names and widths as the paper's hooks see them.
		if ps[0].Name != "layer1.0.conv1" || ps[1].Name != "layer1.0.conv2" || ps[len(ps)-1].Name != "fc" {
			t.Errorf("%s: probes start %q, %q and end %q", c.name, ps[0].Name, ps[1].Name, ps[len(ps)-1].Name)
		}
		w := c.cfg.Widths
		if ps[len(ps)-1].Width != w[3] || ps[0].Width != w[0] {
			t.Errorf("%s: fc width %d (want %d), first width %d (want %d)", c.name, ps[len(ps)-1].Width, w[3], ps[0].Width, w[0])
		}
		// The first conv of stage 2 reads stage 1's width; its conv2 reads stage 2's.
		stage2 := 2 * c.cfg.Blocks[0]
		if ps[stage2].Name != "layer2.0.conv1" || ps[stage2].Width != w[0] || ps[stage2+1].Width != w[1] {
			t.Errorf("%s: stage-2 probes %+v %+v, want layer2.0.conv1 of width %d then width %d", c.name, ps[stage2], ps[stage2+1], w[0], w[1])
		}
	}
	ps, _ := NewResNet(ResNet34(1))
	names := ""
	for _, p := range ps.Probes()[:8] {
		names += p.Name + " "
	}
	if want := "layer1.0.conv1 layer1.0.conv2 layer1.1.conv1 layer1.1.conv2 layer1.2.conv1 layer1.2.conv2 layer2.0.conv1 layer2.0.conv2 "; names != want {
		t.Errorf("ResNet-34 probe names %q, want %q", names, want)
	}
}

func TestNewResNetRejectsBadConfigs(t *testing.T) {
	good := ReducedResNet18(1)
	for i, mod := range []func(c *ResNetConfig){
		func(c *ResNetConfig) { c.Blocks = nil },
		func(c *ResNetConfig) { c.Widths = c.Widths[:3] },
		func(c *ResNetConfig) { c.Blocks = []int{2, 0, 2, 2} },
		func(c *ResNetConfig) { c.Targets = 0 },
		func(c *ResNetConfig) { c.Stem = "vit" },
		func(c *ResNetConfig) { c.ConvInit = "xavier" },
		func(c *ResNetConfig) { c.StemWidth = -1 },
	} {
		c := good
		c.Blocks = append([]int(nil), good.Blocks...)
		c.Widths = append([]int(nil), good.Widths...)
		mod(&c)
		if _, err := NewResNet(c); err == nil {
			t.Errorf("bad config %d accepted: %+v", i, c)
		}
	}
	m, err := NewResNet(ResNetConfig{Blocks: []int{1}, Widths: []int{8}, Targets: 1})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(m.Spec())
	if want := `{"kind":"resnet","blocks":[1],"widths":[8],"stem_width":8,"stem":"imagenet","conv_init":"torchvision","targets":1}`; string(js) != want {
		t.Errorf("spec %s, want %s", js, want)
	}
}

// TestResNet18ProbeShapes builds full-width ResNet-18 and -34 graphs
// (ImageNet stem, 32×32 input) without running them, and checks every
// probe's shape and the variables the probes' weights come from.
func TestResNet18ProbeShapes(t *testing.T) {
	for _, cfg := range []ResNetConfig{ResNet18(2), ResNet34(1)} {
		m, err := NewResNet(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.New()
		g := graph.NewGraph(testBackend, "probe-shapes")
		x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 2, 32, 32, 3))
		pred, probes := m.Build(ctx, x)
		if got := pred.Shape().Dimensions; len(got) != 2 || got[0] != 2 || got[1] != cfg.Targets {
			t.Errorf("prediction shape %v, want [2 %d]", got, cfg.Targets)
		}
		ps := m.Probes()
		if len(probes) != len(ps) {
			t.Fatalf("%d probe nodes, %d probes", len(probes), len(ps))
		}
		for i, p := range probes {
			if d := p.Shape().Dimensions; len(d) != 2 || d[0] != 2 || d[1] != ps[i].Width {
				t.Errorf("probe %s has shape %v, want [2 %d]", ps[i].Name, d, ps[i].Width)
			}
		}
		for _, scope := range []string{"/conv1", "/layer1/0/conv1", "/layer4/1/conv2", "/layer2/0/downsample/conv", "/fc"} {
			if ctx.GetVariableByScopeAndName(scope, "weights") == nil {
				t.Errorf("no variable %s/weights", scope)
			}
		}
		if ctx.GetVariableByScopeAndName("/layer1/0/downsample/conv", "weights") != nil {
			t.Error("layer1.0 has a downsample conv, but its shape does not change")
		}
		if v := ctx.GetVariableByScopeAndName("/layer3/0/bn2", "running_var"); v == nil || v.Trainable {
			t.Error("BatchNorm running variance missing or trainable")
		}
		g.Finalize()
	}
}

// tinyResNet is small enough for unit tests: 8×8 images, two stages.
func tinyResNet(t *testing.T, stem Stem) *ResNet {
	m, err := NewResNet(ResNetConfig{Blocks: []int{1, 1}, Widths: []int{4, 8}, Stem: stem, Targets: 2})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestResNetProbesArePooledConvInputs recomputes, from the probe outputs
// and weights, what must hold: the fc probe feeds the head (pred = fc·W+b),
// probes are channel means of post-ReLU maps (non-negative), and the conv
// weights have the probe's width as input dimension.
func TestResNetProbesArePooledConvInputs(t *testing.T) {
	m := tinyResNet(t, StemCIFAR)
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(5); err != nil {
		t.Fatal(err)
	}
	const b = 3
	x := randFloat32(rand.New(rand.NewPCG(4, 4)), b*8*8*3)
	pred, probes := forward(t, ctx, m, x, []int{b, 8, 8, 3}, false)
	ws, err := m.Weights(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ps := m.Probes()
	if len(ws) != len(ps) {
		t.Fatalf("%d weights for %d probes", len(ws), len(ps))
	}
	for i, p := range ps {
		if ws[i].In() != p.Width {
			t.Errorf("weight of %s has %d inputs, probe width %d", p.Name, ws[i].In(), p.Width)
		}
		if i < len(ps)-1 && (!ws[i].Conv || func() bool { _, c := ws[i].M.Dims(); return c != 9*widthOut(ps, i) }()) {
			t.Errorf("weight of %s is not a 3×3 conv kernel", p.Name)
		}
		for _, v := range probes[i] {
			if v < 0 {
				t.Errorf("probe %s has a negative value %g, but it pools post-ReLU activations", p.Name, v)
				break
			}
		}
	}
	bias, err := readVariable(ctx.In("fc"), "biases", 2)
	if err != nil {
		t.Fatal(err)
	}
	fc := probes[len(probes)-1]
	W := ws[len(ws)-1].M
	for s := 0; s < b; s++ {
		for o := 0; o < 2; o++ {
			want := bias[o]
			for i := 0; i < 8; i++ {
				want += float64(fc[s*8+i]) * W.At(i, o)
			}
			if math.Abs(want-float64(pred[s*2+o])) > 1e-5 {
				t.Errorf("prediction [%d,%d] = %g, fc probe · head gives %g", s, o, pred[s*2+o], want)
			}
		}
	}
}

// widthOut is the output width of the conv of probe i (its next conv2
// probe's width, or the same block's).
func widthOut(ps []Probe, i int) int {
	if i%2 == 0 {
		return ps[i+1].Width
	}
	return ps[i].Width
}

// TestResNetTrainsOnPureGo trains a tiny ResNet for a few SGD steps on
// one batch on simplego (im2col convolutions, gomlxfix gradients) and
// checks that the loss falls and nothing deadlocks or panics.
func TestResNetTrainsOnPureGo(t *testing.T) {
	for _, stem := range []Stem{StemCIFAR, StemImageNet} {
		t.Run(string(stem), func(t *testing.T) {
			m := tinyResNet(t, stem)
			size := 8
			if stem == StemImageNet {
				size = 16
			}
			const b = 8
			rng := rand.New(rand.NewPCG(6, 6))
			x := randFloat32(rng, b*size*size*3)
			y := make([]float32, b*2)
			for s := 0; s < b; s++ {
				var m0, m1 float32
				for p := 0; p < size*size; p++ {
					m0 += x[(s*size*size+p)*3]
					m1 += x[(s*size*size+p)*3+1]
				}
				y[2*s], y[2*s+1] = 5*m0/float32(size*size)+1, -5*m1/float32(size*size)
			}
			ctx := context.New()
			if err := ctx.SetRNGStateFromSeed(7); err != nil {
				t.Fatal(err)
			}
			s := newSGD(t, ctx, m, []int{b, size, size, 3}, 2, 0.05)
			first := s.step(t, x, y)
			var last float32
			for i := 0; i < 15; i++ {
				last = s.step(t, x, y)
			}
			t.Logf("%s stem, %d×%d: loss %.4f → %.4f after 16 steps", stem, size, size, first, last)
			if !(last < 0.5*first) || math.IsNaN(float64(last)) {
				t.Errorf("loss went from %g to %g, want at least halved", first, last)
			}
			// Inference mode after training uses the running statistics.
			pred, _ := forward(t, ctx, m, x, []int{b, size, size, 3}, false)
			for _, v := range pred {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("inference prediction %v", v)
				}
			}
		})
	}
}

func ExampleResNet_Probes() {
	m, err := NewResNet(ResNet18(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	ps := m.Probes()
	fmt.Println(len(ps), "probes")
	for _, p := range ps[:3] {
		fmt.Println(p.Name, p.Width)
	}
	fmt.Println(ps[len(ps)-1].Name, ps[len(ps)-1].Width)
	// Output:
	// 17 probes
	// layer1.0.conv1 64
	// layer1.0.conv2 64
	// layer1.1.conv1 64
	// fc 512
}
