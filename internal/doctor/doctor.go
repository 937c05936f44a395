// Package doctor inspects a machine for what deepnrc needs, in three groups:
//
//   - the main job (GroupMain, always required): a usable backend
//     configuration and a writable run store, which is all `deepnrc
//     reproduce`, `train` and `measure` need;
//   - the notebooks (GroupNotebooks, optional unless Options.RequireNotebooks):
//     the Go toolchain, Jupyter, nbclient and the deepnrc Jupyter kernel
//     (which bundles its own goimports);
//   - the accelerators (GroupAccelerators, optional unless asked for): the
//     XLA backend, PJRT plugins and a visible NVIDIA GPU.
//
// Each check says OK or MISSING and, when missing, how to fix it; a report
// fails (Report.OK) only when a required check is missing.
//
// Every probe of the machine goes through a System, so the checks run
// unchanged against fakes in tests.
package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/deepnrc/deepnrc/internal/jupyterdeps"
	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// KernelName is the name of the Jupyter kernel that `go run ./kernel
// install` registers.
const KernelName = "deepnrc"

// System is what the checks may ask of the machine.
type System struct {
	// LookupEnv reads an environment variable.
	LookupEnv func(string) (string, bool)
	// LookPath finds an executable on PATH.
	LookPath func(string) (string, error)
	// Output runs a command and returns its standard output.
	Output func(name string, args ...string) ([]byte, error)
	// Glob lists the paths matching a pattern.
	Glob func(pattern string) ([]string, error)
	// Home is the home directory ("" if unknown).
	Home string
	// LdConf is the ld.so.conf file the plugin search follows.
	LdConf string
	// Python is the interpreter that must import nbclient (Jupyter's own,
	// not a pyenv one).
	Python string
	// Compiled lists the GoMLX backends compiled in (backend.Compiled).
	Compiled []string
	// GoVersion is the Go version the running binary was built with.
	GoVersion string
	// StoreDir is the run store directory the main job would use ("" when
	// none can be determined) and StoreErr why not.
	StoreDir string
	StoreErr error
	// Writable reports whether files can be created in dir, or, when dir
	// does not exist yet, in its nearest existing parent (nil: writable).
	Writable func(dir string) error
	// Stat reports whether a file exists (nil error) at path.
	Stat func(path string) error
}

// commandTimeout bounds each external command a check runs.
const commandTimeout = 30 * time.Second

// Host returns the System of the running process and machine.
func Host() System {
	home, err := os.UserHomeDir()
	if err != nil {
		home = ""
	}
	store, storeErr := train.DefaultStoreDir()
	return System{
		LookupEnv: os.LookupEnv,
		LookPath:  exec.LookPath,
		Output: func(name string, args ...string) ([]byte, error) {
			ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
			defer cancel()
			return exec.CommandContext(ctx, name, args...).Output()
		},
		Glob:      filepath.Glob,
		Home:      home,
		LdConf:    "/etc/ld.so.conf",
		Python:    "/usr/bin/python3",
		Compiled:  backend.Compiled(),
		GoVersion: runtime.Version(),
		StoreDir:  store,
		StoreErr:  storeErr,
		Writable:  writable,
		Stat:      func(p string) error { _, err := os.Stat(p); return err },
	}
}

