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
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/deepnrc/deepnrc/nrclib/fastexec"
	"github.com/deepnrc/deepnrc/nrclib/gemm"
)

// NumPyScript is the NumPy side of the matmul benchmark
// (bench/numpy_matmul.py).
//
//go:embed numpy_matmul.py
var NumPyScript []byte

// Product is one float32 matrix product of the matmul benchmark: C (M×N) =
// op(A)·op(B), A stored K×M when TransA, B stored N×K when TransB.
type Product struct {
	Name           string `json:"name"`
	M              int    `json:"m"`
	N              int    `json:"n"`
	K              int    `json:"k"`
	TransA, TransB bool   `json:"-"`
}

// FLOPs is 2·M·N·K.
func (p Product) FLOPs() float64 { return 2 * float64(p.M) * float64(p.N) * float64(p.K) }

// DefaultProducts are the products of training the Swimmer (width 256) and
// SGEMM (width 512) MLPs at batch 128 — forward x·W, weight gradient xᵀ·g,
// input gradient g·Wᵀ — and a 2048³ square product.
func DefaultProducts() []Product {
	var ps []Product
	for _, w := range []int{256, 512} {
		ps = append(ps,
			Product{Name: fmt.Sprintf("fwd %dx%d·%dx%d", 128, w, w, w), M: 128, N: w, K: w},
			Product{Name: fmt.Sprintf("dW %dx%d·%dx%d", w, 128, 128, w), M: w, N: w, K: 128, TransA: true},
			Product{Name: fmt.Sprintf("dX %dx%d·(%dx%d)ᵀ", 128, w, w, w), M: 128, N: w, K: w, TransB: true})
	}
	return append(ps, Product{Name: "square 2048³", M: 2048, N: 2048, K: 2048})
}

// MatmulOptions configure RunMatmul.
type MatmulOptions struct {
	// Rounds of interleaved measurements; the best of each is reported
	// (default 3).
	Rounds int
	// Seconds is the least time of one measurement (default 0.3).
	Seconds float64
	// Python runs numpy_matmul.py; "" means /usr/bin/python3, "-" skips
	// NumPy.
	Python string
	// Baselines are the NumPy processes (see Baseline); nil means native.
	Baselines []Baseline
	// Log, when not nil, receives a line per measurement.
	Log io.Writer
}

// Rate is one implementation's speed on a product, single-threaded and on
// all cores (GOMAXPROCS / OpenBLAS's default threads).
type Rate struct {
	Impl string `json:"impl"`
	// GFLOPS1 and GFLOPSAll are wall-clock GFLOP/s.
	GFLOPS1   float64 `json:"gflops_1_thread"`
	GFLOPSAll float64 `json:"gflops_all_threads"`
}

// MatmulResult is the measurement of one product.
type MatmulResult struct {
	Product Product `json:"product"`
	Rates   []Rate  `json:"rates"`
	// Ratio1 and RatioAll are deepnrc's gemm over each NumPy baseline,
	// single-threaded and on all cores, keyed by baseline name.
	Ratio1   map[string]float64 `json:"ratio_1_thread"`
	RatioAll map[string]float64 `json:"ratio_all_threads"`
}

// MatmulReport is the result of RunMatmul.
type MatmulReport struct {
	Results   []MatmulResult `json:"results"`
	Path      string         `json:"gemm_path"`
	NumCPU    int            `json:"num_cpu"`
	Rounds    int            `json:"rounds"`
	NumPy     []NumPyInfo    `json:"numpy,omitempty"`
	Missing   string         `json:"numpy_missing,omitempty"`
	LoadStart string         `json:"loadavg_before,omitempty"`
	LoadEnd   string         `json:"loadavg_after,omitempty"`
}

// NumPyInfo describes a NumPy baseline process.
type NumPyInfo struct {
	Version  string   `json:"numpy_version"`
	Baseline string   `json:"baseline"`
	OpenBLAS BLASInfo `json:"openblas"`
	Error    string   `json:"error,omitempty"`
}

// Implementations timed by RunMatmul.
const (
	ImplGemm      = "deepnrc gemm"
	ImplHooked    = "simplego + fastexec"
	ImplStock     = "simplego stock"
	implNumPyName = "numpy/OpenBLAS"
)

