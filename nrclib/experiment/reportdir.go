package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// withResultsInDir returns the results to put in the report of outDir:
// those just computed, and, for every other experiment whose <id>.json is
// in outDir (from an earlier Reproduce into the same directory), the
// result read back from it, its figure taken from <id>.svg; in the paper's
// order. So `reproduce fig7` after a full reproduce keeps every figure in
// the report instead of replacing it with a one-figure one. A file that
// cannot be read back is skipped and named in the returned notes.
func withResultsInDir(outDir string, fresh []*Result) (all []*Result, notes []string) {
	byID := map[string]*Result{}
	for _, r := range fresh {
		byID[r.Spec.ID] = r
	}
	for _, id := range IDs() {
		if r, ok := byID[id]; ok {
			all = append(all, r)
			continue
		}
		r, err := readResultFile(outDir, id)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			notes = append(notes, fmt.Sprintf("%s.json left out of the report: %v", id, err))
		default:
			all = append(all, r)
		}
	}
	return all, notes
}

// readResultFile reads outDir/<id>.json (and <id>.svg, when present)
// written by Result.WriteFiles.
func readResultFile(outDir, id string) (*Result, error) {
	b, err := os.ReadFile(filepath.Join(outDir, id+".json"))
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("not a result file: %w", err)
	}
	if r.Spec == nil || r.Spec.ID != id {
		return nil, fmt.Errorf("it does not hold the result of %s", id)
	}
	if svg, err := os.ReadFile(filepath.Join(outDir, id+".svg")); err == nil {
		r.svg = svg
	}
	if svg, err := os.ReadFile(filepath.Join(outDir, id+"-dynamics.svg")); err == nil {
		r.dynamicsSVG = svg
	}
	return &r, nil
}
