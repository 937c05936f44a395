package model

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/deepnrc/deepnrc/nrclib/model/layer"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Stem selects the first layers of a ResNet, before the stages.
type Stem string

const (
	// StemImageNet is torchvision's stem, used by the paper: conv 7×7
	// stride 2 padding 3, BatchNorm, ReLU, max pool 3×3 stride 2 padding 1
	// (a 4× spatial reduction).
	StemImageNet Stem = "imagenet"
	// StemCIFAR is the usual stem for small images: conv 3×3 stride 1
	// padding 1, BatchNorm, ReLU, no pooling.
	StemCIFAR Stem = "cifar"
)

// ConvInit selects how a ResNet initialises its convolution kernels.
type ConvInit string

const (
	// InitTorchvision is torchvision's ResNet initialisation, which the
	// paper's models (torchvision resnet18/34) use: kernels N(0, 2/fan_out)
	// with fan_out = c_out·k·k (kaiming_normal_, mode "fan_out", ReLU gain).
	InitTorchvision ConvInit = "torchvision"
	// InitPyTorchDefault is nn.Conv2d's own default,
	// U(−1/√fan_in, 1/√fan_in) with fan_in = c_in·k·k.
	InitPyTorchDefault ConvInit = "pytorch-default"
)

// ResNetConfig describes a ResNet of BasicBlocks (two 3×3 convolutions
// with BatchNorm, identity shortcut, or a 1×1 convolution + BatchNorm
// shortcut when the stride or width changes), as torchvision builds
// ResNet-18/34: stem, stages, global average pooling, Linear head.
//
// Stage i (1-based) has Blocks[i−1] blocks of width Widths[i−1]; its first
// block has stride 1 for stage 1 and 2 for the others. Whatever the
// initialisation of the convolutions, BatchNorm starts at scale 1, offset 0,
// and the head (a Linear with bias, like torchvision's fc) at PyTorch's
// Linear default U(−1/√in, 1/√in) for weights and biases.
type ResNetConfig struct {
	// Blocks is the number of BasicBlocks per stage: [2,2,2,2] for
	// ResNet-18, [3,4,6,3] for ResNet-34.
	Blocks []int `json:"blocks"`
	// Widths is the number of channels per stage: [64,128,256,512].
	Widths []int `json:"widths"`
	// StemWidth is the number of channels out of the stem; 0 means
	// Widths[0].
	StemWidth int `json:"stem_width,omitempty"`
	// Stem is the stem type; empty means StemImageNet.
	Stem Stem `json:"stem,omitempty"`
	// ConvInit is the kernel initialisation; empty means InitTorchvision.
	ConvInit ConvInit `json:"conv_init,omitempty"`
	// Targets is t, the number of regression outputs.
	Targets int `json:"targets"`
}

// ResNet18 is torchvision's ResNet-18 layout (stages [2,2,2,2], widths
// 64…512, ImageNet stem) with a t-output head; it has 17 probes.
func ResNet18(targets int) ResNetConfig {
	return ResNetConfig{Blocks: []int{2, 2, 2, 2}, Widths: []int{64, 128, 256, 512}, Stem: StemImageNet,
		ConvInit: InitTorchvision, Targets: targets}
}

// ResNet34 is torchvision's ResNet-34 layout (stages [3,4,6,3], widths
// 64…512, ImageNet stem) with a t-output head; it has 33 probes.
func ResNet34(targets int) ResNetConfig {
	return ResNetConfig{Blocks: []int{3, 4, 6, 3}, Widths: []int{64, 128, 256, 512}, Stem: StemImageNet,
		ConvInit: InitTorchvision, Targets: targets}
}

// ReducedResNet18 is the quick-run stand-in for ResNet-18: the same stages
// [2,2,2,2] (so the same 17 probe names) at a quarter of the width (16, 32,
// 64, 128) with the CIFAR stem, meant for 32×32 inputs (spatial sizes 32,
// 16, 8, 4 through the stages). Its convolutions have 1/16 of the
// multiply-adds of full-width ones at the same spatial size;
// BenchmarkReducedResNet18Train measures its training speed.
func ReducedResNet18(targets int) ResNetConfig {
	return ResNetConfig{Blocks: []int{2, 2, 2, 2}, Widths: []int{16, 32, 64, 128}, Stem: StemCIFAR,
		ConvInit: InitTorchvision, Targets: targets}
}

