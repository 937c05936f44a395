package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for people: what was found, then the checks
// group by group (main job, notebooks, accelerators), one line each labelled
// [ok], [missing] (required) or [optional], with the fix under each one that
// is not there, and one verdict per group.
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
	for _, g := range Groups {
		var cs []Check
		for _, c := range r.Checks {
			if c.Group == g {
				cs = append(cs, c)
			}
		}
		if len(cs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n", groupHeading(g, cs))
		for _, c := range cs {
			fmt.Fprintf(&b, "%-11s %-15s %s\n", Label(c), c.Name, c.Detail)
			if c.Status != OK && c.Fix != "" {
				fmt.Fprintf(&b, "%-11s %-15s fix: %s\n", "", "", c.Fix)
			}
		}
	}
	b.WriteString("\n")
	for _, g := range Groups {
		fmt.Fprintf(&b, "%-13s %s\n", string(g)+":", r.groupVerdict(g))
	}
	if failed := r.Failed(); len(failed) > 0 {
		fmt.Fprintf(&b, "\n%d required check(s) missing: %s\n", len(failed), strings.Join(failed, ", "))
	} else {
		b.WriteString("\nall required checks OK\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Label is a check's status as the text report shows it: "[ok]",
// "[missing]" for a required check that failed, "[optional]" for an
// optional one that is not there.
func Label(c Check) string {
	switch {
	case c.Status == OK:
		return "[ok]"
	case c.Optional:
		return "[optional]"
	}
	return "[missing]"
}

// groupHeading names a group and says whether it is required.
func groupHeading(g Group, cs []Check) string {
	required := false
	for _, c := range cs {
		required = required || !c.Optional
	}
	what := map[Group]string{
		GroupMain:         "Main job (deepnrc reproduce, train, measure)",
		GroupNotebooks:    "Notebooks (Jupyter with the \"Go (deepnrc)\" kernel)",
		GroupAccelerators: "Accelerators (XLA backend, PJRT plugins, GPU)",
	}[g]
	switch {
	case g == GroupMain:
		return what + ": required"
	case required:
		return what + ": required by the flags given"
	case g == GroupNotebooks:
		return what + ": optional (-require-notebooks makes it required)"
	}
	return what + ": optional (-require-xla, -require-gpu make it required)"
}

// groupVerdict sums up a group in a few words.
func (r *Report) groupVerdict(g Group) string {
	var missing []string
	required := false
	for _, c := range r.Checks {
		if c.Group != g || c.Status == OK {
			continue
		}
		missing = append(missing, c.Name)
		required = required || !c.Optional
	}
	switch {
	case len(missing) == 0:
		return "ready"
	case required:
		return "NOT READY, missing " + strings.Join(missing, ", ")
	}
	return "not set up (optional), missing " + strings.Join(missing, ", ")
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
