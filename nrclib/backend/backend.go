// Package backend chooses and creates the GoMLX backend that deepnrc trains
// and measures with.
//
// The pure-Go backend ("go") is always compiled in and is the default; it
// needs no cgo and downloads nothing. The XLA/PJRT backend ("xla", for CPU or
// CUDA) is compiled in only with the build tag "xla" (which needs cgo) and
// needs a PJRT plugin installed on the machine (the Docker images under
// docker/ install one; so does `go run ./cmd/install-pjrt`).
//
// The choice comes from $GOMLX_BACKEND when set, else DefaultConfig.
// Every constructor sets GOMLX_NO_AUTO_INSTALL=1 first, so a run never tries
// to download a plugin, and every failure is returned as an error that says
// what to do, never a panic.
package backend

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // registers "go"

	"github.com/deepnrc/deepnrc/nrclib/fastexec"
)

// Environment variables read or written by this package.
const (
	// EnvConfig selects the backend configuration, "<name>[:<options>]",
	// e.g. "go:parallelism=-1,dotgeneral_large", "xla:cpu" or "xla:cuda".
	EnvConfig = backends.ConfigEnvVar // "GOMLX_BACKEND"
	// EnvNoAutoInstall, when set, stops the XLA backend from downloading
	// PJRT plugins. New and NewWithConfig always set it to "1".
	EnvNoAutoInstall = "GOMLX_NO_AUTO_INSTALL"
	// EnvPluginPath is a ":"-separated list of directories searched for
	// PJRT plugins; when set, nothing else is searched.
	EnvPluginPath = "PJRT_PLUGIN_LIBRARY_PATH"
	// EnvXLAFlags carries flags for XLA, among them
	// --xla_gpu_cuda_data_dir=<dir with the NVIDIA libraries>.
	EnvXLAFlags = "XLA_FLAGS"
)

// DefaultConfig is the configuration used when $GOMLX_BACKEND is unset, and
// what a bare "go" means. It is the pure-Go backend with an unlimited worker
// pool and the large-matrix DotGeneral: with its stock options GoMLX v0.26's
// pure-Go backend can deadlock on convolutional nets (every worker slot held
// by an op that waits for a free slot).
const DefaultConfig = "go:parallelism=-1,dotgeneral_large"

// Backend names as GoMLX registers them.
const (
	// Go is the pure-Go backend, always compiled in.
	Go = "go"
	// XLA is the XLA/PJRT backend, compiled in with the build tag "xla".
	XLA = "xla"
)

// xlaAliases are further names GoMLX registers for the XLA backend.
var xlaAliases = []string{"stablehlo", "hlo", "shlo"}

// disableXLAAutoInstall is set by the xla build to turn off the XLA
// backend's plugin auto-install in this process (the XLA backend reads
// GOMLX_NO_AUTO_INSTALL only at program start, before New can set it).
var disableXLAAutoInstall func()

// ErrNoXLA is wrapped by the error returned when an XLA configuration is
// asked of a binary built without the "xla" build tag.
var ErrNoXLA = errors.New("this binary was built without XLA: rebuild with `go build -tags xla` (needs cgo) " +
	"and install the PJRT plugin (see docker/ or `go run ./cmd/install-pjrt`)")

// ErrNoPlugin is wrapped by the error returned when the XLA backend is
// compiled in but no usable PJRT plugin was found.
var ErrNoPlugin = errors.New("no usable PJRT plugin found")

// Config returns the configuration New uses: $GOMLX_BACKEND when set and
// not blank, else DefaultConfig.
func Config() string {
	if c, ok := os.LookupEnv(EnvConfig); ok && strings.TrimSpace(c) != "" {
		return strings.TrimSpace(c)
	}
	return DefaultConfig
}

// New creates the backend named by $GOMLX_BACKEND, or DefaultConfig when it
// is unset. See NewWithConfig.
func New() (backends.Backend, error) {
	return NewWithConfig(Config())
}