// ResNetSpec is the JSON-serialisable description ResNet.Spec returns.
type ResNetSpec struct {
	// Kind is always "resnet".
	Kind string `json:"kind"`
	ResNetConfig
}

var _ Model = (*ResNet)(nil)

// ResNet is a ResNet of BasicBlocks on NHWC images. Its probes are the
// paper's: the inputs of conv1 and conv2 of every block, named
// "layer<stage>.<block>.conv1/2" (stage from 1, block from 0) and globally
// average-pooled to [B, c_in], plus "fc", the pooled features entering the
// head. The stem and downsample convolutions are not probed.
//
// Variables (relative to the context scope Build is given) follow
// torchvision's names: "conv1/weights" and "bn1/…" for the stem,
// "layer<s>/<b>/conv1/weights", "layer<s>/<b>/bn1/…", "…/conv2", "…/bn2",
// "layer<s>/<b>/downsample/conv/weights" and "…/downsample/bn/…", and
// "fc/weights" [c, t], "fc/biases" [t]. Kernels are HWIO [k, k, c_in, c_out].
type ResNet struct {
	cfg ResNetConfig
}

// NewResNet checks cfg, fills its defaults and returns the ResNet. It also
// calls gomlxfix.Install, which the model's gradients need on the pure-Go
// backend.
func NewResNet(cfg ResNetConfig) (*ResNet, error) {
	gomlxfix.Install()
	if len(cfg.Blocks) == 0 || len(cfg.Blocks) != len(cfg.Widths) {
		return nil, fmt.Errorf("model: ResNet with %d stage block counts and %d stage widths: give one of each per stage, at least one stage",
			len(cfg.Blocks), len(cfg.Widths))
	}
	for i := range cfg.Blocks {
		if cfg.Blocks[i] < 1 || cfg.Widths[i] < 1 {
			return nil, fmt.Errorf("model: ResNet stage %d has %d blocks of width %d: both must be at least 1", i+1, cfg.Blocks[i], cfg.Widths[i])
		}
	}
	if cfg.Targets < 1 {
		return nil, fmt.Errorf("model: ResNet with %d targets: set Targets ≥ 1", cfg.Targets)
	}
	if cfg.StemWidth < 0 {
		return nil, fmt.Errorf("model: ResNet stem width %d: use 0 for the first stage's width, or a positive width", cfg.StemWidth)
	}
	cfg.Blocks = append([]int(nil), cfg.Blocks...)
	cfg.Widths = append([]int(nil), cfg.Widths...)
	if cfg.StemWidth == 0 {
		cfg.StemWidth = cfg.Widths[0]
	}
	switch cfg.Stem {
	case "":
		cfg.Stem = StemImageNet
	case StemImageNet, StemCIFAR:
	default:
		return nil, fmt.Errorf("model: unknown ResNet stem %q: use %q or %q", cfg.Stem, StemImageNet, StemCIFAR)
	}
	switch cfg.ConvInit {
	case "":
		cfg.ConvInit = InitTorchvision
	case InitTorchvision, InitPyTorchDefault:
	default:
		return nil, fmt.Errorf("model: unknown ResNet conv init %q: use %q or %q", cfg.ConvInit, InitTorchvision, InitPyTorchDefault)
	}
	return &ResNet{cfg: cfg}, nil
}

// Config returns the configuration with its defaults filled in.
func (r *ResNet) Config() ResNetConfig {
	c := r.cfg
	c.Blocks = append([]int(nil), c.Blocks...)
	c.Widths = append([]int(nil), c.Widths...)
	return c
}

// block describes one BasicBlock.
type block struct {
	stage, index int // 1-based stage, 0-based block
	in, out      int // channels
	stride       int
}

func (b block) scope(ctx *context.Context) *context.Context {
	return ctx.In(fmt.Sprintf("layer%d", b.stage)).In(fmt.Sprint(b.index))
}

func (b block) name(conv string) string { return fmt.Sprintf("layer%d.%d.%s", b.stage, b.index, conv) }

func (r *ResNet) blocks() []block {
	var bs []block
	in := r.cfg.StemWidth
	for s, n := range r.cfg.Blocks {
		for j := 0; j < n; j++ {
			stride := 1
			if s > 0 && j == 0 {
				stride = 2
			}
			bs = append(bs, block{stage: s + 1, index: j, in: in, out: r.cfg.Widths[s], stride: stride})
			in = r.cfg.Widths[s]
		}
	}
	return bs
}

