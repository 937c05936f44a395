package sweep

import (
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/stats"
	"github.com/deepnrc/deepnrc/nrclib/train"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Cost is the estimated cost of one run.
type Cost struct {
	// Epochs and Steps are the run's epochs and optimiser steps.
	Epochs int   `json:"epochs"`
	Steps  int64 `json:"steps"`
	// Params is the number of trained weights.
	Params int64 `json:"params"`
	// FLOPs counts the floating-point operations of the training steps
	// (forward and backward), the test pass after every epoch and the
	// measuring passes (forward pass, co-moments and metrics).
	FLOPs float64 `json:"flops"`
	// Memory is the estimated peak memory of the process training it:
	// the data, the weights with their gradients and momentum, the
	// activations of a training and an evaluation batch (with their
	// im2col buffers for a ResNet), the measurement's statistics and the
	// runtime's own.
	Memory int64 `json:"memory_bytes"`
	// Seconds is the time it is expected to take on the machine of the
	// plan with all its cores: FLOPs at the plan's training rate
	// (Plan.GFLOPS).
	Seconds float64 `json:"seconds"`
}

// Duration is Seconds as a duration.
func (c Cost) Duration() time.Duration { return time.Duration(c.Seconds * float64(time.Second)) }

// baseMemory is what a deepnrc process takes before any run: the binary,
// the Go runtime and GoMLX's compiled graphs.
const baseMemory = 128 << 20

// metricWork is the cost of a probe's metrics (eigen- and singular-value
// decompositions of its width × width statistics, on the host with gonum)
// in training-rate FLOPs per width³: about 20·w³ operations that run at an
// eighth of the training rate. The README's metric-pass benchmark (8 layers
// of width 512 in 2.7 s beyond the pass over the samples, on the 2-core
// machine where the Swimmer MLP trains at about 60 GFLOP/s) gives 160.
const metricWork = 160

// arch is what the cost model needs of a network on one sample.
type arch struct {
	forward float64 // FLOPs of the forward pass of one sample
	params  int64
	// acts is the activations of one sample kept for the backward pass
	// (floats); im2col the largest im2col buffer of one sample (floats).
	acts, im2col int64
	probes       []int // probe widths
}

// archOf describes m (built from spec for ds).
func archOf(spec runs.Model, ds *data.Dataset, m model.Model) (arch, error) {
	var a arch
	for _, p := range m.Probes() {
		a.probes = append(a.probes, p.Width)
	}
	if spec.MLP != nil {
		for i, w := range a.probes {
			out := ds.TargetDim
			if i+1 < len(a.probes) {
				out = a.probes[i+1]
			}
			a.forward += 2 * float64(w) * float64(out)
			a.params += int64(w) * int64(out)
			if spec.MLP.Bias {
				a.params += int64(out)
			}
			a.acts += 2 * int64(out) // pre- and post-activation
		}
		return a, nil
	}
	r, ok := m.(*model.ResNet)
	if !ok || len(ds.InputShape) != 3 {
		return a, fmt.Errorf("sweep: no cost model for %T on input %v", m, ds.InputShape)
	}
	cfg := r.Config()
	h, w, c := ds.InputShape[0], ds.InputShape[1], ds.InputShape[2]
	conv := func(cin, cout, k, stride, pad int) {
		h = (h+2*pad-k)/stride + 1
		w = (w+2*pad-k)/stride + 1
		out := int64(h) * int64(w) * int64(cout)
		a.forward += 2 * float64(out) * float64(k*k*cin)
		a.params += int64(k*k*cin) * int64(cout)
		a.acts += 3 * out // convolution, batch norm, ReLU
		a.im2col = max(a.im2col, int64(h)*int64(w)*int64(k*k*cin))
	}
	if cfg.Stem == model.StemCIFAR {
		conv(c, cfg.StemWidth, 3, 1, 1)
	} else {
		conv(c, cfg.StemWidth, 7, 2, 3)
		h, w = (h+2-3)/2+1, (w+2-3)/2+1 // max pool 3×3 stride 2 padding 1
		a.acts += int64(h) * int64(w) * int64(cfg.StemWidth)
	}
	cin := cfg.StemWidth
	for s, n := range cfg.Blocks {
		for b := 0; b < n; b++ {
			stride := 1
			if b == 0 && s > 0 {
				stride = 2
			}
			cout := cfg.Widths[s]
			h0, w0 := h, w
			conv(cin, cout, 3, stride, 1)
			conv(cout, cout, 3, 1, 1)
			if stride != 1 || cin != cout {
				h1, w1 := h, w
				h, w = h0, w0
				conv(cin, cout, 1, stride, 0)
				h, w = h1, w1
			}
			cin = cout
		}
	}
	a.forward += 2 * float64(cin) * float64(ds.TargetDim)
	a.params += int64(cin+1) * int64(ds.TargetDim)
	return a, nil
}

// estimate returns the cost of training cfg on ds with the network a, on a
// machine multiplying matrices at gflops.
func estimate(a arch, cfg train.Config, ds *data.Dataset, gflops float64) Cost {
	c := cfg.WithDefaults()
	bs := min(c.BatchSize, ds.Train.N)
	stepsPerEpoch := int64(ds.Train.N / bs)
	if !c.DropLast && ds.Train.N%bs != 0 {
		stepsPerEpoch++
	}
	samplesPerEpoch := float64(ds.Train.N)
	if c.DropLast {
		samplesPerEpoch = float64(stepsPerEpoch) * float64(bs)
	}
	t := ds.TargetDim
	perEpoch := samplesPerEpoch*3*a.forward + float64(ds.Test.N)*a.forward
	measure := float64(ds.Train.N) * a.forward
	var statsBytes int64
	widest := 0
	for _, w := range a.probes {
		measure += float64(ds.Train.N) * 2 * float64(w) * float64(w+t)
		measure += metricWork * math.Pow(float64(w), 3)
		statsBytes += stats.Bytes(w, t)
		widest = max(widest, w)
	}
	cost := Cost{Epochs: c.Epochs, Steps: int64(c.Epochs) * stepsPerEpoch, Params: a.params}
	cost.FLOPs = float64(c.Epochs)*perEpoch + float64(len(c.MeasureEpochs))*measure
	eval := int64(min(c.EvalBatchSize, max(ds.Train.N, ds.Test.N)))
	samples := int64(ds.Train.N + ds.Test.N)
	cost.Memory = baseMemory +
		samples*int64(ds.InputSize()+t)*4 + // the data, float32
		a.params*4*4 + // weights, gradients, momentum, update
		int64(bs)*(2*a.acts+2*a.im2col)*4 + // training batch: activations and their gradients
		eval*(a.acts+a.im2col)*4 + // evaluation batch
		statsBytes + stats.ScratchBytes(widest, t)
	if gflops > 0 {
		cost.Seconds = cost.FLOPs / (gflops * 1e9)
	}
	return cost
}

// MeasureGFLOPS returns the rate at which this machine trains, in GFLOP/s
// of a training step's matrix products: it times steps of the Swimmer MLP
// (8 → 256 ×7 → 2, batch 128, deepnrc bench's swimmer-mlp) on the shared
// backend for about a third of a second after compiling them. Small
// products, graph execution and the element-wise work are in the rate, so
// the estimates hold for the paper's MLPs; for wide networks and ResNets
// they err long.
func MeasureGFLOPS() (float64, error) {
	b, err := backend.Shared()
	if err != nil {
		return 0, err
	}
	const in, hidden, out, layers, batch = 8, 256, 2, 8, 128
	m, err := model.NewMLP(model.MLPConfig{InputDim: in, Hidden: hidden, Targets: out, Layers: layers})
	if err != nil {
		return 0, err
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		return 0, err
	}
	step, err := train.NewStep(b, ctx, m, train.SGD{Momentum: 0.9}, []int{in}, out)
	if err != nil {
		return 0, err
	}
	x, y := make([]float32, batch*in), make([]float32, batch*out)
	for i := range x {
		x[i] = float32(i%13)/13 - 0.5
	}
	for i := range y {
		y[i] = float32(i%5)/5 - 0.5
	}
	if _, err := step.Run(x, y, batch, 1e-3); err != nil { // compiles
		return 0, err
	}
	// The matrix products of one step: forward and weight gradient of
	// every layer, input gradient of all but the first.
	flops := 2.0 * 2 * batch * (in*hidden + (layers-2)*hidden*hidden + hidden*out)
	flops += 2.0 * batch * ((layers-2)*hidden*hidden + hidden*out)
	steps, start := 0, time.Now()
	for steps < 3 || time.Since(start) < 300*time.Millisecond {
		if _, err := step.Run(x, y, batch, 1e-3); err != nil {
			return 0, err
		}
		steps++
	}
	return flops * float64(steps) / time.Since(start).Seconds() / 1e9, nil
}

// cores is the number of cores Seconds assumes.
func cores() int { return runtime.GOMAXPROCS(0) }
