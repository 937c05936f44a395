// Package nbrun runs deepnrc's Jupyter notebooks headless and decides
// whether they passed.
//
// A notebook is executed on the "deepnrc" GoNB kernel (installed by
// `go run ./kernel install`) by a small nbclient script embedded here and fed
// to a Python that has Debian's Jupyter packages. For each notebook the run
// writes, under the output directory, the executed copy (NAME.ipynb), its HTML
// export (NAME.html) and the kernel's log (NAME.log), and at the end
// summary.json. A notebook fails when execution stopped (a cell error such as
// a compile error, a timeout, a dead kernel) or when ipynb.Check finds a
// problem in its outputs: a "panic:" or "exit status" on a cell's stderr (GoNB
// reports those as success), an unexecuted cell, or a missing SVG where the
// notebook declares {"deepnrc": {"expects_svg": true}}.
//
// The experiment scale (package nrclib/scale) reaches the notebooks through
// the environment variable scale.Env, which the kernel and every cell
// program inherit.
package nbrun

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/deepnrc/deepnrc/internal/jupyterdeps"
	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// PythonEnv names a Python interpreter to use instead of searching
// /usr/bin/python3 and then python3 on PATH.
const PythonEnv = "DEEPNRC_PYTHON"

//go:embed nbexec.py
var nbexecScript string

// Entry is one notebook found by Discover.
type Entry struct {
	// Name is the notebook's path relative to the notebooks directory,
	// slash-separated and without ".ipynb" (e.g. "exercises/ex1-probe").
	Name string
	// Path is the notebook file.
	Path string
}

