package measure

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/npy"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/stats"
)

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func writeCSV(t *testing.T, path string, header bool, rows, cols int, data []float64) {
	t.Helper()
	var b strings.Builder
	if header {
		for j := 0; j < cols; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "c%d", j)
		}
		b.WriteString("\n")
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%.17g", data[i*cols+j])
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FromFiles, streaming in small chunks from .npy and .csv files, gives the
// same report as accumulating the in-memory matrices in one batch.
func TestFromFilesMatchesInMemory(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	const n, k = 103, 2
	y := randVec(rng, n*k)
	h1 := randVec(rng, n*5)
	h2 := randVec(rng, n*4)
	w2 := randVec(rng, 3*4) // out×in
	if err := npy.WriteFile(filepath.Join(dir, "Y.npy"), []int{n, k}, y); err != nil {
		t.Fatal(err)
	}
	h1f := make([]float32, len(h1))
	for i, v := range h1 {
		h1f[i] = float32(v)
		h1[i] = float64(h1f[i]) // what the float32 file holds
	}
	if err := npy.WriteFileFloat32(filepath.Join(dir, "h1.npy"), []int{n, 5}, h1f); err != nil {
		t.Fatal(err)
	}
	writeCSV(t, filepath.Join(dir, "h2.csv"), true, n, 4, h2)
	writeCSV(t, filepath.Join(dir, "w2.csv"), false, 3, 4, w2)
	spec := FileSpec{
		Targets:   filepath.Join(dir, "Y.npy"),
		Layers:    []LayerFiles{{Name: "a", Features: filepath.Join(dir, "h1.npy")}, {Name: "b", Features: filepath.Join(dir, "h2.csv"), Weight: filepath.Join(dir, "w2.csv")}},
		ChunkRows: 10,
	}
	got, err := FromFiles(spec, nrc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := stats.New(5, k), stats.New(4, k)
	if err := s1.Add(h1, y, n); err != nil {
		t.Fatal(err)
	}
	if err := s2.Add(h2, y, n); err != nil {
		t.Fatal(err)
	}
	w, err := nrc.DenseWeight(3, 4, w2)
	if err != nil {
		t.Fatal(err)
	}
	want, err := nrc.Measure([]string{"a", "b"}, []*stats.Moments{s1, s2}, []*nrc.Weight{nil, w}, nrc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.N != n {
		t.Fatalf("N = %d, want %d", got.N, n)
	}
	for i := range want.Layers {
		g, w := got.Layers[i], want.Layers[i]
		for _, pair := range [][2]float64{{g.Noise, w.Noise}, {g.CKA, w.CKA}, {g.ProbeMSE, w.ProbeMSE}, {g.StableRankH, w.StableRankH}} {
			if math.Abs(pair[0]-pair[1]) > 1e-12 {
				t.Errorf("layer %s: streamed %v vs in-memory %v", g.Name, pair[0], pair[1])
			}
		}
	}
	if got.Layers[1].WHAlignment == nil || math.Abs(*got.Layers[1].WHAlignment-*want.Layers[1].WHAlignment) > 1e-12 {
		t.Errorf("weight alignment from CSV weight differs")
	}
}

func TestFromFilesErrors(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := func(s string) string { return filepath.Join(dir, s) }
	must(npy.WriteFile(p("Y.npy"), []int{20, 2}, randVec(rng, 40)))
	must(npy.WriteFile(p("short.npy"), []int{19, 3}, randVec(rng, 57)))
	must(npy.WriteFile(p("long.npy"), []int{21, 3}, randVec(rng, 63)))
	must(npy.WriteFile(p("h.npy"), []int{20, 3}, randVec(rng, 60)))
	must(npy.WriteFile(p("wT.npy"), []int{5, 4}, randVec(rng, 20)))
	must(npy.WriteFile(p("conv.npy"), []int{4, 2, 3, 3}, randVec(rng, 72)))
	must(os.WriteFile(p("ragged.csv"), []byte("1,2,3\n4,5\n"), 0o644))
	must(os.WriteFile(p("text.csv"), []byte("1,2,3\n4,x,6\n"), 0o644))
	must(os.WriteFile(p("empty.csv"), nil, 0o644))
	cases := []struct {
		spec FileSpec
		want string
	}{
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("short.npy")}}}, "has 19 rows"},
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("long.npy")}}}, "more rows"},
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("h.npy"), Weight: p("wT.npy")}}}, "pass the weight of the layer"},
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("h.npy"), Weight: p("conv.npy")}}}, "input channels"},
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("ragged.csv")}}}, "line 2 has 2 columns"},
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("text.csv")}}}, `"x" is not a number`},
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("empty.csv")}}}, "is empty"},
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("missing.npy")}}}, "no such file"},
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("h.txt")}}}, "unknown file type"},
		{FileSpec{Targets: p("Y.npy"), Layers: []LayerFiles{{Name: "a", Features: p("h.npy")}, {Name: "a", Features: p("h.npy")}}}, "given twice"},
		{FileSpec{Targets: p("Y.npy")}, "no layers"},
	}
	for _, c := range cases {
		_, err := FromFiles(c.spec, nrc.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to mention %q", c.spec.Layers, err, c.want)
		}
	}
	// An out×in weight given transposed is named as such.
	must(npy.WriteFile(p("w_in_out.npy"), []int{3, 4}, randVec(rng, 12)))
	if _, err := LoadWeight(p("w_in_out.npy"), 3); err == nil || !strings.Contains(err.Error(), "transpose") {
		t.Errorf("transposed weight: %v", err)
	}
}

