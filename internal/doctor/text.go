package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for people: what was found, then one line
// per check with the fix under each one that is missing.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "deepnrc doctor (%s, %s)\n\n", r.GoVersion, r.Platform)
	fmt.Fprintf(&b, "backends compiled in: %s\n", strings.Join(r.Backends, ", "))
	fmt.Fprintf(&b, "backend config:       %s\n", r.BackendConfig)
	if r.PluginPathEnv != nil {
		fmt.Fprintf(&b, "PJRT plugin search (PJRT_PLUGIN_LIBRARY_PATH=%s):\n", *r.PluginPathEnv)
	} else {
		b.WriteString("PJRT plugin search (PJRT_PLUGIN_LIBRARY_PATH unset; go-xla's default order):\n")
	}
	for _, d := range r.SearchPaths {
		fmt.Fprintf(&b, "  %s\n", d)
	}
	if len(r.Plugins) == 0 {
		b.WriteString("PJRT plugins found:   none\n")
	} else {
		b.WriteString("PJRT plugins found:\n")
		for _, p := range r.Plugins {
			fmt.Fprintf(&b, "  %-12s %s\n", p.Name, p.Path)
		}
	}
	if r.CUDADataDir != "" {
		fmt.Fprintf(&b, "NVIDIA libraries:     %s (XLA_FLAGS=--xla_gpu_cuda_data_dir=...)\n", r.CUDADataDir)
	}
	b.WriteString("\n")
	for _, c := range r.Checks {
		opt := ""
		if c.Optional && c.Status != OK {
			opt = " (optional)"
		}
		fmt.Fprintf(&b, "%-9s %-15s %s%s\n", "["+string(c.Status)+"]", c.Name, c.Detail, opt)
		if c.Status != OK && c.Fix != "" {
			fmt.Fprintf(&b, "%-9s %-15s fix: %s\n", "", "", c.Fix)
		}
	}
	if failed := r.Failed(); len(failed) > 0 {
		fmt.Fprintf(&b, "\n%d required check(s) missing: %s\n", len(failed), strings.Join(failed, ", "))
	} else {
		b.WriteString("\nall required checks OK\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
