// Package bench measures how fast deepnrc trains, against PyTorch and
// against the matrix-product floor of GoMLX's pure-Go backend. It is the
// logic behind `deepnrc bench train`.
//
// For every case (a model and a batch size) it times, in one process and
// interleaved round by round so that all see the same machine load:
//
//   - deepnrc: train.Step (SGD with momentum and coupled weight decay, MSE)
//     on one fixed random batch;
//   - PyTorch: the same model, optimiser and batch in torch_bench.py, run
//     with /usr/bin/python3 (Debian's python3-torch) as a line-oriented
//     server;
//   - the floor: the step's matrix products alone, layer after layer
//     (forward x·W, weight gradient xᵀ·g and input gradient g·Wᵀ, none
//     for the first layer's input), each layer's products in one graph fed
//     random inputs of the right shapes. Its step rate is what the backend
//     would reach if the step did nothing but those products.
//
// Each number is the best of the rounds (the least disturbed). GFLOP/s use
// the nominal 2·M·K·N of each product for all three, so they compare
// directly.
package bench

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TorchScript is the PyTorch side of the benchmark (bench/torch_bench.py).
//
//go:embed torch_bench.py
var TorchScript []byte

// Matmul is one matrix product of a training step's forward pass,
// [M,K]·[K,N]. InputGrad says whether the backward pass also needs the
// gradient with respect to the left operand (false for the first layer,
// whose left operand is the data).
type Matmul struct {
	M, K, N   int
	InputGrad bool
}

// FLOPs returns the nominal floating-point operations of the product and
// of its backward products.
func (m Matmul) FLOPs() float64 {
	n := 2.0 // forward and weight gradient
	if m.InputGrad {
		n++
	}
	return n * 2 * float64(m.M) * float64(m.K) * float64(m.N)
}

// Case is one benchmark: a model trained on batches of Batch samples.
type Case struct {
	Name       string
	Model      model.Model
	InputShape []int
	TargetDim  int
	Batch      int
	// Matmuls are the products of one training step (see Matmul).
	Matmuls []Matmul
	// Torch is the case's request for torch_bench.py, without name, steps
	// and optimiser settings.
	Torch map[string]any
}

// FLOPs returns the nominal matrix-product operations of one step.
func (c *Case) FLOPs() float64 {
	var f float64
	for _, m := range c.Matmuls {
		f += m.FLOPs()
	}
	return f
}

// MLPCase returns the case of a bias-free MLP in→hidden×(layers−1)→out, as
// model.NewMLP builds it, at the given batch size.
func MLPCase(name string, in, hidden, out, layers, batch int) (Case, error) {
	m, err := model.NewMLP(model.MLPConfig{InputDim: in, Hidden: hidden, Targets: out, Layers: layers})
	if err != nil {
		return Case{}, err
	}
	c := Case{Name: name, Model: m, InputShape: []int{in}, TargetDim: out, Batch: batch}
	var shapes [][2]int
	for l := 0; l < layers; l++ {
		fin, fout := hidden, hidden
		if l == 0 {
			fin = in
		}
		if l == layers-1 {
			fout = out
		}
		shapes = append(shapes, [2]int{fin, fout})
		c.Matmuls = append(c.Matmuls, Matmul{M: batch, K: fin, N: fout, InputGrad: l > 0})
	}
	c.Torch = map[string]any{"kind": "mlp", "layers": shapes, "batch": batch}
	return c, nil
}

