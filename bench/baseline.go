package bench

import (
	"os"
	"strings"
)

// OpenBLASOverrides are the environment variables that make OpenBLAS use
// kernels other than those it detects for the CPU. Some machines set them
// globally (this project's build machines set OPENBLAS_CORETYPE=Haswell and
// OPENBLAS_L2_SIZE), which halves OpenBLAS on AVX-512 CPUs; a baseline runs
// as its users run it, so its process gets an environment without them.
var OpenBLASOverrides = []string{"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}

// Baseline names how a NumPy/PyTorch baseline process runs OpenBLAS: Core
// "" is the kernel OpenBLAS detects itself (its users' default); another
// value forces that core with OPENBLAS_CORETYPE (e.g. "SkylakeX", to show
// what OpenBLAS's AVX-512 kernels do where its detection falls back to a
// generic core).
type Baseline struct {
	Core string `json:"openblas_core_forced,omitempty"`
}

// Name is "native" or "core=<Core>".
func (b Baseline) Name() string {
	if b.Core == "" {
		return "native"
	}
	return "core=" + b.Core
}

// env returns the environment of the baseline process: the current one
// without OpenBLASOverrides, plus OPENBLAS_CORETYPE=Core when forced. It
// also returns the overrides it removed ("NAME=value"), for the report.
func (b Baseline) env() (env, removed []string) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, o := range OpenBLASOverrides {
			if name == o {
				drop = true
			}
		}
		if drop {
			removed = append(removed, kv)
			continue
		}
		env = append(env, kv)
	}
	if b.Core != "" {
		env = append(env, "OPENBLAS_CORETYPE="+b.Core)
	}
	return env, removed
}

// ParseBaselines reads a comma-separated list of baselines: "native" or a
// core name for OPENBLAS_CORETYPE.
func ParseBaselines(s string) []Baseline {
	var out []Baseline
	for _, f := range strings.Split(s, ",") {
		switch f = strings.TrimSpace(f); f {
		case "":
		case "native":
			out = append(out, Baseline{})
		default:
			out = append(out, Baseline{Core: f})
		}
	}
	return out
}

// BLASInfo describes the OpenBLAS a baseline process loaded.
type BLASInfo struct {
	// Core is openblas_get_corename(): the kernel family in use.
	Core string `json:"openblas_core"`
	// Threads is openblas_get_num_threads().
	Threads int `json:"openblas_threads"`
	// Config is openblas_get_config().
	Config string `json:"openblas_config"`
	// Library is the shared object, "" when no OpenBLAS was loaded.
	Library string `json:"library"`
	// Unset lists the override variables removed from the process's
	// environment ("NAME=value").
	Unset []string `json:"unset_overrides,omitempty"`
}