// Discover returns the notebooks to run, sorted by name. With no names it
// returns every *.ipynb under dir, recursively (skipping hidden directories
// such as .ipynb_checkpoints). Each name selects the notebooks whose file
// name or relative name starts with it (so "fig1" selects fig1-*.ipynb and
// "exercises/" everything in that folder); a name that is the path of an
// existing .ipynb file selects that file. A name that selects nothing is an
// error.
func Discover(dir string, names []string) ([]Entry, error) {
	var all []Entry
	if _, err := os.Stat(dir); err == nil || len(names) == 0 {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != dir && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(p, ".ipynb") && !strings.HasPrefix(d.Name(), ".") {
				rel, err := filepath.Rel(dir, p)
				if err != nil {
					return err
				}
				all = append(all, Entry{Name: strings.TrimSuffix(filepath.ToSlash(rel), ".ipynb"), Path: p})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing notebooks: %w", err)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	if len(names) == 0 {
		return all, nil
	}
	var out []Entry
	seen := map[string]bool{}
	for _, n := range names {
		found := false
		if strings.HasSuffix(n, ".ipynb") {
			if st, err := os.Stat(n); err == nil && !st.IsDir() {
				abs, _ := filepath.Abs(n)
				if !seen[abs] {
					seen[abs] = true
					out = append(out, Entry{Name: strings.TrimSuffix(filepath.Base(n), ".ipynb"), Path: n})
				}
				continue
			}
		}
		prefix := strings.TrimSuffix(filepath.ToSlash(n), ".ipynb")
		for _, e := range all {
			if strings.HasPrefix(e.Name, prefix) || strings.HasPrefix(pathBase(e.Name), prefix) {
				found = true
				abs, _ := filepath.Abs(e.Path)
				if !seen[abs] {
					seen[abs] = true
					out = append(out, e)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("no notebook under %s matches %q; `deepnrc notebooks list` shows the names", dir, n)
		}
	}
	return out, nil
}

func pathBase(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// Python is an interpreter that can execute notebooks.
type Python struct {
	Path string
	// Kernels lists the Jupyter kernel names it sees.
	Kernels []string
}

// probeScript checks the modules nbexec.py imports and lists the kernels.
const probeScript = `import json, nbclient, nbformat, nbconvert
from jupyter_client.kernelspec import KernelSpecManager
print(json.dumps(sorted(KernelSpecManager().find_kernel_specs())))`

// FindPython returns the first of $DEEPNRC_PYTHON, /usr/bin/python3 and
// python3 on PATH that imports nbclient, nbformat and nbconvert, or an error
// that says which Debian packages to install.
func FindPython() (*Python, error) {
	var tried []string
	cands := []string{}
	if p := os.Getenv(PythonEnv); p != "" {
		cands = append(cands, p)
	}
	cands = append(cands, "/usr/bin/python3")
	if p, err := exec.LookPath("python3"); err == nil {
		cands = append(cands, p)
	}
	for _, c := range cands {
		out, err := exec.Command(c, "-c", probeScript).Output()
		if err != nil {
			tried = append(tried, c)
			continue
		}
		var kernels []string
		if err := json.Unmarshal(lastLine(out), &kernels); err != nil {
			tried = append(tried, c)
			continue
		}
		return &Python{Path: c, Kernels: kernels}, nil
	}
	return nil, fmt.Errorf("no Python with nbclient, nbformat and nbconvert found (tried %s); on Debian/Ubuntu run\n\tapt-get install -y --no-install-recommends %s\nor point %s at a Python that has them",
		strings.Join(tried, ", "), jupyterdeps.AptPackages, PythonEnv)
}

// HasKernel reports whether Jupyter, as seen by this Python, has the kernel.
func (p *Python) HasKernel(name string) bool {
	for _, k := range p.Kernels {
		if k == name {
			return true
		}
	}
	return false
}

func lastLine(out []byte) []byte {
	out = bytes.TrimSpace(out)
	if i := bytes.LastIndexByte(out, '\n'); i >= 0 {
		return out[i+1:]
	}
	return out
}

// Options configures Run.
type Options struct {
	// Out is the output directory; it must not lie inside Source.
	Out string
	// Source is the notebooks directory (used only to refuse an Out inside it).
	Source string
	// Scale is passed to the notebooks as scale.Env, in its canonical
	// spelling (scale.Parse: any case; empty means scale.Quick).
	Scale scale.Scale
	// Timeout bounds each notebook's execution; 0 means 30 minutes.
	Timeout time.Duration
	// Kernel is the Jupyter kernel name; empty means "deepnrc".
	Kernel string
	// Python runs the notebooks; nil means FindPython.
	Python *Python
	// Log receives one progress line per notebook; nil discards.
	Log io.Writer
}

// Result is the outcome of one notebook.
type Result struct {
	Name   string `json:"name"`   // the Entry name
	Source string `json:"source"` // the notebook run
	Output string `json:"output"` // the executed copy (.ipynb)
	HTML   string `json:"html"`   // its HTML export
	Log    string `json:"log"`    // the kernel's and the script's stderr
	// OK is true when execution completed and Check found no problem.
	OK bool `json:"ok"`
	// Status is the script's verdict on execution: ok, cell_error,
	// timeout, dead_kernel or runner_error; Message its explanation.
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
	// Problems lists, one line each, why the notebook failed.
	Problems []string `json:"problems,omitempty"`
	SVGs     int      `json:"svgs"`       // SVG figures displayed
	Cells    int      `json:"code_cells"` // code cells with source
	Ran      int      `json:"cells_run"`  // of which executed
	// Duration is the wall time of the execution; Seconds the same, rounded.
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
}

// Summary is summary.json: the results of one Run.
type Summary struct {
	Scale   scale.Scale `json:"scale"`
	Kernel  string      `json:"kernel"`
	Started time.Time   `json:"started"`
	Results []*Result   `json:"results"`
	Failed  int         `json:"failed"`
}

// ErrFailed is wrapped by Run's error when some notebook failed.
var ErrFailed = errors.New("notebook run failed")

// Run executes the notebooks one after the other, writes their executed
// copies, HTML exports and logs under opt.Out (keeping each notebook's
// relative name), then summary.json, and returns the results. The error
// wraps ErrFailed when any notebook failed, and is another error when the
// run could not start (no Python with nbclient, kernel not installed, bad
// options).
func Run(ctx context.Context, entries []Entry, opt Options) ([]*Result, error) {
	s, err := scale.Parse(string(opt.Scale))
	if err != nil {
		return nil, err
	}
	opt.Scale = s
	if opt.Timeout == 0 {
		opt.Timeout = 30 * time.Minute
	}
	if opt.Timeout < 0 {
		return nil, fmt.Errorf("negative timeout %v; give a duration such as 10m", opt.Timeout)
	}
	if opt.Kernel == "" {
		opt.Kernel = ipynb.KernelName
	}
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	if opt.Out == "" {
		return nil, errors.New("no output directory; set Options.Out (the CLI's --out)")
	}
	out, err := filepath.Abs(opt.Out)
	if err != nil {
		return nil, err
	}
	if opt.Source != "" {
		src, err := filepath.Abs(opt.Source)
		if err != nil {
			return nil, err
		}
		if rel, err := filepath.Rel(src, out); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("output directory %s is inside the notebooks directory %s; choose one outside it (e.g. notebooks-out) so executed copies never mix with committed notebooks", out, src)
		}
	}
	if len(entries) == 0 {
		return nil, errors.New("no notebooks to run")
	}
	py := opt.Python
	if py == nil {
		if py, err = FindPython(); err != nil {
			return nil, err
		}
	}
	if !py.HasKernel(opt.Kernel) {
		return nil, fmt.Errorf("Jupyter has no kernel named %q (it has %s); install it with `go run ./kernel install` (make kernel), with the same JUPYTER_DATA_DIR", opt.Kernel, strings.Join(py.Kernels, ", "))
	}
	sum := &Summary{Scale: opt.Scale, Kernel: opt.Kernel, Started: time.Now().UTC()}
	var failed []string
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return sum.Results, err
		}
		r, err := runOne(ctx, py, e, out, opt)
		if err != nil {
			return sum.Results, fmt.Errorf("%s: %w", e.Name, err)
		}
		sum.Results = append(sum.Results, r)
		verdict := "ok"
		if !r.OK {
			verdict = "FAIL"
			failed = append(failed, e.Name)
		}
		fmt.Fprintf(logw, "%-4s %s  (%.1fs, %d/%d cells, %d svg)\n", verdict, e.Name, r.Seconds, r.Ran, r.Cells, r.SVGs)
		if r.Message != "" && !r.OK {
			fmt.Fprintf(logw, "     %s\n", indent(r.Message, "     "))
		}
		for _, p := range r.Problems {
			fmt.Fprintf(logw, "     %s\n", p)
		}
		if !r.OK {
			fmt.Fprintf(logw, "     executed copy: %s\n     kernel log: %s\n", r.Output, r.Log)
		}
	}
	sum.Failed = len(failed)
	data, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return sum.Results, err
	}
	if err := ipynb.WriteFileAtomic(filepath.Join(out, "summary.json"), append(data, '\n')); err != nil {
		return sum.Results, err
	}
	if len(failed) > 0 {
		return sum.Results, fmt.Errorf("%w: %d of %d notebooks failed: %s", ErrFailed, len(failed), len(entries), strings.Join(failed, ", "))
	}
	return sum.Results, nil
}

