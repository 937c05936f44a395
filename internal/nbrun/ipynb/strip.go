package ipynb

import "fmt"

// executionMetadata are the cell metadata keys that record a run (nbclient's
// timing and the ExecuteTime extension); Strip removes them with outputs.
var executionMetadata = []string{"execution", "ExecuteTime"}

// Dirt lists what, in a notebook meant to be committed, records a run: one
// line per code cell with outputs, an execution count or execution timing
// metadata. It is empty for a clean notebook.
func Dirt(nb *Notebook) []string {
	var dirt []string
	for i, c := range nb.Cells {
		if c.Type != CodeCell {
			continue
		}
		if len(c.Outputs) > 0 {
			dirt = append(dirt, fmt.Sprintf("cell %d has %d output(s)", i, len(c.Outputs)))
		}
		if c.ExecutionCount != nil {
			dirt = append(dirt, fmt.Sprintf("cell %d has execution count %d", i, *c.ExecutionCount))
		}
		for _, k := range executionMetadata {
			if _, ok := c.Metadata[k]; ok {
				dirt = append(dirt, fmt.Sprintf("cell %d has %q metadata", i, k))
			}
		}
	}
	return dirt
}

// Strip removes from nb every output, execution count and execution timing
// metadata of its code cells, and reports whether anything was removed.
// Everything else (sources, ids, other metadata) is kept.
func Strip(nb *Notebook) bool {
	changed := false
	for i := range nb.Cells {
		c := &nb.Cells[i]
		if c.Type != CodeCell {
			continue
		}
		if len(c.Outputs) > 0 || c.ExecutionCount != nil {
			changed = true
		}
		c.Outputs, c.ExecutionCount = nil, nil
		for _, k := range executionMetadata {
			if _, ok := c.Metadata[k]; ok {
				delete(c.Metadata, k)
				changed = true
			}
		}
	}
	return changed
}

// StripFile strips the notebook at path in place (atomically) when it has
// outputs, and reports whether the file changed. A clean notebook is left
// untouched, byte for byte.
func StripFile(path string) (bool, error) {
	nb, err := Read(path)
	if err != nil {
		return false, err
	}
	if !Strip(nb) {
		return false, nil
	}
	return true, nb.Write(path)
}