// writable creates and removes a temporary file in dir or, when dir does not
// exist, in its nearest existing parent.
func writable(dir string) error {
	d := filepath.Clean(dir)
	for {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is not a directory", d)
			}
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			return fmt.Errorf("no existing parent directory of %s", dir)
		}
		d = parent
	}
	f, err := os.CreateTemp(d, ".deepnrc-doctor-*")
	if err != nil {
		return fmt.Errorf("cannot create files in %s: %w", d, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Status is the outcome of one check.
type Status string

// The two outcomes.
const (
	OK      Status = "OK"
	Missing Status = "MISSING"
)

// Group names what a check is needed for.
type Group string

// The three groups, in report order.
const (
	// GroupMain is what the main job (reproduce, train, measure) needs;
	// its checks are always required.
	GroupMain Group = "main job"
	// GroupNotebooks is what the Jupyter notebooks need; optional unless
	// Options.RequireNotebooks.
	GroupNotebooks Group = "notebooks"
	// GroupAccelerators is the XLA backend, its plugins and a GPU; optional
	// unless Options.RequireXLA or RequireGPU (or the backend config asks
	// for XLA).
	GroupAccelerators Group = "accelerators"
)

// Groups lists the groups in report order.
var Groups = []Group{GroupMain, GroupNotebooks, GroupAccelerators}

// Check is one line of the report.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Group is what the check is needed for.
	Group Group `json:"group"`
	// Optional checks do not make the report fail: the notebook toolchain,
	// the XLA backend, its plugins and a GPU are extras unless asked for.
	Optional bool   `json:"optional"`
	Detail   string `json:"detail"`
	Fix      string `json:"fix,omitempty"`
}

// Report is the outcome of all checks plus what they found.
type Report struct {
	GoVersion     string           `json:"go_version"`
	Platform      string           `json:"platform"`
	Backends      []string         `json:"backends"`
	BackendConfig string           `json:"backend_config"`
	PluginPathEnv *string          `json:"pjrt_plugin_library_path"` // nil when unset
	SearchPaths   []string         `json:"plugin_search_paths"`
	Plugins       []backend.Plugin `json:"plugins"`
	CUDADataDir   string           `json:"cuda_data_dir,omitempty"`
	GPUDevices    []string         `json:"gpu_devices"`
	Checks        []Check          `json:"checks"`
}

// Options makes optional checks required.
type Options struct {
	// RequireNotebooks requires the notebook toolchain (Go, Jupyter,
	// nbclient, the deepnrc kernel).
	RequireNotebooks bool
	// RequireXLA requires the XLA backend and a PJRT plugin.
	RequireXLA bool
	// RequireGPU requires a visible NVIDIA GPU and a CUDA plugin.
	RequireGPU bool
}

// Run performs every check against sys.
func Run(sys System, opt Options) *Report {
	r := &Report{
		GoVersion: sys.GoVersion,
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		Backends:  slices.Clone(sys.Compiled),
	}
	cfg := backend.DefaultConfig
	if v, ok := sys.LookupEnv(backend.EnvConfig); ok && strings.TrimSpace(v) != "" {
		cfg = strings.TrimSpace(v)
	}
	r.BackendConfig = cfg
	name, plugin, _ := strings.Cut(cfg, ":")
	plugin, _, _ = strings.Cut(plugin, ",")
	wantXLA := opt.RequireXLA || opt.RequireGPU || name == backend.XLA
	wantGPU := opt.RequireGPU || (name == backend.XLA && plugin == "cuda")

	// The main job.
	r.add(r.checkConfig(sys, cfg, name))
	r.add(checkStore(sys))

	// The notebooks.
	optNB := !opt.RequireNotebooks
	for _, c := range []Check{checkGo(sys), checkTool(sys, "jupyter", "runs and executes the notebooks",
		"apt-get install --no-install-recommends "+jupyterdeps.AptPackages)} {
		r.addIn(GroupNotebooks, optNB, c)
	}
	jupyterOK := r.Checks[len(r.Checks)-1].Status == OK
	r.addIn(GroupNotebooks, optNB, checkNBClient(sys))
	kernel, kernelDir := checkKernel(sys, jupyterOK)
	r.addIn(GroupNotebooks, optNB, kernel)
	// GoNB runs goimports on every cell; the deepnrc kernel brings its own,
	// so one on PATH is never required.
	r.addIn(GroupNotebooks, true, checkGoimports(sys, kernelDir))

	// The accelerators.
	r.addIn(GroupAccelerators, !wantXLA, checkXLACompiled(sys))
	if v, ok := sys.LookupEnv(backend.EnvPluginPath); ok {
		r.PluginPathEnv = &v
	}
	r.SearchPaths = backend.SearchPathsIn(sys.LookupEnv, sys.Home, sys.LdConf)
	r.Plugins = backend.FindPlugins(r.SearchPaths)
	if r.Plugins == nil {
		r.Plugins = []backend.Plugin{}
	}
	r.CUDADataDir = backend.CUDADataDir(r.SearchPaths)
	r.addIn(GroupAccelerators, !wantXLA, r.checkPlugins(wantGPU, name == backend.XLA, plugin))
	r.addIn(GroupAccelerators, !wantGPU, r.checkGPU(sys))
	return r
}

// add appends a required check of the main job.
func (r *Report) add(c Check) {
	c.Group = GroupMain
	r.Checks = append(r.Checks, c)
}

// addIn appends c to group g, optional or not.
func (r *Report) addIn(g Group, optional bool, c Check) {
	c.Group, c.Optional = g, optional
	r.Checks = append(r.Checks, c)
}

// GroupOK reports whether every check of group g passed (optional ones
// included): whether that part of deepnrc is ready to use.
func (r *Report) GroupOK(g Group) bool {
	for _, c := range r.Checks {
		if c.Group == g && c.Status != OK {
			return false
		}
	}
	return true
}

// OK reports whether every required check passed.
func (r *Report) OK() bool {
	for _, c := range r.Checks {
		if c.Status != OK && !c.Optional {
			return false
		}
	}
	return true
}

// Failed lists the names of the required checks that did not pass.
func (r *Report) Failed() []string {
	var names []string
	for _, c := range r.Checks {
		if c.Status != OK && !c.Optional {
			names = append(names, c.Name)
		}
	}
	return names
}

func (r *Report) checkConfig(sys System, cfg, name string) Check {
	c := Check{Name: "backend config", Status: OK}
	src := "default; " + backend.EnvConfig + " unset"
	if _, ok := sys.LookupEnv(backend.EnvConfig); ok && cfg != backend.DefaultConfig {
		src = "from " + backend.EnvConfig
	}
	c.Detail = fmt.Sprintf("%s (%s)", cfg, src)
	switch {
	case name == backend.Go:
		if err := backend.Validate(cfg); err != nil {
			c.Status, c.Fix = Missing, err.Error()
		}
	case name == backend.XLA && !slices.Contains(sys.Compiled, backend.XLA):
		c.Status, c.Fix = Missing, backend.ErrNoXLA.Error()
	case !slices.Contains(sys.Compiled, name):
		c.Status = Missing
		c.Fix = fmt.Sprintf("unknown backend %q (this binary has %s): unset %s for the default",
			name, strings.Join(sys.Compiled, ", "), backend.EnvConfig)
	}
	return c
}

// checkStore checks that the run store, where training runs keep their
// checkpoints and results, can be written.
func checkStore(sys System) Check {
	c := Check{Name: "run store"}
	fix := "set DEEPNRC_STORE to a writable directory (or pass --store DIR, or --no-store to keep runs in memory)"
	if sys.StoreErr != nil || sys.StoreDir == "" {
		c.Status, c.Fix = Missing, fix
		c.Detail = "no run store directory"
		if sys.StoreErr != nil {
			c.Detail += ": " + sys.StoreErr.Error()
		}
		return c
	}
	if sys.Writable == nil {
		c.Status, c.Detail = OK, sys.StoreDir+" (not checked for writing)"
		return c
	}
	if err := sys.Writable(sys.StoreDir); err != nil {
		c.Status, c.Detail, c.Fix = Missing, sys.StoreDir+": "+err.Error(), fix
		return c
	}
	c.Status, c.Detail = OK, sys.StoreDir+" (writable)"
	return c
}

func checkXLACompiled(sys System) Check {
	c := Check{Name: "xla backend"}
	if slices.Contains(sys.Compiled, backend.XLA) {
		c.Status, c.Detail = OK, "compiled in (build tag xla)"
		return c
	}
	c.Status, c.Detail = Missing, "not compiled in; this binary has only the pure-Go backend"
	c.Fix = "rebuild with cgo and the xla tag: go build -tags xla -o deepnrc ./cmd/deepnrc  (needs gcc), or use the Docker images in docker/"
	return c
}

func (r *Report) checkPlugins(wantGPU, xlaConfig bool, plugin string) Check {
	c := Check{Name: "PJRT plugin"}
	var names []string
	for _, p := range r.Plugins {
		names = append(names, p.Name+" ("+p.Path+")")
	}
	need := ""
	switch {
	case wantGPU:
		need = "cuda"
	case xlaConfig && plugin != "" && !filepath.IsAbs(plugin):
		need = plugin
	}
	found := len(r.Plugins) > 0
	if need != "" {
		found = slices.ContainsFunc(r.Plugins, func(p backend.Plugin) bool { return p.Name == need })
	}
	if len(names) == 0 {
		c.Detail = "no pjrt_c_api_*_plugin.so in the searched directories"
	} else {
		c.Detail = "found " + strings.Join(names, ", ")
	}
	if found {
		c.Status = OK
		return c
	}
	c.Status = Missing
	if need != "" {
		c.Detail += fmt.Sprintf("; the %q plugin is needed", need)
	}
	flag := ""
	if need == "cuda" {
		flag = " -cuda"
	}
	c.Fix = fmt.Sprintf("on a machine with network: go run ./cmd/install-pjrt -dir /usr/local/lib/go-xla%s, then "+
		"export %s=/usr/local/lib/go-xla%s; or use the Docker images in docker/",
		flag, backend.EnvPluginPath, map[bool]string{true: ":/usr/local/lib/go-xla/nvidia", false: ""}[need == "cuda"])
	return c
}

func (r *Report) checkGPU(sys System) Check {
	c := Check{Name: "NVIDIA GPU"}
	devs, _ := sys.Glob("/dev/nvidia*")
	r.GPUDevices = devs
	if r.GPUDevices == nil {
		r.GPUDevices = []string{}
	}
	var parts []string
	if len(devs) > 0 {
		parts = append(parts, "devices "+strings.Join(devs, " "))
	} else {
		parts = append(parts, "no /dev/nvidia* devices")
	}
	smiOK := false
	if _, err := sys.LookPath("nvidia-smi"); err != nil {
		parts = append(parts, "nvidia-smi not on PATH")
	} else if out, err := sys.Output("nvidia-smi", "-L"); err != nil {
		parts = append(parts, "nvidia-smi -L failed: "+errText(err))
	} else if gpus := nonEmptyLines(string(out)); len(gpus) > 0 {
		smiOK = true
		parts = append(parts, strings.Join(gpus, "; "))
	} else {
		parts = append(parts, "nvidia-smi -L lists no GPU")
	}
	c.Detail = strings.Join(parts, "; ")
	if len(devs) > 0 || smiOK {
		c.Status = OK
		return c
	}
	c.Status = Missing
	c.Fix = "needed only for xla:cuda: run on a machine with an NVIDIA GPU and driver; in Docker pass --gpus all (NVIDIA Container Toolkit)"
	return c
}

func checkGo(sys System) Check {
	c := Check{Name: "go toolchain"}
	fix := "install Go 1.26 (https://go.dev/dl/) and put its bin/ on PATH; the notebooks compile each cell with it"
	if _, err := sys.LookPath("go"); err != nil {
		c.Status, c.Detail, c.Fix = Missing, "go not on PATH (this binary was built with "+sys.GoVersion+")", fix
		return c
	}
	out, err := sys.Output("go", "version")
	if err != nil {
		c.Status, c.Detail, c.Fix = Missing, "go version failed: "+errText(err), fix
		return c
	}
	c.Status, c.Detail = OK, strings.TrimSpace(string(out))+" (this binary: "+sys.GoVersion+")"
	return c
}

func checkTool(sys System, tool, why, fix string) Check {
	c := Check{Name: tool}
	p, err := sys.LookPath(tool)
	if err != nil {
		c.Status, c.Detail, c.Fix = Missing, tool+" not on PATH ("+why+")", fix
		return c
	}
	c.Status, c.Detail = OK, p
	return c
}

func checkNBClient(sys System) Check {
	c := Check{Name: "nbclient"}
	if _, err := sys.Output(sys.Python, "-c", "import nbclient"); err != nil {
		c.Status = Missing
		c.Detail = fmt.Sprintf("%s cannot import nbclient (%s); headless notebook runs need it", sys.Python, errText(err))
		c.Fix = "apt-get install --no-install-recommends " + jupyterdeps.AptPackages
		return c
	}
	c.Status, c.Detail = OK, sys.Python+" imports nbclient"
	return c
}

// kernelFix installs the kernel where Jupyter looks.
const kernelFix = "from the repository root: make kernel (or go run ./kernel install); it installs into Jupyter's user data directory, or $JUPYTER_DATA_DIR when set"

// checkKernel checks that Jupyter lists the deepnrc kernel; it also
// returns the kernel's directory ("" when not found).
func checkKernel(sys System, haveJupyter bool) (Check, string) {
	c := Check{Name: "deepnrc kernel"}
	fix := kernelFix
	if !haveJupyter {
		c.Status, c.Detail, c.Fix = Missing, "not checked: jupyter not on PATH", fix
		return c, ""
	}
	out, err := sys.Output("jupyter", "kernelspec", "list", "--json")
	if err != nil {
		c.Status, c.Detail, c.Fix = Missing, "jupyter kernelspec list --json failed: "+errText(err), fix
		return c, ""
	}
	var list struct {
		Kernelspecs map[string]struct {
			ResourceDir string `json:"resource_dir"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		c.Status, c.Detail, c.Fix = Missing, "cannot parse jupyter kernelspec list --json: "+err.Error(), fix
		return c, ""
	}
	k, ok := list.Kernelspecs[KernelName]
	if !ok {
		var names []string
		for n := range list.Kernelspecs {
			names = append(names, n)
		}
		slices.Sort(names)
		c.Status, c.Fix = Missing, fix
		c.Detail = fmt.Sprintf("no kernel %q among [%s]", KernelName, strings.Join(names, " "))
		return c, ""
	}
	c.Status, c.Detail = OK, KernelName+" at "+k.ResourceDir
	return c, k.ResourceDir
}

// checkGoimports finds the goimports GoNB will run: the deepnrc kernel's
// own (kernelDir/libexec/goimports) or one on PATH.
func checkGoimports(sys System, kernelDir string) Check {
	c := Check{Name: "goimports"}
	if kernelDir != "" && sys.Stat != nil {
		own := filepath.Join(kernelDir, "libexec", "goimports")
		if sys.Stat(own) == nil {
			c.Status, c.Detail = OK, "bundled with the deepnrc kernel ("+own+")"
			return c
		}
	}
	if p, err := sys.LookPath("goimports"); err == nil {
		c.Status, c.Detail = OK, p
		return c
	}
	c.Status, c.Detail = Missing, "not needed on PATH: the deepnrc kernel bundles its own (installing the kernel brings it)"
	return c
}

// errText is an error's message plus the stderr of a failed command.
func errText(err error) string {
	s := err.Error()
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		s += ": " + strings.TrimSpace(lastLine(string(ee.Stderr)))
	}
	return s
}

func lastLine(s string) string {
	lines := nonEmptyLines(s)
	if len(lines) == 0 {
		return ""
	}
	return lines[len(lines)-1]
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