// NewWithConfig creates the backend for cfg, "<name>[:<options>]". A bare
// "go" (or "") means DefaultConfig. Configurations of the pure-Go backend
// that can deadlock are rejected (see Validate). An unavailable backend is
// an error that names the fix, never a panic. It sets GOMLX_NO_AUTO_INSTALL=1
// before anything else.
//
// GoMLX announces a pure-Go "parallelism" option on stdout; NewWithConfig
// drops that line by pointing os.Stdout at a pipe during the call (other
// output printed meanwhile goes to stderr), so create backends before
// starting goroutines that print to stdout.
func NewWithConfig(cfg string) (b backends.Backend, err error) {
	if err := os.Setenv(EnvNoAutoInstall, "1"); err != nil {
		return nil, fmt.Errorf("backend: setting %s: %w", EnvNoAutoInstall, err)
	}
	if disableXLAAutoInstall != nil {
		disableXLAAutoInstall()
	}
	cfg = normalize(cfg)
	if err := Validate(cfg); err != nil {
		return nil, err
	}
	name, _ := split(cfg)
	if isXLA(name) {
		setCUDADataDir(SearchPaths(), os.LookupEnv, os.Setenv)
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("backend %q: GoMLX failed: %v", cfg, r)
		}
	}()
	if name == Go {
		if err := installFast(); err != nil {
			return nil, fmt.Errorf("backend %q: %w", cfg, err)
		}
		b, err = newQuiet(cfg)
	} else {
		b, err = backends.NewWithConfig(cfg)
	}
	if err != nil {
		if isXLA(name) {
			return nil, pluginError(cfg, err)
		}
		return nil, fmt.Errorf("backend %q: %w", cfg, err)
	}
	return b, nil
}

// Validate checks cfg without creating a backend: the backend must be
// compiled in, and a pure-Go configuration must not be one that deadlocks.
// A positive parallelism (explicit, or the pure-Go backend's own default of
// the number of CPUs when the option is absent) bounds the worker pool, and
// when ops also run in parallel (GoMLX's default) each op can hold a slot
// while waiting for another, which hangs forever; such configurations are
// rejected unless ops_sequential is given. A bare "go" is DefaultConfig.
func Validate(cfg string) error {
	cfg = normalize(cfg)
	name, opts := split(cfg)
	if !slices.Contains(backends.List(), name) {
		if isXLA(name) {
			return fmt.Errorf("backend %q: %w", cfg, ErrNoXLA)
		}
		return fmt.Errorf("backend %q: unknown backend %q; this binary has %s (e.g. %s=%s)",
			cfg, name, strings.Join(Compiled(), ", "), EnvConfig, DefaultConfig)
	}
	if name == Go {
		return validateGo(cfg, opts)
	}
	return nil
}

// goOptions lists the options GoMLX v0.26's pure-Go backend understands.
const goOptions = "parallelism=N, dotgeneral_small, dotgeneral_large, dotgeneral_check, ops_sequential, ops_parallel"

// validateGo rejects unknown pure-Go options and option sets whose bounded worker pool can
// deadlock with parallel op execution.
func validateGo(cfg, opts string) error {
	bounded, sequential := true, false // GoMLX's default pool is NumCPU workers.
	var par string
	for _, o := range strings.Split(opts, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(o), "=")
		switch key {
		case "parallelism":
			n, err := strconv.Atoi(val)
			if err != nil {
				return fmt.Errorf("backend %q: parallelism=%q is not an integer; use -1 (unlimited, the default %q) or 0 (no worker goroutines)",
					cfg, val, DefaultConfig)
			}
			bounded, par = n > 0, o
		case "ops_sequential":
			sequential = true
		case "ops_parallel":
			sequential = false
		case "dotgeneral_small", "dotgeneral_large", "dotgeneral_check", "":
		default:
			return fmt.Errorf("backend %q: unknown option %q of the pure-Go backend; its options are %s (e.g. %s=%s)",
				cfg, key, goOptions, EnvConfig, DefaultConfig)
		}
	}
	if bounded && !sequential {
		what := "no parallelism option leaves GoMLX's bounded default pool (NumCPU workers)"
		if par != "" {
			what = par + " bounds the worker pool"
		}
		return fmt.Errorf("backend %q: %s, and with ops run in parallel GoMLX v0.26's pure-Go backend deadlocks "+
			"(each running op waits for a worker slot that the others hold): use the default %q (unset %s), "+
			"or add ops_sequential", cfg, what, DefaultConfig, EnvConfig)
	}
	return nil
}

