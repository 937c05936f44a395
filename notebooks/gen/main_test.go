package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
)

// The committed notebooks must be exactly what the generator writes, with
// no outputs.
func TestCommittedNotebooksAreGenerated(t *testing.T) {
	if err := run("..", true); err != nil {
		t.Fatal(err)
	}
}

func TestNotebookShape(t *testing.T) {
	nb, err := Notebook("fig2")
	if err != nil {
		t.Fatal(err)
	}
	if !ipynb.ExpectsSVG(nb.Metadata) {
		t.Error("a figure notebook must declare that it shows an SVG")
	}
	var figureCells int
	var code strings.Builder
	for _, c := range nb.Cells {
		if c.Type == ipynb.CodeCell {
			code.WriteString(c.Source)
			if ipynb.ExpectsSVG(c.Metadata) {
				figureCells++
			}
			if len(c.Outputs) > 0 {
				t.Error("generated cells must have no outputs")
			}
		}
	}
	if figureCells != 1 {
		t.Errorf("%d cells expect an SVG, want 1", figureCells)
	}
	// The cells show the pipeline with the public packages, step by step.
	for _, call := range []string{"r.Data(", "data.Describe(", "plot.Targets(", "model.Model", "run.Model.Build(", "train.NewProgress(",
		"experiment.Train(", "records.WriteTable(", "plot.AcrossLayers(", "experiment.Assemble(", "display.Figure("} {
		if !strings.Contains(code.String(), call) {
			t.Errorf("no code cell calls %s", call)
		}
	}
	dir := t.TempDir()
	if err := run(dir, false); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.ipynb"))
	if len(names) != len(files)+1 {
		t.Errorf("wrote %d notebooks, want %d", len(names), len(files)+1)
	}
	back, err := ipynb.Read(filepath.Join(dir, "table2-datasets.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if ipynb.ExpectsSVG(back.Metadata) {
		t.Error("a table notebook must not expect an SVG")
	}
}