func TestParseLayerFlag(t *testing.T) {
	l, err := ParseLayerFlag("fc1=H1.npy:W1.npy")
	if err != nil || l != (LayerFiles{Name: "fc1", Features: "H1.npy", Weight: "W1.npy"}) {
		t.Errorf("got %+v, %v", l, err)
	}
	l, err = ParseLayerFlag("fc2=dir/H2.csv")
	if err != nil || l.Weight != "" || l.Features != "dir/H2.csv" {
		t.Errorf("got %+v, %v", l, err)
	}
	for _, bad := range []string{"fc1", "=H.npy", "fc1=", "fc1=:W.npy"} {
		if _, err := ParseLayerFlag(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The demo shows what it is built to show: noise falls and CKA rises with
// depth, and the default rule finds a collapsed layer.
func TestDemo(t *testing.T) {
	spec, err := WriteDemo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := FromFiles(spec, nrc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	first, last := rep.Layers[0], rep.Layers[len(rep.Layers)-1]
	if !(first.Noise > 0.3 && last.Noise < 0.1 && last.CKA > first.CKA) {
		t.Errorf("demo: fc1 noise %.3f CKA %.3f, fc5 noise %.3f CKA %.3f", first.Noise, first.CKA, last.Noise, last.CKA)
	}
	if rep.FirstCollapsed == nil {
		t.Error("demo: no collapsed layer found")
	}
}

func TestPassShards(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := NewPass([]string{"x"}, []int{3}, 1)
	b := NewPass([]string{"x"}, []int{3}, 1)
	whole := NewPass([]string{"x"}, []int{3}, 1)
	a.TrackNormalized(0)
	b.TrackNormalized(0)
	h := make([]float32, 30)
	y := make([]float32, 10)
	for i := range h {
		h[i] = float32(rng.NormFloat64())
	}
	for i := range y {
		y[i] = float32(rng.NormFloat64())
	}
	if err := a.AddBatch(0, h[:12], y[:4], 4); err != nil {
		t.Fatal(err)
	}
	if err := b.AddBatch(0, h[12:], y[4:], 6); err != nil {
		t.Fatal(err)
	}
	if err := whole.AddBatch(0, h, y, 10); err != nil {
		t.Fatal(err)
	}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if got, want := a.Moments(0).CovH().At(1, 2), whole.Moments(0).CovH().At(1, 2); math.Abs(got-want) > 1e-15 {
		t.Errorf("merged shards %g vs one pass %g", got, want)
	}
	if a.Normalized(0).N() != 10 {
		t.Errorf("normalised accumulator saw %d rows", a.Normalized(0).N())
	}
	if err := a.AddBatch(3, h, y, 10); err == nil {
		t.Error("layer index out of range accepted")
	}
}
