// Package doctor inspects a machine for what deepnrc needs: the compiled-in
// GoMLX backends and the chosen configuration, PJRT plugins for the XLA
// backend, a visible NVIDIA GPU, and the notebook toolchain (Go, goimports,
// Jupyter, nbclient, the deepnrc Jupyter kernel). Each check says OK or
// MISSING and, when missing, how to fix it.
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

	"github.com/deepnrc/deepnrc/nrclib/backend"
)

// KernelName is the name of the Jupyter kernel that `go run ./kernel
// install` registers.
const KernelName = "deepnrc"

// JupyterPackages are the Debian/Ubuntu packages that provide Jupyter for
// the notebooks (there is no PyPI access).
const JupyterPackages = "jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client"

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
}

// commandTimeout bounds each external command a check runs.
const commandTimeout = 30 * time.Second

// Host returns the System of the running process and machine.
func Host() System {
	home, err := os.UserHomeDir()
	if err != nil {
		home = ""
	}
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
	}
}

// Status is the outcome of one check.
type Status string

// The two outcomes.
const (
	OK      Status = "OK"
	Missing Status = "MISSING"
)

// Check is one line of the report.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Optional checks do not make the report fail: the XLA backend, its
	// plugins and a GPU are extras unless asked for.
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

	r.add(r.checkConfig(sys, cfg, name))
	r.add(checkXLACompiled(sys, wantXLA))
	if v, ok := sys.LookupEnv(backend.EnvPluginPath); ok {
		r.PluginPathEnv = &v
	}
	r.SearchPaths = backend.SearchPathsIn(sys.LookupEnv, sys.Home, sys.LdConf)
	r.Plugins = backend.FindPlugins(r.SearchPaths)
	if r.Plugins == nil {
		r.Plugins = []backend.Plugin{}
	}
	r.CUDADataDir = backend.CUDADataDir(r.SearchPaths)
	r.add(r.checkPlugins(wantXLA, wantGPU, name == backend.XLA, plugin))
	r.add(r.checkGPU(sys, wantGPU))
	r.add(checkGo(sys))
	goimports := checkTool(sys, "goimports", "GoNB runs goimports on every cell",
		"from the repository root: go build -o \"$(go env GOPATH)/bin/\" golang.org/x/tools/cmd/goimports  (and put $(go env GOPATH)/bin on PATH)")
	jupyter := checkTool(sys, "jupyter", "runs and executes the notebooks",
		"apt-get install --no-install-recommends "+JupyterPackages)
	nbclient := checkNBClient(sys)
	kernel := checkKernel(sys, jupyter.Status == OK)
	if kernel.Status == OK && goimports.Status != OK {
		// The deepnrc kernel bundles its own goimports.
		goimports.Optional = true
		goimports.Detail += "; the deepnrc kernel bundles its own"
	}
	r.add(goimports)
	r.add(jupyter)
	r.add(nbclient)
	r.add(kernel)
	return r
}

func (r *Report) add(c Check) { r.Checks = append(r.Checks, c) }

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

func checkXLACompiled(sys System, want bool) Check {
	c := Check{Name: "xla backend", Optional: !want}
	if slices.Contains(sys.Compiled, backend.XLA) {
		c.Status, c.Detail = OK, "compiled in (build tag xla)"
		return c
	}
	c.Status, c.Detail = Missing, "not compiled in; this binary has only the pure-Go backend"
	c.Fix = "rebuild with cgo and the xla tag: go build -tags xla -o deepnrc ./cmd/deepnrc  (needs gcc), or use the Docker images in docker/"
	return c
}

func (r *Report) checkPlugins(wantXLA, wantGPU, xlaConfig bool, plugin string) Check {
	c := Check{Name: "PJRT plugin", Optional: !wantXLA}
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

func (r *Report) checkGPU(sys System, want bool) Check {
	c := Check{Name: "NVIDIA GPU", Optional: !want}
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
		c.Fix = "apt-get install --no-install-recommends " + JupyterPackages
		return c
	}
	c.Status, c.Detail = OK, sys.Python+" imports nbclient"
	return c
}

func checkKernel(sys System, haveJupyter bool) Check {
	c := Check{Name: "deepnrc kernel"}
	fix := "from the repository root: go run ./kernel install"
	if !haveJupyter {
		c.Status, c.Detail, c.Fix = Missing, "not checked: jupyter not on PATH", fix
		return c
	}
	out, err := sys.Output("jupyter", "kernelspec", "list", "--json")
	if err != nil {
		c.Status, c.Detail, c.Fix = Missing, "jupyter kernelspec list --json failed: "+errText(err), fix
		return c
	}
	var list struct {
		Kernelspecs map[string]struct {
			ResourceDir string `json:"resource_dir"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		c.Status, c.Detail, c.Fix = Missing, "cannot parse jupyter kernelspec list --json: "+err.Error(), fix
		return c
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
		return c
	}
	c.Status, c.Detail = OK, KernelName+" at "+k.ResourceDir
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
