package ipynb

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func mustRead(t *testing.T, name string) *Notebook {
	t.Helper()
	nb, err := Read(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

type found struct {
	Cell   int
	Kind   string
	Detail string
}

func problems(r *Report) []found {
	var out []found
	for _, p := range r.Problems {
		out = append(out, found{p.Cell, p.Kind, p.Detail})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cell != out[j].Cell {
			return out[i].Cell < out[j].Cell
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

func TestParseMultilineSource(t *testing.T) {
	nb := mustRead(t, "check-ok.ipynb")
	if got, want := nb.Cells[1].Source, "%%\nfmt.Println(\"...\")"; got != want {
		t.Errorf("list source joined to %q, want %q", got, want)
	}
	if got, want := nb.Cells[2].Source, "%%\nshow()"; got != want {
		t.Errorf("string source read as %q, want %q", got, want)
	}
	if got, want := nb.Cells[2].Outputs[0].Data["image/svg+xml"], `<svg xmlns="http://www.w3.org/2000/svg"></svg>`; got != want {
		t.Errorf("svg data %q, want %q", got, want)
	}
	if c := nb.Cells[2].ExecutionCount; c == nil || *c != 2 {
		t.Errorf("execution count %v, want 2", c)
	}
}

func TestParseRejects(t *testing.T) {
	for name, data := range map[string]string{
		"not json":  `{"cells": [`,
		"nbformat3": `{"cells": [], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}`,
		"bad type":  `{"cells": [{"cell_type": "python", "source": ""}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`,
		"trailing":  `{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5} {}`,
	} {
		if _, err := Parse([]byte(data)); err == nil {
			t.Errorf("%s: Parse accepted %s", name, data)
		}
	}
}

func TestCheckCleanNotebook(t *testing.T) {
	r := Check(mustRead(t, "check-ok.ipynb"))
	if !r.OK() {
		t.Errorf("problems in a clean notebook: %v", r.Problems)
	}
	// One image/svg+xml output and one upper-case <SVG> inside HTML.
	if r.SVGs != 2 {
		t.Errorf("SVGs = %d, want 2", r.SVGs)
	}
	if r.CodeCells != 3 || r.Executed != 3 {
		t.Errorf("code cells %d executed %d, want 3 and 3", r.CodeCells, r.Executed)
	}
}

func TestCheckFindsFailures(t *testing.T) {
	r := Check(mustRead(t, "check-errors.ipynb"))
	want := []found{
		{0, KindExit, "exit status 2"},
		{0, KindPanic, "panic: boom"},
		{1, KindError, `ERROR: failed to run "/usr/local/go/bin/go build": exit status 1`},
		{2, KindNotRun, "code cell(s) 2, 3 have no execution count (execution stopped before them)"},
		{3, KindNoSVG, "the cell declares deepnrc.expects_svg but displayed no SVG"},
	}
	if got := problems(r); !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n got %+v\nwant %+v", got, want)
	}
	if r.CodeCells != 4 || r.Executed != 2 {
		t.Errorf("code cells %d executed %d, want 4 (the blank one does not count) and 2", r.CodeCells, r.Executed)
	}
	s := r.Problems[0].String()
	if !strings.HasPrefix(s, "cell 0 (id p) [") {
		t.Errorf("Problem.String() = %q, want it to name the cell and id", s)
	}
}

func TestCheckMissingFigure(t *testing.T) {
	r := Check(mustRead(t, "check-nosvg.ipynb"))
	want := []found{{-1, KindNoSVG, "the notebook declares deepnrc.expects_svg but no cell displayed an SVG"}}
	if got := problems(r); !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n got %+v\nwant %+v", got, want)
	}
	if r.SVGs != 0 {
		t.Errorf("SVGs = %d: an HTML table and <svg> printed on stdout are not figures", r.SVGs)
	}
}

func TestCheckRealExecutedNotebook(t *testing.T) {
	// Written by nbclient from a GoNB run whose last cell panicked.
	r := Check(mustRead(t, "executed-panic.ipynb"))
	want := []found{{2, KindExit, "exit status 2"}, {2, KindPanic, "panic: deliberate"}}
	if got := problems(r); !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n got %+v\nwant %+v", got, want)
	}
	if r.SVGs != 1 {
		t.Errorf("SVGs = %d, want 1 (GoNB's DisplaySvg sends HTML)", r.SVGs)
	}
}

func TestStripMatchesNbformat(t *testing.T) {
	// The expected file was produced by Python's nbformat: outputs and
	// execution counts cleared, "execution" metadata popped, nbformat.write.
	dir := t.TempDir()
	p := filepath.Join(dir, "nb.ipynb")
	src, err := os.ReadFile(filepath.Join("testdata", "executed-panic.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	before := mustReadPath(t, p)
	if len(Dirt(before)) != 9 { // 3 cells × (outputs, count, execution metadata)
		t.Errorf("Dirt = %q, want 9 entries", Dirt(before))
	}
	changed, err := StripFile(p)
	if err != nil || !changed {
		t.Fatalf("StripFile = %v, %v; want true, nil", changed, err)
	}
	got, _ := os.ReadFile(p)
	want, err := os.ReadFile(filepath.Join("testdata", "executed-panic.stripped.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("stripped notebook differs from nbformat's:\n%s", got)
	}
	if d := Dirt(mustReadPath(t, p)); len(d) != 0 {
		t.Errorf("Dirt after Strip = %q", d)
	}
	// A clean notebook is left alone.
	changed, err = StripFile(p)
	if err != nil || changed {
		t.Errorf("second StripFile = %v, %v; want false, nil", changed, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func mustReadPath(t *testing.T, p string) *Notebook {
	t.Helper()
	nb, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

func TestMarshalMatchesNbformat(t *testing.T) {
	md := Markdown("# Σ of h·hᵀ → collapse\n\nTags <b> & \"quotes\" stay as they are.")
	md.ID = "intro"
	code := Code("import \"fmt\"\n\n%%\nfmt.Println(\"a\\tb\")\n").ExpectSVG()
	code.ID = "code-1"
	empty := Code("")
	empty.ID = "empty"
	data, err := New(md, code, empty).ExpectSVG().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "nbformat-written.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("Marshal output differs from nbformat.write's:\n%s", data)
	}
}

func TestBuilderRoundTrip(t *testing.T) {
	cells := []Cell{
		Markdown("# Title\n"),
		Code("%%\nfmt.Println(1)"),
		Code("%%\nfmt.Println(1)"), // same source: ids must still differ
		Code("x := 2\n\n").ExpectSVG(),
		Markdown(""),
	}
	nb := New(cells...)
	data, err := nb.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if generic["nbformat"].(float64) != 4 || generic["nbformat_minor"].(float64) != 5 {
		t.Errorf("nbformat %v.%v, want 4.5", generic["nbformat"], generic["nbformat_minor"])
	}
	seen := map[string]bool{}
	for i, c := range generic["cells"].([]any) {
		m := c.(map[string]any)
		id, _ := m["id"].(string)
		if !validID.MatchString(id) || seen[id] {
			t.Errorf("cell %d: id %q invalid or repeated", i, id)
		}
		seen[id] = true
		_, hasOutputs := m["outputs"]
		_, hasCount := m["execution_count"]
		isCode := m["cell_type"] == CodeCell
		if hasOutputs != isCode || hasCount != isCode {
			t.Errorf("cell %d (%v): outputs %v, execution_count %v; only code cells have them", i, m["cell_type"], hasOutputs, hasCount)
		}
	}
	back, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Cells) != len(cells) {
		t.Fatalf("%d cells back, want %d", len(back.Cells), len(cells))
	}
	for i, c := range back.Cells {
		if c.Type != cells[i].Type || c.Source != cells[i].Source {
			t.Errorf("cell %d: got %s %q, want %s %q", i, c.Type, c.Source, cells[i].Type, cells[i].Source)
		}
		if c.ExecutionCount != nil || len(c.Outputs) != 0 {
			t.Errorf("cell %d has outputs or a count", i)
		}
		if ExpectsSVG(c.Metadata) != (i == 3) {
			t.Errorf("cell %d: ExpectsSVG = %v", i, ExpectsSVG(c.Metadata))
		}
	}
	if ks := back.Metadata["kernelspec"].(map[string]any); ks["name"] != KernelName || ks["display_name"] != KernelDisplayName {
		t.Errorf("kernelspec %v", ks)
	}
	// Marshal(Parse(x)) == x: ids are kept, nothing is reformatted.
	again, err := back.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, data) {
		t.Errorf("round trip changed the bytes:\n%s\nvs\n%s", again, data)
	}
	// Ids depend on the cell, not its position.
	shifted, _ := New(append([]Cell{Markdown("new first cell")}, cells...)...).Marshal()
	sb, _ := Parse(shifted)
	if sb.Cells[2].ID != back.Cells[1].ID {
		t.Errorf("inserting a cell changed the id of the next: %q vs %q", sb.Cells[2].ID, back.Cells[1].ID)
	}
}

func TestMarshalRejectsBadIDs(t *testing.T) {
	a, b := Code("a"), Code("b")
	a.ID, b.ID = "same", "same"
	if _, err := New(a, b).Marshal(); err == nil || !strings.Contains(err.Error(), "used twice") {
		t.Errorf("duplicate ids: err = %v", err)
	}
	c := Markdown("x")
	c.ID = "has space"
	if _, err := New(c).Marshal(); err == nil || !strings.Contains(err.Error(), "invalid") {
		t.Errorf("invalid id: err = %v", err)
	}
}

func TestWriteIsAtomicAndReadable(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "gen.ipynb")
	if err := New(Markdown("hi"), Code("%%\n")).Write(p); err != nil {
		t.Fatal(err)
	}
	if err := New(Markdown("bad")).Write(filepath.Join(dir, "missing", "x.ipynb")); err == nil {
		t.Error("Write into a missing directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files in dir: %v, want only gen.ipynb", entries)
	}
	nb := mustReadPath(t, p)
	if len(nb.Cells) != 2 || nb.Cells[0].Source != "hi" {
		t.Errorf("read back %+v", nb.Cells)
	}
}
