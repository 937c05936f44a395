package doctor

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/backend"
)

// fake is a machine made of maps.
type fake struct {
	env     map[string]string
	path    map[string]string // executable -> location
	outputs map[string]string // "name arg..." -> stdout; absent = command fails
	devices []string
	files   map[string]bool // paths that exist
	// readOnly makes the run store unwritable.
	readOnly bool
}

func (f *fake) system(home string, compiled ...string) System {
	return System{
		LookupEnv: func(k string) (string, bool) { v, ok := f.env[k]; return v, ok },
		LookPath: func(n string) (string, error) {
			if p, ok := f.path[n]; ok {
				return p, nil
			}
			return "", errors.New("executable file not found in $PATH")
		},
		Output: func(name string, args ...string) ([]byte, error) {
			if out, ok := f.outputs[strings.Join(append([]string{name}, args...), " ")]; ok {
				return []byte(out), nil
			}
			return nil, errors.New("exit status 1")
		},
		Glob: func(pattern string) ([]string, error) {
			if pattern == "/dev/nvidia*" {
				return f.devices, nil
			}
			return filepath.Glob(pattern)
		},
		Home:      home,
		LdConf:    filepath.Join(home, "no-ld.so.conf"),
		Python:    "/usr/bin/python3",
		Compiled:  compiled,
		GoVersion: "go1.26.8",
		StoreDir:  filepath.Join(home, ".cache", "deepnrc"),
		Writable: func(dir string) error {
			if f.readOnly {
				return errors.New("permission denied")
			}
			return nil
		},
		Stat: func(p string) error {
			if f.files[p] {
				return nil
			}
			return os.ErrNotExist
		},
	}
}

// healthyNotebookMachine has Go, Jupyter, nbclient and the kernel (with its
// own goimports, none on PATH), and nothing for XLA.
func healthyNotebookMachine() *fake {
	return &fake{
		env: map[string]string{},
		path: map[string]string{
			"go": "/usr/local/go/bin/go", "jupyter": "/usr/bin/jupyter",
		},
		files: map[string]bool{"/home/u/.local/share/jupyter/kernels/deepnrc/libexec/goimports": true},
		outputs: map[string]string{
			"go version":                          "go version go1.26.8 linux/amd64\n",
			"/usr/bin/python3 -c import nbclient": "",
			"jupyter kernelspec list --json": `{"kernelspecs": {"python3": {"resource_dir": "/usr/share/jupyter/kernels/python3", "spec": {}},
				"deepnrc": {"resource_dir": "/home/u/.local/share/jupyter/kernels/deepnrc", "spec": {}}}}`,
		},
	}
}

