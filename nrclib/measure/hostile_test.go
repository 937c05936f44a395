package measure

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/membudget"
	"github.com/deepnrc/deepnrc/nrclib/npy"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// fixture is a small measurement case: targets Y (n×t), features H (n×d)
// carrying Y plus noise, and a weight W (out×d), saved as .npy.
type fixture struct {
	dir        string
	n, t, d, o int
	y, h, w    []float64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	rng := rand.New(rand.NewPCG(13, 13))
	f := &fixture{dir: t.TempDir(), n: 60, t: 3, d: 8, o: 5}
	f.y = randVec(rng, f.n*f.t)
	mix := randVec(rng, f.t*f.d)
	f.h = make([]float64, f.n*f.d)
	for i := 0; i < f.n; i++ {
		for j := 0; j < f.d; j++ {
			v := 0.3 * rng.NormFloat64()
			for k := 0; k < f.t; k++ {
				v += f.y[i*f.t+k] * mix[k*f.d+j]
			}
			f.h[i*f.d+j] = v
		}
	}
	f.w = randVec(rng, f.o*f.d)
	f.save(t, "Y.npy", []int{f.n, f.t}, f.y)
	f.save(t, "H.npy", []int{f.n, f.d}, f.h)
	f.save(t, "W.npy", []int{f.o, f.d}, f.w)
	return f
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

func (f *fixture) save(t *testing.T, name string, shape []int, v []float64) string {
	t.Helper()
	if err := npy.WriteFile(f.path(name), shape, v); err != nil {
		t.Fatal(err)
	}
	return f.path(name)
}

func (f *fixture) write(t *testing.T, name, content string) string {
	t.Helper()
	if err := os.WriteFile(f.path(name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return f.path(name)
}

// csvText renders rows×cols values with the given separator and line end.
func csvText(v []float64, rows, cols int, sep, eol string) string {
	var b strings.Builder
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if j > 0 {
				b.WriteString(sep)
			}
			fmt.Fprintf(&b, "%.17g", v[i*cols+j])
		}
		b.WriteString(eol)
	}
	return b.String()
}

// pandasText renders what pandas' DataFrame(v).to_csv() writes: a header
// ",0,1,…" and an index column (index=false drops both the empty cell and
// the index).
func pandasText(v []float64, rows, cols int, index bool) string {
	var b strings.Builder
	var head []string
	if index {
		head = append(head, "")
	}
	for j := 0; j < cols; j++ {
		head = append(head, fmt.Sprint(j))
	}
	b.WriteString(strings.Join(head, ",") + "\n")
	for i := 0; i < rows; i++ {
		if index {
			fmt.Fprintf(&b, "%d,", i)
		}
		b.WriteString(csvText(v[i*cols:(i+1)*cols], 1, cols, ",", "\n"))
	}
	return b.String()
}

func (f *fixture) measure(t *testing.T, targets, features, weight string, chunk int) (*nrc.Report, error) {
	t.Helper()
	return FromFiles(FileSpec{Targets: targets, Layers: []LayerFiles{{Name: "fc1", Features: features, Weight: weight}}, ChunkRows: chunk}, nrc.Options{})
}

func sameMetrics(t *testing.T, what string, got, want *nrc.Report) {
	t.Helper()
	if got.N != want.N || got.TargetDim != want.TargetDim || got.Layers[0].Width != want.Layers[0].Width {
		t.Fatalf("%s: N=%d t=%d width=%d, want %d, %d, %d", what, got.N, got.TargetDim, got.Layers[0].Width, want.N, want.TargetDim, want.Layers[0].Width)
	}
	g, w := got.Layers[0], want.Layers[0]
	for _, c := range []struct {
		name   string
		gv, wv float64
	}{{"noise", g.Noise, w.Noise}, {"CKA", g.CKA, w.CKA}, {"probe MSE", g.ProbeMSE, w.ProbeMSE}, {"stable rank", g.StableRankH, w.StableRankH}} {
		if math.Abs(c.gv-c.wv) > 1e-12*math.Max(1, math.Abs(c.wv)) {
			t.Errorf("%s: %s %v, want %v", what, c.name, c.gv, c.wv)
		}
	}
	if (g.WHAlignment == nil) != (w.WHAlignment == nil) || (g.WHAlignment != nil && math.Abs(*g.WHAlignment-*w.WHAlignment) > 1e-12) {
		t.Errorf("%s: WH alignment %v, want %v", what, g.WHAlignment, w.WHAlignment)
	}
}

func hasNote(rep *nrc.Report, frag string) bool {
	for _, n := range rep.Notes {
		if strings.Contains(n, frag) {
			return true
		}
	}
	return false
}

// Silent wrong results of the review: CSV dialects (Excel's BOM, pandas'
// index and header, semicolons, tabs, CR-only lines) are read as the same
// numbers as the .npy files, and what was skipped is said.
func TestCSVDialectsReadLikeNPY(t *testing.T) {
	f := newFixture(t)
	want, err := f.measure(t, f.path("Y.npy"), f.path("H.npy"), f.path("W.npy"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		text func(v []float64, rows, cols int) string
		note string
	}{
		{"bom", func(v []float64, r, c int) string { return "\uFEFF" + csvText(v, r, c, ",", "\n") }, ""},
		{"pandas-index", func(v []float64, r, c int) string { return pandasText(v, r, c, true) }, "pandas writes its index column"},
		{"pandas-noindex", func(v []float64, r, c int) string { return pandasText(v, r, c, false) }, "pandas' default column header"},
		{"semicolon", func(v []float64, r, c int) string { return csvText(v, r, c, ";", "\n") }, "semicolons"},
		{"tab", func(v []float64, r, c int) string { return csvText(v, r, c, "\t", "\r\n") }, "tabs"},
		{"cr-only", func(v []float64, r, c int) string { return csvText(v, r, c, ",", "\r") }, "lone CR"},
		{"bom-header", func(v []float64, r, c int) string { return "\uFEFFa,b,c,d,e,f,g,h\n" + csvText(v, r, c, ",", "\n") }, "header of column names"},
	} {
		y := f.write(t, c.name+"-Y.csv", c.text(f.y, f.n, f.t))
		h := f.write(t, c.name+"-H.csv", c.text(f.h, f.n, f.d))
		w := f.write(t, c.name+"-W.csv", c.text(f.w, f.o, f.d))
		if c.name == "bom-header" {
			y = f.write(t, c.name+"-Y.csv", "\uFEFFy0,y1,y2\n"+csvText(f.y, f.n, f.t, ",", "\n"))
			w = f.write(t, c.name+"-W.csv", csvText(f.w, f.o, f.d, ",", "\n"))
		}
		got, err := f.measure(t, y, h, w, 7)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		sameMetrics(t, c.name, got, want)
		if c.note != "" && !hasNote(got, c.note) {
			t.Errorf("%s: notes %q lack %q", c.name, got.Notes, c.note)
		}
	}
}

// errorCase is an input that must be refused with an error holding every
// fragment.
type errorCase struct {
	name      string
	targets   string
	features  string
	weight    string
	chunk     int
	fragments []string
}

func runErrorCases(t *testing.T, cases []errorCase) {
	t.Helper()
	for _, c := range cases {
		f := c
		_, err := FromFiles(FileSpec{Targets: f.targets, Layers: []LayerFiles{{Name: "fc1", Features: f.features, Weight: f.weight}}, ChunkRows: f.chunk}, nrc.Options{})
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, frag := range c.fragments {
			if !strings.Contains(err.Error(), frag) {
				t.Errorf("%s: error %q lacks %q", c.name, err, frag)
			}
		}
	}
}

// Crashes and unclear errors of the review: each is now an error naming
// the file, the place in it and the fix.
func TestHostileInputsRefusedClearly(t *testing.T) {
	f := newFixture(t)
	Y, H := f.path("Y.npy"), f.path("H.npy")
	nanH := append([]float64(nil), f.h...)
	nanH[37*f.d+2] = math.NaN()
	nanY := append([]float64(nil), f.y...)
	nanY[41*f.t] = math.Inf(-1)
	nanW := append([]float64(nil), f.w...)
	nanW[1*f.d+3] = math.NaN()
	ragged := "\n\n\n" + csvText(f.h[:10*f.d], 10, f.d, ",", "\n") + "\n\n" + csvText(f.h[10*f.d:11*f.d], 1, f.d-1, ",", "\n")
	nanRow := strings.Split(strings.TrimSpace(csvText(f.h[5*f.d:6*f.d], 1, f.d, ",", "\n")), ",")
	nanRow[1] = "NaN"
	nanCSV := csvText(f.h[:5*f.d], 5, f.d, ",", "\n") + "\n" + strings.Join(nanRow, ",") + "\n"
	runErrorCases(t, []errorCase{
		{"zero-width features", Y, f.save(t, "H0.npy", []int{f.n, 0}, nil), "", 0, []string{"H0.npy", "(60, 0)", "no values per sample"}},
		{"zero-width targets", f.save(t, "Y0.npy", []int{f.n, 0}, nil), H, "", 0, []string{"Y0.npy", "targets", "no values per sample"}},
		{"3-D features", Y, f.save(t, "H3.npy", []int{f.n, 2, 4}, f.h), "", 0, []string{"H3.npy", "(60, 2, 4)", "reshape(len(h), -1)"}},
		{"NCHW features", Y, f.save(t, "H4.npy", []int{f.n, 2, 2, 2}, f.h), "", 0, []string{"H4.npy", "conv activations", "h.mean(axis=(2, 3))"}},
		{"3-D targets", f.save(t, "Y3.npy", []int{f.n, 3, 1}, f.y), H, "", 0, []string{"Y3.npy", "(N, t)"}},
		{"NaN feature in chunk 6", Y, f.save(t, "Hnan.npy", []int{f.n, f.d}, nanH), "", 7, []string{"Hnan.npy", "row 38, column 3", "NaN", "impute"}},
		{"-Inf target", f.save(t, "Ynan.npy", []int{f.n, f.t}, nanY), H, "", 4, []string{"Ynan.npy", "row 42, column 1", "-Inf"}},
		{"NaN weight", Y, H, f.save(t, "Wnan.npy", []int{f.o, f.d}, nanW), 0, []string{"Wnan.npy", "layer fc1", "row 2, column 4", "NaN"}},
		{"NaN in CSV", Y, f.write(t, "Hnan.csv", nanCSV), "", 0, []string{"Hnan.csv line 7, column 2", "not finite", "impute"}},
		{"ragged after blank lines", Y, f.write(t, "Hragged.csv", ragged), "", 0, []string{"Hragged.csv line 16 has 7 columns"}},
		{"1e400", Y, f.write(t, "Hbig.csv", "1e400"+strings.Repeat(",1", f.d-1)+"\n"), "", 0, []string{"Hbig.csv line 1, column 1", "beyond float64's range"}},
		{"decimal commas", Y, f.write(t, "Hcomma.csv", "1,5;2,25\n3,5;4\n"), "", 0, []string{"Hcomma.csv", "decimal comma"}},
		{"comment line", Y, f.write(t, "Hcomment.csv", "# exported by me\n"+csvText(f.h, f.n, f.d, ",", "\n")), "", 0, []string{"line 1 is a comment"}},
		{"index column that is not an index", Y, f.write(t, "Hidx.csv", ",a,b\n5,1,2\n"), "", 0, []string{"Hidx.csv line 2", "pandas' index"}},
		{"mixed header", Y, f.write(t, "Hmixed.csv", "0,h1,h2\n1,2,3\n"), "", 0, []string{"line 1, column 2", "not a number"}},
	})
}

// The out-of-memory crashes: requests are sized first and refused
// over the budget with the figure and the fix; a huge --chunk-rows is
// clamped to the data it reads.
func TestMemoryBudget(t *testing.T) {
	f := newFixture(t)
	t.Setenv(membudget.EnvVar, "64MiB")
	wide := make([]float64, 20*3000)
	f.save(t, "Ywide.npy", []int{20, 1}, make([]float64, 20))
	runErrorCases(t, []errorCase{
		{"d = 3000 statistics", f.path("Ywide.npy"), f.save(t, "Hwide.npy", []int{20, 3000}, wide), "", 0,
			[]string{"over the memory budget", "64 MiB", "d = 3000", "pool conv activations", membudget.EnvVar}},
		{"chunk rows with CSV targets", f.write(t, "Y.csv", csvText(f.y, f.n, f.t, ",", "\n")), f.path("H.npy"), "", 1_000_000_000,
			[]string{"over the memory budget", "lower --chunk-rows"}},
	})
	want, err := f.measure(t, f.path("Y.npy"), f.path("H.npy"), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.measure(t, f.path("Y.npy"), f.path("H.npy"), "", 1_000_000_000)
	if err != nil {
		t.Fatalf("--chunk-rows 1e9 with .npy targets: %v", err)
	}
	sameMetrics(t, "chunk rows 1e9", got, want)
}

// A CSV line without end (a link to /dev/zero) is an error, not an
// out-of-memory crash.
func TestEndlessCSVLine(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	f := newFixture(t)
	link := f.path("zero.csv")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Skip(err)
	}
	_, err := f.measure(t, f.path("Y.npy"), link, "", 0)
	if err == nil || !strings.Contains(err.Error(), "zero.csv") || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("endless line: %v", err)
	}
}

// A CSV cut inside its last number (no final line break) is flagged.
func TestCSVWithoutFinalNewlineFlagged(t *testing.T) {
	f := newFixture(t)
	text := csvText(f.h, f.n, f.d, ",", "\n")
	h := f.write(t, "Hcut.csv", strings.TrimSuffix(text, "\n"))
	rep, err := f.measure(t, f.path("Y.npy"), h, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(rep, "does not end with a line break") || !hasNote(rep, fmt.Sprintf("line %d", f.n)) {
		t.Errorf("notes %q", rep.Notes)
	}
}