// RunMatmul times every product with deepnrc's gemm (called directly),
// with a DotGeneral graph on backend b (simplego with fastexec's executor,
// then with simplego's own) and with NumPy on OpenBLAS, one thread and all
// cores, interleaved round by round.
func RunMatmul(b backends.Backend, products []Product, opt MatmulOptions) (*MatmulReport, error) {
	if opt.Rounds <= 0 {
		opt.Rounds = 3
	}
	if opt.Seconds <= 0 {
		opt.Seconds = 0.3
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", args...)
		}
	}
	rep := &MatmulReport{Path: gemm.Active().String(), NumCPU: runtime.NumCPU(), Rounds: opt.Rounds, LoadStart: loadAvg()}
	defer func() { rep.LoadEnd = loadAvg() }()
	var nps []*numpyProc
	if opt.Python != "-" {
		baselines := opt.Baselines
		if len(baselines) == 0 {
			baselines = []Baseline{{}}
		}
		for _, bl := range baselines {
			np, err := startNumPy(opt.Python, bl)
			if err != nil {
				rep.Missing = err.Error()
				logf("NumPy (%s) not measured: %v", bl.Name(), err)
				continue
			}
			defer np.close()
			nps = append(nps, np)
			rep.NumPy = append(rep.NumPy, np.info)
		}
		if len(nps) > 0 {
			rep.Missing = ""
		}
	}
	for _, p := range products {
		res := MatmulResult{Product: p, Ratio1: map[string]float64{}, RatioAll: map[string]float64{}}
		impls, err := goImpls(b, p)
		if err != nil {
			return nil, err
		}
		best := map[string]*Rate{}
		order := []string{}
		note := func(name string, threads1 bool, g float64) {
			r, ok := best[name]
			if !ok {
				r = &Rate{Impl: name}
				best[name] = r
				order = append(order, name)
			}
			if threads1 {
				r.GFLOPS1 = max(r.GFLOPS1, g)
			} else {
				r.GFLOPSAll = max(r.GFLOPSAll, g)
			}
		}
		for round := 1; round <= opt.Rounds; round++ {
			for _, im := range impls {
				for _, one := range []bool{true, false} {
					g, err := im.rate(one, opt.Seconds)
					if err != nil {
						return nil, fmt.Errorf("bench matmul: %s %s: %w", p.Name, im.name, err)
					}
					note(im.name, one, g)
					logf("%s round %d: %s (%s) %.1f GFLOP/s", p.Name, round, im.name, threadsName(one), g)
				}
			}
			for _, np := range nps {
				for _, one := range []bool{true, false} {
					g, err := np.rate(p, one, opt.Seconds)
					if err != nil {
						return nil, fmt.Errorf("bench matmul: %s NumPy: %w", p.Name, err)
					}
					name := implNumPyName + " (" + np.info.Baseline + ", core " + np.info.OpenBLAS.Core + ")"
					note(name, one, g)
					logf("%s round %d: %s (%s) %.1f GFLOP/s", p.Name, round, name, threadsName(one), g)
				}
			}
		}
		for _, name := range order {
			res.Rates = append(res.Rates, *best[name])
		}
		g := best[ImplGemm]
		for _, np := range nps {
			r := best[implNumPyName+" ("+np.info.Baseline+", core "+np.info.OpenBLAS.Core+")"]
			res.Ratio1[np.info.Baseline] = g.GFLOPS1 / r.GFLOPS1
			res.RatioAll[np.info.Baseline] = g.GFLOPSAll / r.GFLOPSAll
		}
		for _, im := range impls {
			im.close()
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

func threadsName(one bool) string {
	if one {
		return "1 thread"
	}
	return "all threads"
}

// goImpl is one Go implementation of a product.
type goImpl struct {
	name  string
	flops float64
	run   func() error
	close func()
}

// rate returns the implementation's GFLOP/s, single-threaded (GOMAXPROCS 1
// and gemm limited to one goroutine) or on all cores.
func (im goImpl) rate(one bool, seconds float64) (float64, error) {
	if one {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		defer gemm.SetMaxThreads(gemm.SetMaxThreads(1))
	}
	if err := im.run(); err != nil { // warm up
		return 0, err
	}
	n, t0 := 0, time.Now()
	for time.Since(t0).Seconds() < seconds {
		if err := im.run(); err != nil {
			return 0, err
		}
		n++
	}
	return im.flops * float64(n) / time.Since(t0).Seconds() / 1e9, nil
}

func goImpls(b backends.Backend, p Product) ([]goImpl, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	ra, ca := p.M, p.K
	if p.TransA {
		ra, ca = p.K, p.M
	}
	rb, cb := p.K, p.N
	if p.TransB {
		rb, cb = p.N, p.K
	}
	a, bb, c := make([]float32, ra*ca), make([]float32, rb*cb), make([]float32, p.M*p.N)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range bb {
		bb[i] = float32(rng.NormFloat64())
	}
	gp := gemm.Product{M: p.M, N: p.N, K: p.K, TransA: p.TransA, TransB: p.TransB}
	direct := goImpl{name: ImplGemm, flops: p.FLOPs(), run: func() error { gemm.Float32(gp, c, a, bb); return nil }, close: func() {}}
	lc, rc := []int{1}, []int{0}
	if p.TransA {
		lc = []int{0}
	}
	if p.TransB {
		rc = []int{1}
	}
	e, err := graph.NewExec(b, func(x, y *graph.Node) *graph.Node { return graph.DotGeneral(x, lc, nil, y, rc, nil) })
	if err != nil {
		return nil, err
	}
	at := tensors.FromFlatDataAndDimensions(a, ra, ca)
	bt := tensors.FromFlatDataAndDimensions(bb, rb, cb)
	exec1 := func() error {
		out, err := e.Exec(at, bt)
		if err != nil {
			return err
		}
		out[0].FinalizeAll()
		return nil
	}
	hooked := goImpl{name: ImplHooked, flops: p.FLOPs(), run: exec1, close: func() {}}
	stock := goImpl{name: ImplStock, flops: p.FLOPs(), run: func() error {
		var err error
		fastexec.WithStock(func() { err = exec1() })
		return err
	}, close: e.Finalize}
	return []goImpl{direct, hooked, stock}, nil
}

// numpyProc is a running numpy_matmul.py.
type numpyProc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	dir  string
	info NumPyInfo
}

// ErrNoNumPy is wrapped by the error returned when NumPy cannot run.
var ErrNoNumPy = errors.New("NumPy is not available (install it with `apt-get install -y python3-numpy libopenblas0-pthread`)")

func startNumPy(python string, bl Baseline) (*numpyProc, error) {
	if python == "" {
		python = "/usr/bin/python3"
	}
	if _, err := exec.LookPath(python); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoNumPy, err)
	}
	dir, err := os.MkdirTemp("", "deepnrc-matmul-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "numpy_matmul.py")
	if err := os.WriteFile(script, NumPyScript, 0o644); err != nil {
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
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: %v", ErrNoNumPy, err)
	}
	p := &numpyProc{cmd: cmd, in: in, out: bufio.NewScanner(out), dir: dir}
	if !p.out.Scan() {
		p.close()
		return nil, fmt.Errorf("%w: %s exited: %s", ErrNoNumPy, python, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(p.out.Bytes(), &p.info); err != nil || p.info.Error != "" {
		p.close()
		if err == nil {
			err = errors.New(p.info.Error)
		}
		return nil, fmt.Errorf("%w: %v", ErrNoNumPy, err)
	}
	p.info.Baseline = bl.Name()
	p.info.OpenBLAS.Unset = removed
	return p, nil
}

func (p *numpyProc) rate(pr Product, one bool, seconds float64) (float64, error) {
	threads := 0
	if one {
		threads = 1
	} else {
		threads = runtime.NumCPU()
	}
	req, _ := json.Marshal(map[string]any{"m": pr.M, "n": pr.N, "k": pr.K, "trans_a": pr.TransA, "trans_b": pr.TransB,
		"threads": threads, "seconds": seconds})
	if _, err := p.in.Write(append(req, '\n')); err != nil {
		return 0, err
	}
	if !p.out.Scan() {
		return 0, fmt.Errorf("numpy_matmul.py stopped answering: %v", p.out.Err())
	}
	var ans struct {
		GFLOPS float64 `json:"gflops"`
	}
	if err := json.Unmarshal(p.out.Bytes(), &ans); err != nil {
		return 0, fmt.Errorf("numpy_matmul.py answered %q: %w", p.out.Text(), err)
	}
	return ans.GFLOPS, nil
}

func (p *numpyProc) close() {
	p.in.Close()
	p.cmd.Wait()
	os.RemoveAll(p.dir)
}

// WriteText writes the report as a table.
func (r *MatmulReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "deepnrc gemm path %s, %d CPUs, best of %d rounds\n", r.Path, r.NumCPU, r.Rounds)
	if r.LoadStart != "" {
		fmt.Fprintf(&b, "load average before: %s, after: %s\n", r.LoadStart, r.LoadEnd)
	}
	for _, n := range r.NumPy {
		unset := "none set"
		if len(n.OpenBLAS.Unset) > 0 {
			unset = strings.Join(n.OpenBLAS.Unset, " ")
		}
		fmt.Fprintf(&b, "NumPy %s (%s): OpenBLAS core %s (%s); overrides unset for it: %s\n",
			n.Version, n.Baseline, n.OpenBLAS.Core, n.OpenBLAS.Library, unset)
	}
	if r.Missing != "" {
		fmt.Fprintf(&b, "NumPy not measured: %s\n", r.Missing)
	}
	fmt.Fprintf(&b, "%-24s %-48s %12s %12s\n", "product", "implementation", "1 thread", "all threads")
	for _, res := range r.Results {
		for i, rt := range res.Rates {
			name := ""
			if i == 0 {
				name = res.Product.Name
			}
			fmt.Fprintf(&b, "%-24s %-48s %8.1f GF/s %8.1f GF/s\n", name, rt.Impl, rt.GFLOPS1, rt.GFLOPSAll)
		}
		for _, n := range r.NumPy {
			fmt.Fprintf(&b, "%-24s %-48s %12.2f× %11.2f×\n", "", "deepnrc gemm / NumPy ("+n.Baseline+")",
				res.Ratio1[n.Baseline], res.RatioAll[n.Baseline])
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