func find(t *testing.T, r *Report, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", name, r.Checks)
	return Check{}
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNoPluginText pins the whole text report of a machine that has the
// notebook toolchain but no XLA: it passes, with the XLA items optional.
func TestNoPluginText(t *testing.T) {
	home := t.TempDir()
	f := healthyNotebookMachine()
	r := Run(f.system(home, "go"), Options{})
	if !r.OK() {
		t.Fatalf("report not OK: failed %v", r.Failed())
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := `deepnrc doctor (go1.26.8, ` + runtime.GOOS + "/" + runtime.GOARCH + `)

backends compiled in: go
backend config:       go:parallelism=-1,dotgeneral_large
PJRT plugin search (PJRT_PLUGIN_LIBRARY_PATH unset; go-xla's default order):
  HOME/.local/lib/go-xla
  HOME/.local/lib/go-xla/nvidia
  HOME/.local/lib/gomlx/pjrt
  /usr/local/lib/go-xla
  /usr/local/lib/go-xla/nvidia
  /usr/local/lib/gomlx/pjrt
PJRT plugins found:   none

Main job (deepnrc reproduce, train, measure): required
[ok]        backend config  go:parallelism=-1,dotgeneral_large (default; GOMLX_BACKEND unset)
[ok]        run store       HOME/.cache/deepnrc (writable)

Notebooks (Jupyter with the "Go (deepnrc)" kernel): optional (-require-notebooks makes it required)
[ok]        go toolchain    go version go1.26.8 linux/amd64 (this binary: go1.26.8)
[ok]        jupyter         /usr/bin/jupyter
[ok]        nbclient        /usr/bin/python3 imports nbclient
[ok]        deepnrc kernel  deepnrc at /home/u/.local/share/jupyter/kernels/deepnrc
[ok]        goimports       bundled with the deepnrc kernel (/home/u/.local/share/jupyter/kernels/deepnrc/libexec/goimports)

Accelerators (XLA backend, PJRT plugins, GPU): optional (-require-xla, -require-gpu make it required)
[optional]  xla backend     not compiled in; this binary has only the pure-Go backend
                            fix: rebuild with cgo and the xla tag: go build -tags xla -o deepnrc ./cmd/deepnrc  (needs gcc), or use the Docker images in docker/
[optional]  PJRT plugin     no pjrt_c_api_*_plugin.so in the searched directories
                            fix: on a machine with network: go run ./cmd/install-pjrt -dir /usr/local/lib/go-xla, then export PJRT_PLUGIN_LIBRARY_PATH=/usr/local/lib/go-xla; or use the Docker images in docker/
[optional]  NVIDIA GPU      no /dev/nvidia* devices; nvidia-smi not on PATH
                            fix: needed only for xla:cuda: run on a machine with an NVIDIA GPU and driver; in Docker pass --gpus all (NVIDIA Container Toolkit)

main job:     ready
notebooks:    ready
accelerators: not set up (optional), missing xla backend, PJRT plugin, NVIDIA GPU

all required checks OK
`
	got := strings.ReplaceAll(buf.String(), home, "HOME")
	if got != want {
		t.Fatalf("text report:\n%s\nwant:\n%s", got, want)
	}
}

// A fresh machine with no notebook toolchain can still run the main job:
// the report passes, the notebook items are optional with a fix each, and
// -require-notebooks makes them required (goimports never: the kernel
// bundles its own).
func TestMissingNotebookTools(t *testing.T) {
	f := &fake{env: map[string]string{}, path: map[string]string{}, outputs: map[string]string{}}
	r := Run(f.system(t.TempDir(), "go"), Options{})
	if !r.OK() || !r.GroupOK(GroupMain) || r.GroupOK(GroupNotebooks) {
		t.Fatalf("no notebook tools: OK=%v main=%v notebooks=%v, failed %v", r.OK(), r.GroupOK(GroupMain), r.GroupOK(GroupNotebooks), r.Failed())
	}
	want := []string{"go toolchain", "jupyter", "nbclient", "deepnrc kernel"}
	r = Run(f.system(t.TempDir(), "go"), Options{RequireNotebooks: true})
	if got := r.Failed(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("RequireNotebooks: Failed() = %q, want %q", got, want)
	}
	for _, n := range want {
		c := find(t, r, n)
		if c.Fix == "" || c.Group != GroupNotebooks {
			t.Errorf("check %q: %+v, want a fix in group notebooks", n, c)
		}
	}
	if c := find(t, r, "goimports"); c.Status != Missing || !c.Optional || Label(c) != "[optional]" {
		t.Errorf("goimports with -require-notebooks: %+v, want optional", c)
	}
	if c := find(t, r, "jupyter"); !strings.Contains(c.Fix, "python3-nbclient") || Label(c) != "[missing]" {
		t.Errorf("jupyter check %+v does not name the packages or is not [missing]", c)
	}
	if c := find(t, r, "deepnrc kernel"); !strings.Contains(c.Detail, "not checked") || !strings.Contains(c.Fix, "make kernel") {
		t.Errorf("kernel check without jupyter: %+v", c)
	}
}

// goimports is found in the kernel directory, else on PATH, and is never
// required.
func TestGoimportsBundledWithKernel(t *testing.T) {
	f := healthyNotebookMachine()
	r := Run(f.system(t.TempDir(), "go"), Options{RequireNotebooks: true})
	if c := find(t, r, "goimports"); c.Status != OK || !strings.Contains(c.Detail, "bundled with the deepnrc kernel") {
		t.Fatalf("goimports with the kernel installed = %+v", c)
	}
	if !r.OK() || !r.GroupOK(GroupNotebooks) {
		t.Fatalf("Failed() = %q", r.Failed())
	}
	f.outputs["jupyter kernelspec list --json"] = `{"kernelspecs": {}}`
	r = Run(f.system(t.TempDir(), "go"), Options{RequireNotebooks: true})
	if got := strings.Join(r.Failed(), ","); got != "deepnrc kernel" {
		t.Fatalf("no kernel, no goimports: Failed() = %q, want only the kernel", got)
	}
	if c := find(t, r, "goimports"); c.Status != Missing || !c.Optional {
		t.Errorf("goimports without kernel = %+v", c)
	}
	f.path["goimports"] = "/home/u/go/bin/goimports"
	if c := find(t, Run(f.system(t.TempDir(), "go"), Options{}), "goimports"); c.Status != OK || c.Detail != "/home/u/go/bin/goimports" {
		t.Errorf("goimports on PATH = %+v", c)
	}
}

// An unwritable run store stops the main job.
func TestRunStoreNotWritable(t *testing.T) {
	f := healthyNotebookMachine()
	f.readOnly = true
	r := Run(f.system(t.TempDir(), "go"), Options{})
	c := find(t, r, "run store")
	if c.Status != Missing || c.Optional || !strings.Contains(c.Detail, "permission denied") || !strings.Contains(c.Fix, "DEEPNRC_STORE") {
		t.Fatalf("run store check = %+v", c)
	}
	if r.OK() || r.GroupOK(GroupMain) {
		t.Fatal("report OK with an unwritable run store")
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "[missing]   run store") || !strings.Contains(s, "main job:     NOT READY, missing run store") {
		t.Errorf("text report:\n%s", s)
	}
}

// The real writable check: a fresh directory under an existing one is
// writable (and nothing is left behind); a file is not a directory.
func TestWritable(t *testing.T) {
	dir := t.TempDir()
	if err := writable(filepath.Join(dir, "not", "yet")); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("writable left %d files behind", len(left))
	}
	file := filepath.Join(dir, "f")
	touch(t, file)
	if err := writable(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("writable(file) = %v", err)
	}
}

func TestKernelAbsent(t *testing.T) {
	f := healthyNotebookMachine()
	f.outputs["jupyter kernelspec list --json"] = `{"kernelspecs": {"python3": {}, "gonb": {}}}`
	c := find(t, Run(f.system(t.TempDir(), "go"), Options{}), "deepnrc kernel")
	if c.Status != Missing || c.Detail != `no kernel "deepnrc" among [gonb python3]` {
		t.Fatalf("kernel check = %+v", c)
	}
	f.outputs["jupyter kernelspec list --json"] = "not json"
	if c := find(t, Run(f.system(t.TempDir(), "go"), Options{}), "deepnrc kernel"); c.Status != Missing || !strings.Contains(c.Detail, "cannot parse") {
		t.Fatalf("kernel check on bad JSON = %+v", c)
	}
}

func TestPluginsFromEnvAndRequireXLA(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "go-xla")
	touch(t, filepath.Join(lib, "pjrt_c_api_cpu_plugin.so"))
	touch(t, filepath.Join(lib, "nvidia", "pjrt_c_api_cuda_plugin.so"))
	f := healthyNotebookMachine()
	f.env[backend.EnvPluginPath] = lib + ":" + filepath.Join(lib, "nvidia")

	r := Run(f.system(dir, "go"), Options{RequireXLA: true})
	if len(r.Plugins) != 2 || r.Plugins[0].Name != "cpu" || r.Plugins[1].Name != "cuda" {
		t.Fatalf("plugins = %+v", r.Plugins)
	}
	if r.CUDADataDir != filepath.Join(lib, "nvidia") {
		t.Errorf("CUDADataDir = %q", r.CUDADataDir)
	}
	if got := r.Failed(); len(got) != 1 || got[0] != "xla backend" {
		t.Fatalf("RequireXLA without xla compiled in: Failed() = %q", got)
	}
	if r := Run(f.system(dir, "go", "xla"), Options{RequireXLA: true}); !r.OK() {
		t.Fatalf("xla compiled in + plugins: Failed() = %q", r.Failed())
	}

	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back struct {
		PluginPathEnv *string          `json:"pjrt_plugin_library_path"`
		SearchPaths   []string         `json:"plugin_search_paths"`
		Plugins       []backend.Plugin `json:"plugins"`
		Checks        []Check          `json:"checks"`
	}
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.PluginPathEnv == nil || *back.PluginPathEnv != f.env[backend.EnvPluginPath] ||
		len(back.SearchPaths) != 2 || len(back.Plugins) != 2 || len(back.Checks) != len(r.Checks) {
		t.Fatalf("JSON round trip: %s", buf.String())
	}
}