// Probes lists layer<s>.<b>.conv1, layer<s>.<b>.conv2 for every block in
// order, then fc.
func (r *ResNet) Probes() []Probe {
	var ps []Probe
	for _, b := range r.blocks() {
		ps = append(ps, Probe{Name: b.name("conv1"), Width: b.in}, Probe{Name: b.name("conv2"), Width: b.out})
	}
	return append(ps, Probe{Name: "fc", Width: r.cfg.Widths[len(r.cfg.Widths)-1]})
}

func (r *ResNet) init() layer.ConvInit {
	if r.cfg.ConvInit == InitPyTorchDefault {
		return layer.InitPyTorchDefault
	}
	return layer.InitKaimingNormalFanOut
}

// convBN is conv (no bias) followed by BatchNorm.
func (r *ResNet) convBN(ctx *context.Context, convScope, bnScope string, x *graph.Node, cout, k, s, p int) *graph.Node {
	h := layer.Conv2D(ctx.In(convScope), x, cout, k, s, p, r.init())
	return layer.BatchNorm(ctx.In(bnScope), h)
}

// Build adds the ResNet to the graph of x [B, H, W, C] (NHWC) and returns
// the predictions [B, Targets] and the probe nodes, each [B, width].
// BatchNorm uses batch statistics when ctx.IsTraining and running
// statistics otherwise.
func (r *ResNet) Build(ctx *context.Context, x *graph.Node) (*graph.Node, []*graph.Node) {
	if x.Rank() != 4 {
		panic(fmt.Errorf("model: ResNet input has shape %s, want NHWC images [batch, height, width, channels]", x.Shape()))
	}
	var h *graph.Node
	switch r.cfg.Stem {
	case StemCIFAR:
		h = layer.Relu(r.convBN(ctx, "conv1", "bn1", x, r.cfg.StemWidth, 3, 1, 1))
	default:
		h = layer.Relu(r.convBN(ctx, "conv1", "bn1", x, r.cfg.StemWidth, 7, 2, 3))
		h = layer.MaxPool2D(h, 3, 2, 1)
	}
	var probes []*graph.Node
	for _, b := range r.blocks() {
		bc := b.scope(ctx)
		probes = append(probes, layer.GlobalAvgPool(h))
		out := layer.Relu(r.convBN(bc, "conv1", "bn1", h, b.out, 3, b.stride, 1))
		probes = append(probes, layer.GlobalAvgPool(out))
		out = r.convBN(bc, "conv2", "bn2", out, b.out, 3, 1, 1)
		shortcut := h
		if b.stride != 1 || b.in != b.out {
			shortcut = r.convBN(bc.In("downsample"), "conv", "bn", h, b.out, 1, b.stride, 0)
		}
		h = layer.Relu(graph.Add(out, shortcut))
	}
	feat := layer.GlobalAvgPool(h)
	probes = append(probes, feat)
	return layer.Linear(ctx.In("fc"), feat, r.cfg.Targets, true), probes
}

// Weights reads the probed layers' weights from ctx (the context, or one in
// the same scope, that Build was given): each probed convolution's kernel
// via nrc.ConvWeightHWIO and the head via nrc.DenseWeightInOut.
func (r *ResNet) Weights(ctx *context.Context) ([]*nrc.Weight, error) {
	var ws []*nrc.Weight
	for _, b := range r.blocks() {
		for _, c := range []struct {
			conv    string
			in, out int
		}{{"conv1", b.in, b.out}, {"conv2", b.out, b.out}} {
			data, err := readVariable(b.scope(ctx).In(c.conv), layer.WeightsName, 9*c.in*c.out)
			if err != nil {
				return nil, err
			}
			w, err := nrc.ConvWeightHWIO(3, 3, c.in, c.out, data)
			if err != nil {
				return nil, fmt.Errorf("model: %s: %w", b.name(c.conv), err)
			}
			ws = append(ws, w)
		}
	}
	last := r.cfg.Widths[len(r.cfg.Widths)-1]
	data, err := readVariable(ctx.In("fc"), layer.WeightsName, last*r.cfg.Targets)
	if err != nil {
		return nil, err
	}
	w, err := nrc.DenseWeightInOut(last, r.cfg.Targets, data)
	if err != nil {
		return nil, fmt.Errorf("model: fc: %w", err)
	}
	return append(ws, w), nil
}

// Spec returns a ResNetSpec.
func (r *ResNet) Spec() any { return ResNetSpec{Kind: "resnet", ResNetConfig: r.Config()} }
