// Command install-pjrt downloads and installs the PJRT plugins that the XLA
// backend of deepnrc loads: the CPU plugin (from GitHub releases) and, with
// -cuda, the CUDA plugin plus the NVIDIA libraries it needs (from the Python
// package index). It needs network access; runs of deepnrc never download
// anything themselves.
//
// Usage:
//
//	go run ./cmd/install-pjrt [-dir /usr/local/lib/go-xla] [-cuda] [-cpu=false]
//
// The CPU plugin lands in <dir> (pjrt_c_api_cpu_<version>_plugin.so plus a
// link pjrt_c_api_cpu_plugin.so); the CUDA plugin and the NVIDIA libraries
// in <dir>/nvidia. A plugin already present is left alone unless -force is
// given. Afterwards it prints the environment a deepnrc run needs:
// PJRT_PLUGIN_LIBRARY_PATH, GOMLX_NO_AUTO_INSTALL and, with CUDA, XLA_FLAGS.
// The command itself needs no cgo; only deepnrc built with -tags xla does.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/gomlx/go-xla/pkg/installer"
)

// DefaultCPUVersion is the CPU plugin release that go-xla v0.1.4 (the
// version in this module's graph) was built and tested against.
const DefaultCPUVersion = "v0.83.3"

// installers are the download steps; tests replace them.
type installers struct {
	cpu  func(platform, version, dir string, cache bool, v installer.VerbosityLevel) error
	cuda func(plugin, version, dir string, cache bool, v installer.VerbosityLevel) error
}

func main() {
	inst := installers{cpu: installer.CPUInstall, cuda: installer.CudaInstall}
	if err := run(os.Args[1:], os.Stdout, os.Stderr, inst); err != nil {
		fmt.Fprintln(os.Stderr, "install-pjrt:", err)
		os.Exit(1)
	}
}

// run parses args, installs what is asked and not yet present, checks that
// the plugin files are there afterwards, and prints the environment to set.
func run(args []string, stdout, stderr io.Writer, inst installers) error {
	fs := flag.NewFlagSet("install-pjrt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "/usr/local/lib/go-xla", "directory to install into (CUDA goes to <dir>/nvidia); `~` is expanded")
	cpu := fs.Bool("cpu", true, "install the CPU plugin")
	cpuVersion := fs.String("cpu-version", DefaultCPUVersion, "CPU plugin release (github.com/gomlx/pjrt-cpu-binaries), or \"latest\"")
	cuda := fs.Bool("cuda", false, "install the CUDA plugin and NVIDIA libraries (several GB, from the Python package index)")
	cudaPlugin := fs.String("cuda-plugin", "cuda13", "CUDA flavour: cuda13 or cuda12 (must match the host driver)")
	cudaVersion := fs.String("cuda-version", "latest", "JAX release whose CUDA plugin to install")
	force := fs.Bool("force", false, "reinstall even if the plugin is already present")
	cache := fs.Bool("cache", false, "keep downloads in the user cache directory (go-xla/) for reuse")
	verbose := fs.Bool("v", false, "verbose progress")
	quiet := fs.Bool("q", false, "no progress output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; all options are flags (-h lists them)", fs.Args())
	}
	if !*cpu && !*cuda {
		return errors.New("nothing to install: -cpu=false and no -cuda")
	}
	if *cuda && !slices.Contains([]string{"cuda12", "cuda13"}, *cudaPlugin) {
		return fmt.Errorf("-cuda-plugin %q: want cuda12 or cuda13", *cudaPlugin)
	}
	d, err := expandHome(*dir)
	if err != nil {
		return err
	}
	verbosity := installer.Normal
	switch {
	case *verbose:
		verbosity = installer.Verbose
	case *quiet:
		verbosity = installer.Quiet
	}
	nvidia := filepath.Join(d, "nvidia")

	if *cpu {
		if has(d, "cpu") && !*force {
			fmt.Fprintf(stdout, "CPU plugin already in %s (use -force to reinstall)\n", d)
		} else {
			platform := runtime.GOOS + "_" + runtime.GOARCH
			if err := inst.cpu(platform, *cpuVersion, d, *cache, verbosity); err != nil {
				return fmt.Errorf("installing the CPU plugin %s for %s into %s (needs access to api.github.com): %w",
					*cpuVersion, platform, d, err)
			}
		}
		if !has(d, "cpu") {
			return fmt.Errorf("the CPU installer finished but %s has no pjrt_c_api_cpu_plugin.so", d)
		}
	}
	if *cuda {
		if has(nvidia, "cuda") && !*force {
			fmt.Fprintf(stdout, "CUDA plugin already in %s (use -force to reinstall)\n", nvidia)
		} else if err := inst.cuda(*cudaPlugin, *cudaVersion, d, *cache, verbosity); err != nil {
			return fmt.Errorf("installing the %s plugin %s into %s (needs access to pypi.org): %w",
				*cudaPlugin, *cudaVersion, nvidia, err)
		}
		if !has(nvidia, "cuda") {
			return fmt.Errorf("the CUDA installer finished but %s has no pjrt_c_api_cuda_plugin.so", nvidia)
		}
	}

	fmt.Fprintln(stdout, "\nInstalled. For deepnrc built with -tags xla, set:")
	paths := []string{}
	if *cpu {
		paths = append(paths, d)
	}
	if *cuda {
		paths = append(paths, nvidia)
	}
	fmt.Fprintf(stdout, "  export %s=%s\n", backend.EnvPluginPath, strings.Join(paths, ":"))
	fmt.Fprintf(stdout, "  export %s=1\n", backend.EnvNoAutoInstall)
	if *cuda {
		fmt.Fprintf(stdout, "  export %s=--xla_gpu_cuda_data_dir=%s\n", backend.EnvXLAFlags, nvidia)
		fmt.Fprintf(stdout, "  export %s=xla:cuda\n", backend.EnvConfig)
	} else {
		fmt.Fprintf(stdout, "  export %s=xla:cpu\n", backend.EnvConfig)
	}
	return nil
}

// has reports whether dir holds a plugin file of the given name.
func has(dir, name string) bool {
	for _, p := range backend.FindPlugins([]string{dir}) {
		if p.Name == name {
			return true
		}
	}
	return false
}

// expandHome replaces a leading "~" with the home directory and makes the
// path absolute.
func expandHome(p string) (string, error) {
	if p == "" {
		return "", errors.New("-dir is empty")
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("expanding %q: %w", p, err)
		}
		p = filepath.Join(home, p[1:])
	}
	return filepath.Abs(p)
}