// Compiled lists the backends compiled into this binary, sorted, without
// the XLA backend's aliases: ["go"] or ["go", "xla"].
func Compiled() []string {
	var names []string
	for _, n := range backends.List() {
		if !slices.Contains(xlaAliases, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// normalize trims cfg and expands a bare "go" to DefaultConfig.
func normalize(cfg string) string {
	cfg = strings.TrimSpace(cfg)
	if cfg == "" || cfg == Go || cfg == Go+":" {
		return DefaultConfig
	}
	return cfg
}

// split separates "<name>:<options>".
func split(cfg string) (name, opts string) {
	name, opts, _ = strings.Cut(cfg, ":")
	return name, opts
}

// isXLA reports whether name is the XLA backend or one of its aliases.
func isXLA(name string) bool {
	return name == XLA || slices.Contains(xlaAliases, name)
}

// installFast puts package gemm's matrix product into the pure-Go backend
// (see nrclib/fastexec). A bad $DEEPNRC_GEMM is an error; GoMLX internals
// that differ from v0.26.0 leave the stock product in place, with one
// warning on stderr.
func installFast() error {
	err := fastexec.Install()
	if err == nil {
		return nil
	}
	if errors.Is(err, fastexec.ErrInternals) {
		warnOnce.Do(func() {
			fmt.Fprintf(os.Stderr, "deepnrc: warning: %v; training uses GoMLX's slower matrix product\n", err)
		})
		return nil
	}
	return err
}

var warnOnce sync.Once

// stdoutMu serialises newQuiet's redirection of os.Stdout.
var stdoutMu sync.Mutex

// notice is the start of the line GoMLX's pure-Go backend prints on stdout
// when given a parallelism option.
const notice = "SimpleGo backend: parallelism set to"

// newQuiet creates a pure-Go backend. GoMLX prints a "parallelism set to"
// notice on stdout while doing so; it is dropped so that a command's stdout
// stays machine-readable and notebooks stay clean. For that, os.Stdout
// points to a pipe for the duration of the call; anything else printed
// meanwhile is passed on to stderr.
func newQuiet(cfg string) (backends.Backend, error) {
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	r, w, err := os.Pipe()
	if err != nil {
		return backends.NewWithConfig(cfg)
	}
	captured := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		_ = r.Close()
		captured <- b
	}()
	stdout := os.Stdout
	os.Stdout = w
	defer func() {
		os.Stdout = stdout
		_ = w.Close()
		for _, line := range strings.SplitAfter(string(<-captured), "\n") {
			if line != "" && !strings.HasPrefix(line, notice) {
				_, _ = io.WriteString(os.Stderr, line)
			}
		}
	}()
	return backends.NewWithConfig(cfg)
}

// pluginError explains an XLA backend failure: the underlying error, where
// plugins were searched, what was found, and how to install one.
func pluginError(cfg string, cause error) error {
	dirs := SearchPaths()
	found := FindPlugins(dirs)
	var b strings.Builder
	if v, ok := os.LookupEnv(EnvPluginPath); ok {
		fmt.Fprintf(&b, "searched %s=%s:\n", EnvPluginPath, v)
	} else {
		fmt.Fprintf(&b, "%s is unset; searched:\n", EnvPluginPath)
	}
	for _, d := range dirs {
		fmt.Fprintf(&b, "  %s\n", d)
	}
	if len(found) == 0 {
		b.WriteString("found no pjrt_c_api_*_plugin.so files.\n")
	} else {
		for _, p := range found {
			fmt.Fprintf(&b, "found plugin %q at %s\n", p.Name, p.Path)
		}
		b.WriteString("(a cuda plugin is skipped when no NVIDIA GPU is visible: check /dev/nvidia* and nvidia-smi)\n")
	}
	fmt.Fprintf(&b, "fix: install a plugin with `go run ./cmd/install-pjrt` (CPU; add -cuda for CUDA; needs network) "+
		"or use the Docker images in docker/, and set %s to its directory; or use the pure-Go backend (unset %s)",
		EnvPluginPath, EnvConfig)
	return fmt.Errorf("backend %q: %w: %w\n%s", cfg, ErrNoPlugin, cause, b.String())
}

var (
	sharedMu sync.Mutex
	sharedB  backends.Backend
)

// Shared returns one backend.New() per process, created on first use: the
// backend runs share when none is given.
func Shared() (backends.Backend, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedB == nil {
		b, err := New()
		if err != nil {
			return nil, err
		}
		sharedB = b
	}
	return sharedB, nil
}