func TestCUDAConfigNeedsGPU(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "go-xla")
	touch(t, filepath.Join(lib, "pjrt_c_api_cpu_plugin.so"))
	f := healthyNotebookMachine()
	f.env[backend.EnvPluginPath] = lib
	f.env[backend.EnvConfig] = "xla:cuda"

	r := Run(f.system(dir, "go", "xla"), Options{})
	if got := strings.Join(r.Failed(), ","); got != "PJRT plugin,NVIDIA GPU" {
		t.Fatalf("xla:cuda, cpu plugin only, no GPU: Failed() = %q", got)
	}
	if c := find(t, r, "PJRT plugin"); !strings.Contains(c.Detail, `"cuda" plugin is needed`) || !strings.Contains(c.Fix, "-cuda") {
		t.Errorf("plugin check = %+v", c)
	}

	touch(t, filepath.Join(lib, "nvidia", "pjrt_c_api_cuda_plugin.so"))
	f.env[backend.EnvPluginPath] = lib + ":" + filepath.Join(lib, "nvidia")
	f.path["nvidia-smi"] = "/usr/bin/nvidia-smi"
	f.outputs["nvidia-smi -L"] = "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-x)\n"
	r = Run(f.system(dir, "go", "xla"), Options{})
	if !r.OK() {
		t.Fatalf("with GPU and CUDA plugin: Failed() = %q", r.Failed())
	}
	if c := find(t, r, "NVIDIA GPU"); !strings.Contains(c.Detail, "H100") {
		t.Errorf("GPU detail %q", c.Detail)
	}

	f.devices = []string{"/dev/nvidia0", "/dev/nvidiactl"}
	delete(f.path, "nvidia-smi")
	r = Run(f.system(dir, "go", "xla"), Options{})
	if c := find(t, r, "NVIDIA GPU"); c.Status != OK || len(r.GPUDevices) != 2 {
		t.Errorf("devices without nvidia-smi: %+v, devices %v", c, r.GPUDevices)
	}
}

func TestBadBackendConfig(t *testing.T) {
	f := healthyNotebookMachine()
	for cfg, want := range map[string]string{
		"go:parallelism=1": "deadlock",
		"xla:cpu":          "-tags xla",
		"tpu":              "unknown backend",
	} {
		f.env[backend.EnvConfig] = cfg
		r := Run(f.system(t.TempDir(), "go"), Options{})
		c := find(t, r, "backend config")
		if c.Status != Missing || !strings.Contains(c.Fix, want) || !strings.Contains(c.Detail, "from GOMLX_BACKEND") {
			t.Errorf("%s=%s: check %+v, want MISSING with %q", backend.EnvConfig, cfg, c, want)
		}
		if r.OK() {
			t.Errorf("%s=%s: report OK", backend.EnvConfig, cfg)
		}
	}
}