func indent(s, pad string) string {
	s = strings.TrimSpace(s)
	if len(s) > 1500 {
		s = "..." + s[len(s)-1500:]
	}
	return strings.ReplaceAll(s, "\n", "\n"+pad)
}

// killGrace is how long past Options.Timeout the runner waits for the
// script (which enforces the timeout itself) before killing its process
// group.
var killGrace = 2 * time.Minute

// nbexecResult is the JSON line nbexec.py prints.
type nbexecResult struct {
	Status  string `json:"status"`
	Cell    int    `json:"cell"`
	Message string `json:"message"`
}

// runOne executes one notebook and checks its outputs.
func runOne(ctx context.Context, py *Python, e Entry, out string, opt Options) (*Result, error) {
	base := filepath.Join(out, filepath.FromSlash(e.Name))
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return nil, err
	}
	r := &Result{Name: e.Name, Source: e.Path, Output: base + ".ipynb", HTML: base + ".html", Log: base + ".log"}
	// Remove outputs of an earlier run so a crash cannot leave stale files
	// that look current.
	for _, p := range []string{r.Output, r.HTML, r.Log} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	src, err := filepath.Abs(e.Path)
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(r.Log)
	if err != nil {
		return nil, err
	}
	defer logf.Close()

	// The script enforces the timeout cell by cell; the context is a
	// backstop that kills the whole process group (kernel included).
	cctx, cancel := context.WithTimeout(ctx, opt.Timeout+killGrace)
	defer cancel()
	pidfile := filepath.Join(filepath.Dir(base), "."+filepath.Base(base)+".kernel-pid")
	defer os.Remove(pidfile)
	cmd := exec.CommandContext(cctx, py.Path, "-",
		"--kernel", opt.Kernel,
		"--timeout", strconv.FormatFloat(math.Ceil(opt.Timeout.Seconds()), 'f', 0, 64),
		"--cwd", filepath.Dir(src),
		"--out-ipynb", r.Output,
		"--out-html", r.HTML,
		"--pidfile", pidfile,
		src)
	cmd.Stdin = strings.NewReader(nbexecScript)
	cmd.Env = append(withoutVar(os.Environ(), scale.Env), scale.Env+"="+string(opt.Scale))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The kernel runs in a session of its own (Jupyter starts it so),
		// with the cell programs in its process group: kill that group too.
		if data, err := os.ReadFile(pidfile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 1 {
				syscall.Kill(-pid, syscall.SIGKILL)
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	runErr := cmd.Run()
	r.Duration = time.Since(start)
	r.Seconds = float64(r.Duration.Round(100*time.Millisecond)) / float64(time.Second)

	var res nbexecResult
	if jerr := json.Unmarshal(lastLine(stdout.Bytes()), &res); jerr != nil {
		msg := fmt.Sprintf("the notebook runner script failed (%v); see %s", runErr, r.Log)
		if cctx.Err() != nil && ctx.Err() == nil {
			msg = fmt.Sprintf("killed after %v (timeout %v plus grace)", r.Duration.Round(time.Second), opt.Timeout)
		}
		res = nbexecResult{Status: "runner_error", Cell: -1, Message: msg}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	r.Status, r.Message = res.Status, res.Message
	stoppedAt := -1 // the cell where execution stopped, if Check did not flag it
	if res.Status != "ok" {
		stoppedAt = res.Cell
	}
	nb, err := ipynb.Read(r.Output)
	if err != nil {
		if res.Status == "ok" {
			return nil, err
		}
		r.Problems = append(r.Problems, "no executed notebook was written")
	} else {
		rep := ipynb.Check(nb)
		r.SVGs, r.Cells, r.Ran = rep.SVGs, rep.CodeCells, rep.Executed
		for _, p := range rep.Problems {
			if p.Cell == stoppedAt && p.Kind != ipynb.KindNotRun {
				stoppedAt = -1
			}
			r.Problems = append(r.Problems, p.String())
		}
	}
	if stoppedAt >= 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("cell %d: execution stopped here (%s)", stoppedAt, res.Status))
	}
	r.OK = res.Status == "ok" && len(r.Problems) == 0
	return r, nil
}

func withoutVar(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