// ResNetCase returns the case of model.NewResNet(cfg) (which must use the
// CIFAR stem) on size×size×3 images. Its products are the convolutions as
// the model computes them (im2col: [B·Ho·Wo, k·k·Cin]·[k·k·Cin, Cout]) and
// the head.
func ResNetCase(name string, cfg model.ResNetConfig, size, batch int) (Case, error) {
	if cfg.Stem != model.StemCIFAR {
		return Case{}, fmt.Errorf("bench: only the CIFAR stem is benchmarked (the PyTorch side has no ImageNet stem)")
	}
	r, err := model.NewResNet(cfg)
	if err != nil {
		return Case{}, err
	}
	cfg = r.Config()
	c := Case{Name: name, Model: r, InputShape: []int{size, size, 3}, TargetDim: cfg.Targets, Batch: batch}
	conv := func(hw, cin, cout, k, stride, pad int, inputGrad bool) int {
		ho := (hw+2*pad-k)/stride + 1
		c.Matmuls = append(c.Matmuls, Matmul{M: batch * ho * ho, K: k * k * cin, N: cout, InputGrad: inputGrad})
		return ho
	}
	hw := conv(size, 3, cfg.StemWidth, 3, 1, 1, false)
	cin := cfg.StemWidth
	for s, n := range cfg.Blocks {
		for b := 0; b < n; b++ {
			stride := 1
			if b == 0 && s > 0 {
				stride = 2
			}
			w := cfg.Widths[s]
			ho := conv(hw, cin, w, 3, stride, 1, true)
			conv(ho, w, w, 3, 1, 1, true)
			if stride != 1 || cin != w {
				conv(hw, cin, w, 1, stride, 0, true)
			}
			hw, cin = ho, w
		}
	}
	c.Matmuls = append(c.Matmuls, Matmul{M: batch, K: cin, N: cfg.Targets, InputGrad: true})
	c.Torch = map[string]any{"kind": "resnet", "blocks": cfg.Blocks, "widths": cfg.Widths,
		"stem_width": cfg.StemWidth, "targets": cfg.Targets, "image": []int{size, size, 3}, "batch": batch}
	return c, nil
}

