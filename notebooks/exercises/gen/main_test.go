package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
	"github.com/deepnrc/deepnrc/nrclib/exercise"
)

// The committed notebooks are exactly what gen writes.
func TestNotebooksUpToDate(t *testing.T) {
	if err := run("..", true, "", io.Discard); err != nil {
		t.Fatal(err)
	}
}

var checkCall = regexp.MustCompile(`exercise\.Check\("([a-z0-9-]+)"`)

func TestStudentAndSolutionNotebooks(t *testing.T) {
	all, err := exercises()
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range all {
		student, solution := ex.notebook(false), ex.notebook(true)
		var called []string
		for _, c := range ex.cells {
			if c.student != "" {
				if !strings.Contains(c.student, "TODO") {
					t.Errorf("%s: an answer cell's student version has no TODO:\n%s", ex.file, c.student)
				}
				if strings.Contains(c.solution, "TODO") {
					t.Errorf("%s: a solution still has a TODO:\n%s", ex.file, c.solution)
				}
				if c.student == c.solution {
					t.Errorf("%s: student and solution versions are identical", ex.file)
				}
			}
			for _, src := range []string{c.code, c.student, c.solution} {
				for _, m := range checkCall.FindAllStringSubmatch(src, -1) {
					if !slices.Contains(called, m[1]) {
						called = append(called, m[1])
					}
				}
			}
		}
		if !slices.Equal(called, ex.checks) {
			t.Errorf("%s: cells call checks %v, but the exercise lists %v", ex.file, called, ex.checks)
		}
		for _, id := range ex.checks {
			if !slices.Contains(exercise.IDs(), id) {
				t.Errorf("%s: check %s is not registered in package exercise", ex.file, id)
			}
		}
		for _, c := range student.Cells {
			if strings.Contains(c.Source, exercise.ExpectEnv) {
				t.Errorf("%s: the student notebook sets strict mode", ex.file)
			}
		}
		if !strings.Contains(solution.Cells[1].Source, exercise.ExpectEnv+"=correct") {
			t.Errorf("%s: the solutions notebook does not start with strict mode: %q", ex.file, solution.Cells[1].Source)
		}
		if len(solution.Cells) != len(student.Cells)+2 {
			t.Errorf("%s: %d solution cells vs %d student cells", ex.file, len(solution.Cells), len(student.Cells))
		}
	}
}

// executed writes fake executed notebooks whose check lines say status for
// every check (student: "not yet", solutions: "correct" unless broken).
func executed(t *testing.T, broken string) string {
	t.Helper()
	dir := t.TempDir()
	all, err := exercises()
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range all {
		for _, sol := range []bool{false, true} {
			nb := ex.notebook(sol)
			var lines []string
			for _, id := range ex.checks {
				switch {
				case sol && id != broken:
					lines = append(lines, "✓ "+id+": correct")
				default:
					lines = append(lines, "✗ "+id+": not yet — hint: something")
				}
			}
			data := withOutput(t, nb, strings.Join(lines, "\n")+"\n")
			rel := ex.file + ".ipynb"
			if sol {
				rel = filepath.Join("solutions", rel)
			}
			path := filepath.Join(dir, rel)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// withOutput returns nb's JSON with text as the stdout of its last code cell,
// as an executed notebook holds it.
func withOutput(t *testing.T, nb *ipynb.Notebook, text string) []byte {
	t.Helper()
	raw, err := nb.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	cells := doc["cells"].([]any)
	for i := len(cells) - 1; i >= 0; i-- {
		c := cells[i].(map[string]any)
		if c["cell_type"] == "code" {
			c["execution_count"] = 1
			c["outputs"] = []any{map[string]any{"output_type": "stream", "name": "stdout", "text": text}}
			break
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyExecuted(t *testing.T) {
	if err := run("", false, executed(t, ""), io.Discard); err != nil {
		t.Fatalf("a good run fails verification: %v", err)
	}
	err := run("", false, executed(t, "c2-underfit"), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "solutions/03-weight-decay.ipynb: check c2-underfit says \"not yet\"") {
		t.Fatalf("a failing solution check: %v", err)
	}
	dir := executed(t, "")
	if err := os.Remove(filepath.Join(dir, "02-first-collapsed.ipynb")); err != nil {
		t.Fatal(err)
	}
	if err := run("", false, dir, io.Discard); err == nil || !strings.Contains(err.Error(), "02-first-collapsed") {
		t.Fatalf("a missing notebook: %v", err)
	}
}

func TestCheckModeReportsStaleFiles(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir, false, "", io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(dir, true, "", io.Discard); err != nil {
		t.Fatalf("fresh output is stale: %v", err)
	}
	p := filepath.Join(dir, "solutions", "04-intrinsic-dimension.ipynb")
	if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(dir, true, "", io.Discard); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("edited notebook not reported: %v", err)
	}
}