// DefaultCases are the paper-sized MLPs (Swimmer, SGEMM, the synthetic
// runs) and the reduced ResNet-18 of the quick runs.
func DefaultCases() ([]Case, error) {
	var cases []Case
	for _, mk := range []func() (Case, error){
		func() (Case, error) { return MLPCase("swimmer-mlp", 8, 256, 2, 8, 128) },
		func() (Case, error) { return MLPCase("sgemm-mlp", 14, 512, 4, 8, 128) },
		func() (Case, error) { return MLPCase("synthetic-mlp", 20, 1024, 10, 10, 128) },
		func() (Case, error) { return ResNetCase("reduced-resnet18", model.ReducedResNet18(2), 32, 32) },
	} {
		c, err := mk()
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// Optimiser settings of every benchmark step (the paper's momentum; a
// small learning rate so that random targets never diverge).
const (
	benchLR          = 1e-3
	benchMomentum    = 0.9
	benchWeightDecay = 5e-4
)

// Options configure Run.
type Options struct {
	// Steps is the number of timed steps per round (default 20).
	Steps int
	// Rounds is the number of interleaved rounds; each number reported is
	// the best round (default 3).
	Rounds int
	// Python runs torch_bench.py; "" means /usr/bin/python3. "-" skips
	// PyTorch.
	Python string
	// TorchThreads, when > 0, sets PyTorch's intra-op threads
	// (torch.set_num_threads); 0 keeps PyTorch's default. BLAS threads
	// (OpenBLAS) are not changed either way.
	TorchThreads int
	// Stock also times the named cases with GoMLX's stock gradients (no
	// gomlxfix), the slow path the fixes replace.
	Stock []string
	// Baselines are the PyTorch processes to compare with, each timed in
	// every round; nil means one, OpenBLAS's native kernels (see
	// Baseline). Every baseline process runs without OpenBLASOverrides.
	Baselines []Baseline
	// Log, when not nil, receives a line per measurement as it is made.
	Log io.Writer
}

// CaseResult is the measurement of one case.
type CaseResult struct {
	Name  string `json:"name"`
	Batch int    `json:"batch"`
	// GFLOPPerStep is the nominal matrix-product work of one step.
	GFLOPPerStep     float64  `json:"gflop_per_step"`
	DeepNRCStepsPerS float64  `json:"deepnrc_steps_per_s"`
	TorchStepsPerS   *float64 `json:"torch_steps_per_s"`
	// Ratio is DeepNRCStepsPerS / TorchStepsPerS (nil without PyTorch).
	Ratio          *float64 `json:"ratio"`
	FloorStepsPerS float64  `json:"floor_steps_per_s"`
	// StockStepsPerS is the rate with GoMLX's stock gradients, when asked.
	StockStepsPerS *float64 `json:"stock_gomlx_steps_per_s,omitempty"`
	// CPU milliseconds (user + system, all threads) per step, from the
	// same best rounds: unlike the rates, these barely change when other
	// work shares the machine.
	DeepNRCCPUms  float64  `json:"deepnrc_cpu_ms_per_step"`
	TorchCPUms    *float64 `json:"torch_cpu_ms_per_step"`
	FloorCPUms    float64  `json:"floor_cpu_ms_per_step"`
	DeepNRCGFLOPS float64  `json:"deepnrc_gflops"`
	TorchGFLOPS   *float64 `json:"torch_gflops"`
	FloorGFLOPS   float64  `json:"floor_gflops"`
	// Against holds the comparison with every baseline; the Torch* fields
	// and Ratio above repeat the first one's.
	Against []Comparison `json:"against,omitempty"`
}

// Comparison is a case measured by one PyTorch baseline.
type Comparison struct {
	Baseline  string  `json:"baseline"`
	StepsPerS float64 `json:"torch_steps_per_s"`
	CPUms     float64 `json:"torch_cpu_ms_per_step"`
	GFLOPS    float64 `json:"torch_gflops"`
	// Ratio is deepnrc's steps/s over this baseline's.
	Ratio float64 `json:"ratio"`
}

// TorchInfo describes the PyTorch installation that ran.
type TorchInfo struct {
	Version    string `json:"torch_version"`
	NumThreads int    `json:"num_threads"`
	// BLAS is the BLAS_INFO torch was built with; Libraries are the BLAS
	// libraries actually mapped into the process.
	BLAS      string   `json:"blas"`
	Libraries []string `json:"blas_libraries"`
	Config    string   `json:"config"`
	Error     string   `json:"error,omitempty"`
	// OpenBLAS is the OpenBLAS the process loaded, with the kernel it uses.
	OpenBLAS BLASInfo `json:"openblas"`
	// Baseline names how OpenBLAS was run (see Baseline.Name).
	Baseline string `json:"baseline"`
}

// Report is the result of Run.
type Report struct {
	Cases   []CaseResult `json:"cases"`
	Backend string       `json:"backend"`
	NumCPU  int          `json:"num_cpu"`
	Steps   int          `json:"steps"`
	Rounds  int          `json:"rounds"`
	Torch   *TorchInfo   `json:"torch,omitempty"`
	// Baselines describes every PyTorch process (Torch is the first).
	Baselines []*TorchInfo `json:"baselines,omitempty"`
	// TorchThreads is Options.TorchThreads (0: PyTorch's default,
	// Torch.NumThreads).
	TorchThreads int `json:"torch_threads_set,omitempty"`
	// TorchMissing says why PyTorch did not run, when it did not.
	TorchMissing string `json:"torch_missing,omitempty"`
	// LoadBefore and LoadAfter are /proc/loadavg before and after the
	// measurements ("" where unavailable): other work on the machine slows
	// every number, which the interleaving spreads evenly but cannot undo.
	LoadBefore string `json:"loadavg_before,omitempty"`
	LoadAfter  string `json:"loadavg_after,omitempty"`
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Run measures every case on backend b.
func Run(b backends.Backend, cases []Case, opt Options) (*Report, error) {
	if opt.Steps <= 0 {
		opt.Steps = 20
	}
	if opt.Rounds <= 0 {
		opt.Rounds = 3
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", args...)
		}
	}
	rep := &Report{Backend: b.Name() + " " + b.Description(), NumCPU: runtime.NumCPU(), Steps: opt.Steps, Rounds: opt.Rounds,
		LoadBefore: loadAvg(), TorchThreads: opt.TorchThreads}
	defer func() { rep.LoadAfter = loadAvg() }()
	var torches []*torchProc
	if opt.Python != "-" {
		baselines := opt.Baselines
		if len(baselines) == 0 {
			baselines = []Baseline{{}}
		}
		for _, bl := range baselines {
			tp, err := startTorch(opt.Python, bl)
			if err != nil {
				rep.TorchMissing = err.Error()
				logf("PyTorch (%s) not measured: %v", bl.Name(), err)
				continue
			}
			defer tp.close()
			torches = append(torches, tp)
			rep.Baselines = append(rep.Baselines, &tp.info)
			logf("PyTorch baseline %s: OpenBLAS core %q, %d threads", bl.Name(), tp.info.OpenBLAS.Core, tp.info.OpenBLAS.Threads)
		}
		if len(torches) > 0 {
			rep.Torch = &torches[0].info
			rep.TorchMissing = ""
		}
	}
	for _, c := range cases {
		res := CaseResult{Name: c.Name, Batch: c.Batch, GFLOPPerStep: c.FLOPs() / 1e9}
		st, err := newStepper(b, c, false)
		if err != nil {
			return nil, fmt.Errorf("bench: %s: %w", c.Name, err)
		}
		fl, err := newFloor(b, c)
		if err != nil {
			return nil, fmt.Errorf("bench: %s floor: %w", c.Name, err)
		}
		best := make([]timing, len(torches))
		for r := 1; r <= opt.Rounds; r++ {
			v, err := st.rate(opt.Steps)
			if err != nil {
				return nil, fmt.Errorf("bench: %s: %w", c.Name, err)
			}
			if v.stepsPerS > res.DeepNRCStepsPerS {
				res.DeepNRCStepsPerS, res.DeepNRCCPUms = v.stepsPerS, v.cpuMs
			}
			logf("%s round %d: deepnrc %.2f steps/s, %.1f CPU-ms/step", c.Name, r, v.stepsPerS, v.cpuMs)
			for i, tp := range torches {
				tv, err := tp.rate(c, opt.Steps, opt.TorchThreads)
				if err != nil {
					return nil, fmt.Errorf("bench: %s: PyTorch (%s): %w", c.Name, tp.info.Baseline, err)
				}
				best[i] = bestOf(best[i], tv)
				logf("%s round %d: torch (%s) %.2f steps/s, %.1f CPU-ms/step", c.Name, r, tp.info.Baseline, tv.stepsPerS, tv.cpuMs)
			}
			fv, err := fl.rate(opt.Steps)
			if err != nil {
				return nil, fmt.Errorf("bench: %s floor: %w", c.Name, err)
			}
			if fv.stepsPerS > res.FloorStepsPerS {
				res.FloorStepsPerS, res.FloorCPUms = fv.stepsPerS, fv.cpuMs
			}
			logf("%s round %d: floor %.2f steps/s, %.1f CPU-ms/step", c.Name, r, fv.stepsPerS, fv.cpuMs)
		}
		st.close()
		fl.close()
		for _, s := range opt.Stock {
			if s != c.Name {
				continue
			}
			ss, err := newStepper(b, c, true)
			if err != nil {
				return nil, fmt.Errorf("bench: %s stock: %w", c.Name, err)
			}
			v, err := ss.rate(max(2, opt.Steps/4))
			ss.close()
			if err != nil {
				return nil, fmt.Errorf("bench: %s stock: %w", c.Name, err)
			}
			res.StockStepsPerS = &v.stepsPerS
			logf("%s: stock GoMLX %.2f steps/s, %.1f CPU-ms/step", c.Name, v.stepsPerS, v.cpuMs)
		}
		g := c.FLOPs() / 1e9
		res.DeepNRCGFLOPS = res.DeepNRCStepsPerS * g
		res.FloorGFLOPS = res.FloorStepsPerS * g
		for i, tv := range best {
			res.Against = append(res.Against, Comparison{Baseline: torches[i].info.Baseline, StepsPerS: tv.stepsPerS,
				CPUms: tv.cpuMs, GFLOPS: tv.stepsPerS * g, Ratio: res.DeepNRCStepsPerS / tv.stepsPerS})
		}
		if len(res.Against) > 0 {
			a := res.Against[0]
			res.TorchStepsPerS, res.TorchCPUms, res.TorchGFLOPS, res.Ratio = &a.StepsPerS, &a.CPUms, &a.GFLOPS, &a.Ratio
		}
		rep.Cases = append(rep.Cases, res)
	}
	return rep, nil
}

// stepper times train.Step on one fixed random batch.
type stepper struct {
	step *train.Step
	x, y []float32
	rows int
}

func randomBatch(c Case, seed uint64) (x, y []float32) {
	rng := rand.New(rand.NewPCG(seed, 11))
	in := 1
	for _, d := range c.InputShape {
		in *= d
	}
	x = make([]float32, c.Batch*in)
	y = make([]float32, c.Batch*c.TargetDim)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for i := range y {
		y[i] = float32(rng.NormFloat64())
	}
	return x, y
}

// newStepper builds and warms up (compiles) the step; with stock it builds
// the graph with GoMLX's own gradients of the products gomlxfix replaces.
func newStepper(b backends.Backend, c Case, stock bool) (*stepper, error) {
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		return nil, err
	}
	st, err := train.NewStep(b, ctx, c.Model, train.SGD{Momentum: benchMomentum, WeightDecay: benchWeightDecay}, c.InputShape, c.TargetDim)
	if err != nil {
		return nil, err
	}
	s := &stepper{step: st, rows: c.Batch}
	s.x, s.y = randomBatch(c, 1)
	warm := func() error { _, err := s.step.Run(s.x, s.y, s.rows, benchLR); return err }
	if stock {
		err = withStockGradients(warm) // the graph is built on the first run
	} else {
		err = warm()
	}
	if err != nil {
		return nil, err
	}
	return s, warm()
}

func (s *stepper) rate(steps int) (timing, error) {
	t := startTiming()
	for range steps {
		if _, err := s.step.Run(s.x, s.y, s.rows, benchLR); err != nil {
			return timing{}, err
		}
	}
	return t.stop(steps), nil
}

// bestOf keeps the faster of two timings (the least disturbed round).
func bestOf(a, b timing) timing {
	if b.stepsPerS > a.stepsPerS {
		return b
	}
	return a
}

// timing is a measured rate and the process CPU time per step.
type timing struct {
	stepsPerS float64
	cpuMs     float64
	start     time.Time
	cpu0      time.Duration
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startTiming() timing { return timing{start: time.Now(), cpu0: cpuTime()} }

func (t timing) stop(steps int) timing {
	wall := time.Since(t.start)
	cpu := cpuTime() - t.cpu0
	return timing{stepsPerS: float64(steps) / wall.Seconds(), cpuMs: float64(cpu.Microseconds()) / 1e3 / float64(steps)}
}

func (s *stepper) close() { s.step.Finalize() }

// stockVJPs are GoMLX's own gradients of the node types gomlxfix replaces,
// captured at package initialisation, before anything calls
// gomlxfix.Install.
var stockVJPs = func() map[graph.NodeType]graph.VJP {
	m := map[graph.NodeType]graph.VJP{}
	for _, t := range gomlxfix.Replaced() {
		m[t] = graph.VJPRegistration[t]
	}
	return m
}()

// withStockGradients runs fn with GoMLX's stock gradients registered and
// then puts back the current ones. Graphs built inside fn keep the stock
// gradients. It is not safe to build other graphs concurrently.
func withStockGradients(fn func() error) error {
	saved := map[graph.NodeType]graph.VJP{}
	for t, v := range stockVJPs {
		saved[t] = graph.VJPRegistration[t]
		graph.VJPRegistration[t] = v
	}
	defer func() {
		for t, v := range saved {
			graph.VJPRegistration[t] = v
		}
	}()
	return fn()
}

// floor times the case's matrix products alone: one small graph per
// forward product holding it and its backward products (which are
// independent of each other, as in the real step), run one after the other
// as the layers of a step are.
type floor struct {
	execs []*graph.Exec
	args  [][]any
}

func newFloor(b backends.Backend, c Case) (*floor, error) {
	rng := rand.New(rand.NewPCG(2, 3))
	randT := func(r, k int) *tensors.Tensor {
		v := make([]float32, r*k)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return tensors.FromFlatDataAndDimensions(v, r, k)
	}
	f := &floor{}
	for _, m := range c.Matmuls {
		inputGrad := m.InputGrad
		e, err := graph.NewExec(b, func(x, w, g *graph.Node) []*graph.Node {
			out := []*graph.Node{
				graph.Dot(x, w), // forward
				graph.DotGeneral(x, []int{0}, nil, g, []int{0}, nil), // weight gradient xᵀ·g
			}
			if inputGrad {
				out = append(out, graph.DotGeneral(g, []int{1}, nil, w, []int{1}, nil)) // input gradient g·Wᵀ
			}
			return out
		})
		if err != nil {
			return nil, err
		}
		f.execs = append(f.execs, e)
		f.args = append(f.args, []any{randT(m.M, m.K), randT(m.K, m.N), randT(m.M, m.N)})
	}
	if _, err := f.rate(1); err != nil { // compile
		return nil, err
	}
	return f, nil
}

func (f *floor) rate(steps int) (timing, error) {
	t := startTiming()
	for range steps {
		for i, e := range f.execs {
			out, err := e.Exec(f.args[i]...)
			if err != nil {
				return timing{}, err
			}
			for _, o := range out {
				o.FinalizeAll()
			}
		}
	}
	return t.stop(steps), nil
}

func (f *floor) close() {
	for _, e := range f.execs {
		e.Finalize()
	}
}

// torchProc is a running torch_bench.py.
type torchProc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	info TorchInfo
	dir  string
}

// ErrNoTorch is wrapped by the error returned when PyTorch cannot run.
var ErrNoTorch = errors.New("PyTorch is not available (install it with `apt-get install -y python3-torch libopenblas0-pthread`)")

// startTorch starts torch_bench.py for baseline bl (its environment without
// OpenBLASOverrides, plus the forced core if any).
func startTorch(python string, bl Baseline) (*torchProc, error) {
	if python == "" {
		python = "/usr/bin/python3"
	}
	if _, err := exec.LookPath(python); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoTorch, err)
	}
	dir, err := os.MkdirTemp("", "deepnrc-bench-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "torch_bench.py")
	if err := os.WriteFile(script, TorchScript, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(python, script)
	env, removed := bl.env()
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: %v", ErrNoTorch, err)
	}
	p := &torchProc{cmd: cmd, in: in, out: bufio.NewScanner(outPipe), dir: dir}
	p.out.Buffer(make([]byte, 1<<16), 1<<22)
	if !p.out.Scan() {
		p.close()
		return nil, fmt.Errorf("%w: %s exited: %s", ErrNoTorch, python, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(p.out.Bytes(), &p.info); err != nil || p.info.Error != "" {
		p.close()
		if err == nil {
			err = errors.New(p.info.Error)
		}
		return nil, fmt.Errorf("%w: %v", ErrNoTorch, err)
	}
	p.info.Baseline = bl.Name()
	p.info.OpenBLAS.Unset = removed
	return p, nil
}

func (p *torchProc) rate(c Case, steps, threads int) (timing, error) {
	req := map[string]any{"name": c.Name, "steps": steps, "lr": benchLR, "momentum": benchMomentum,
		"weight_decay": benchWeightDecay, "seed": 1, "warmup": 2, "threads": threads}
	for k, v := range c.Torch {
		req[k] = v
	}
	b, err := json.Marshal(req)
	if err != nil {
		return timing{}, err
	}
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		return timing{}, err
	}
	if !p.out.Scan() {
		return timing{}, fmt.Errorf("torch_bench.py stopped answering: %v", p.out.Err())
	}
	var ans struct {
		StepsPerS  float64 `json:"steps_per_s"`
		CPUSeconds float64 `json:"cpu_seconds"`
	}
	if err := json.Unmarshal(p.out.Bytes(), &ans); err != nil {
		return timing{}, fmt.Errorf("torch_bench.py answered %q: %w", p.out.Text(), err)
	}
	return timing{stepsPerS: ans.StepsPerS, cpuMs: ans.CPUSeconds * 1e3 / float64(steps)}, nil
}

func (p *torchProc) close() {
	p.in.Close()
	p.cmd.Wait()
	os.RemoveAll(p.dir)
}

// WriteText writes the report as a table.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "backend: %s, %d CPUs; best of %d rounds of %d steps\n", r.Backend, r.NumCPU, r.Rounds, r.Steps)
	if r.LoadBefore != "" {
		fmt.Fprintf(&b, "load average before: %s, after: %s\n", r.LoadBefore, r.LoadAfter)
	}
	if r.Torch != nil {
		for _, t := range r.Baselines {
			threads := fmt.Sprintf("%d intra-op threads (default)", t.NumThreads)
			if r.TorchThreads > 0 {
				threads = fmt.Sprintf("%d intra-op threads (set; default %d)", r.TorchThreads, t.NumThreads)
			}
			unset := "none set"
			if len(t.OpenBLAS.Unset) > 0 {
				unset = strings.Join(t.OpenBLAS.Unset, " ")
			}
			fmt.Fprintf(&b, "PyTorch %s (%s): %s, OpenBLAS core %s with %d threads (%s); overrides unset for it: %s\n",
				t.Version, t.Baseline, threads, t.OpenBLAS.Core, t.OpenBLAS.Threads, t.OpenBLAS.Library, unset)
		}
	} else {
		fmt.Fprintf(&b, "PyTorch not measured: %s\n", r.TorchMissing)
	}
	fmt.Fprintf(&b, "%-18s %5s %8s | %9s %8s %7s | %9s %8s %7s | %7s | %9s %8s %7s | %9s\n",
		"case", "batch", "GFLOP", "deepnrc/s", "GFLOP/s", "CPU-ms", "torch/s", "GFLOP/s", "CPU-ms", "ratio", "floor/s", "GFLOP/s", "CPU-ms", "stock/s")
	opt := func(v *float64, f string) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf(f, *v)
	}
	for _, c := range r.Cases {
		fmt.Fprintf(&b, "%-18s %5d %8.4f | %9.2f %8.2f %7.1f | %9s %8s %7s | %7s | %9.2f %8.2f %7.1f | %9s\n",
			c.Name, c.Batch, c.GFLOPPerStep, c.DeepNRCStepsPerS, c.DeepNRCGFLOPS, c.DeepNRCCPUms,
			opt(c.TorchStepsPerS, "%.2f"), opt(c.TorchGFLOPS, "%.2f"), opt(c.TorchCPUms, "%.1f"), opt(c.Ratio, "%.3f"),
			c.FloorStepsPerS, c.FloorGFLOPS, c.FloorCPUms, opt(c.StockStepsPerS, "%.2f"))
	}
	for _, c := range r.Cases {
		for _, a := range c.Against[min(1, len(c.Against)):] {
			fmt.Fprintf(&b, "%-18s vs PyTorch (%s): %.2f steps/s, %.2f GFLOP/s, %.1f CPU-ms/step: ratio %.3f\n",
				c.Name, a.Baseline, a.StepsPerS, a.GFLOPS, a.CPUms, a.Ratio)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
