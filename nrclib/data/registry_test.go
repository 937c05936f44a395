package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNamesAndLookup(t *testing.T) {
	want := "swimmer reacher hopper sgemm carla2d utkface synthetic-fig3 synthetic-fig8 lowrank"
	if got := strings.Join(Names(), " "); got != want {
		t.Errorf("Names() = %s", got)
	}
	for _, n := range Names() {
		e, err := Lookup(n)
		if err != nil || e.Name != n || e.HowToGet == "" || e.StandIn == "" || e.DefaultN <= 0 {
			t.Errorf("entry %s incomplete: %+v %v", n, e, err)
		}
	}
	if _, err := Load("mnist", Options{}); err == nil || !strings.Contains(err.Error(), "swimmer") {
		t.Errorf("unknown name: %v", err)
	}
	e, _ := Lookup("sgemm")
	if e.Download == nil || e.Download.SHA256 != "" || e.Download.Member != "sgemm_product.csv" ||
		!strings.HasPrefix(e.Download.URL, "https://archive.ics.uci.edu/") {
		t.Errorf("sgemm download %+v", e.Download)
	}
}

func TestLoadSources(t *testing.T) {
	dir := t.TempDir()
	// Real swimmer file: 10 rows of 8 states + 2 actions.
	var b strings.Builder
	for i := 0; i < 10; i++ {
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.Repeat("1", 1+(i+j)%3))
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "swimmer.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	real, err := Load("swimmer", Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if real.IsStandIn() || real.Train.N != 8 || real.Test.N != 2 || len(real.Files) != 1 {
		t.Errorf("auto with the file present: standin=%v N=%d/%d files %v", real.IsStandIn(), real.Train.N, real.Test.N, real.Files)
	}
	if lim, err := Load("swimmer", Options{Dir: dir, N: 5}); err != nil || lim.Train.N+lim.Test.N != 5 {
		t.Errorf("N=5 on real data: %v", err)
	}
	st, err := Load("swimmer", Options{Dir: dir, Source: SourceStandIn})
	if err != nil || !st.IsStandIn() || st.Train.N != 800 {
		t.Errorf("standin despite real file: %v", err)
	}
	// Reacher is absent: auto falls back to the shipped simulated data
	// (sgemm, with none, to its stand-in), real fails.
	if ds, err := Load("reacher", Options{Dir: dir}); err != nil || !ds.IsSimulated() || ds.IsStandIn() {
		t.Errorf("auto without files: %v", err)
	}
	if ds, err := Load("sgemm", Options{Dir: dir, N: 500}); err != nil || !ds.IsStandIn() {
		t.Errorf("auto sgemm without files: %v", err)
	}
	_, err = Load("sgemm", Options{Dir: dir, Source: SourceReal})
	if !errors.Is(err, ErrNoRealData) || !strings.Contains(err.Error(), "deepnrc data fetch sgemm") ||
		!strings.Contains(err.Error(), filepath.Join(dir, "sgemm_product.csv")) {
		t.Errorf("real sgemm missing: %v", err)
	}
	_, err = Load("synthetic-fig3", Options{Dir: dir, Source: SourceReal})
	if !errors.Is(err, ErrNoRealData) || !strings.Contains(err.Error(), "not published") {
		t.Errorf("real synthetic: %v", err)
	}
	// Half a Carla install is an error, not a silent stand-in.
	os.MkdirAll(filepath.Join(dir, "carla2d"), 0o755)
	os.WriteFile(filepath.Join(dir, "carla2d", "images.npy"), nil, 0o644)
	_, err = Load("carla2d", Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "incomplete") || !strings.Contains(err.Error(), "targets.npy") {
		t.Errorf("partial carla: %v", err)
	}
	if _, err := Load("swimmer", Options{Dir: dir, Source: "fake"}); err == nil || !strings.Contains(err.Error(), "standin") {
		t.Errorf("bad source: %v", err)
	}
	if _, err := Load("swimmer", Options{Dir: dir, N: -1}); err == nil {
		t.Error("negative N accepted")
	}
}

func TestLoadRealSGEMM(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(sgemmHeader)
	for i := 0; i < 20; i++ {
		b.WriteString("16,32,16,8,8,8,8,2,1,1,0,0,0,")
		b.WriteString([]string{"0", "1"}[i%2])
		b.WriteString(",10,10.1,9.9,10.0\n")
	}
	os.WriteFile(filepath.Join(dir, "sgemm_product.csv"), []byte(b.String()), 0o644)
	// 20 rows are not the whole UCI file: refused as truncated.
	_, err := Load("sgemm", Options{Dir: dir, Source: SourceReal})
	wantFileError(t, err, filepath.Join(dir, "sgemm_product.csv"), 0, 0, "holds 20 rows", "241600", "fetch sgemm -force")
	// Cut inside the last number, without a final line break: also said.
	os.WriteFile(filepath.Join(dir, "sgemm_product.csv"), []byte(strings.TrimSuffix(b.String(), "0\n")), 0o644)
	_, err = Load("sgemm", Options{Dir: dir, Source: SourceReal})
	wantFileError(t, err, filepath.Join(dir, "sgemm_product.csv"), 0, 0, "without a line break", "line 21")
	// With the expected size lowered to the fixture's, it loads.
	os.WriteFile(filepath.Join(dir, "sgemm_product.csv"), []byte(b.String()), 0o644)
	defer func(n int) { sgemmWantRows = n }(sgemmWantRows)
	sgemmWantRows = 20
	ds, err := Load("sgemm", Options{Dir: dir, Source: SourceReal})
	if err != nil {
		t.Fatal(err)
	}
	if ds.IsStandIn() || ds.TargetDim != 4 || ds.InputSize() != 14 || ds.Train.N != 16 {
		t.Errorf("real sgemm: %+v", ds)
	}
	os.WriteFile(filepath.Join(dir, "sgemm_product.csv"), []byte("a,Run1 (ms)\n1,2\n3,4\n"), 0o644)
	_, err = Load("sgemm", Options{Dir: dir, Source: SourceReal})
	wantFileError(t, err, filepath.Join(dir, "sgemm_product.csv"), 1, 0, "SGEMM has 14 and 4")
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("DEEPNRC_DATA", "")
	t.Setenv("XDG_DATA_HOME", "/x/share")
	if got := DefaultDir(); got != "/x/share/deepnrc" {
		t.Errorf("with XDG_DATA_HOME: %s", got)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got := DefaultDir(); got != "/home/u/.local/share/deepnrc" {
		t.Errorf("XDG default: %s", got)
	}
	t.Setenv("DEEPNRC_DATA", "/d")
	if got := DefaultDir(); got != "/d" {
		t.Errorf("DEEPNRC_DATA: %s", got)
	}
}

// Too few samples for the targets is an error naming the smallest N that
// works, not a dataset on which every layer looks collapsed.
func TestLoadRefusesFewerTrainingRowsThanTargets(t *testing.T) {
	_, err := Load("swimmer", Options{N: 3})
	if err == nil || !strings.Contains(err.Error(), "N ≥ 4") {
		t.Fatalf("N=3: %v; want an error asking for N ≥ 4", err)
	}
	if _, err := Load("swimmer", Options{N: 4}); err != nil {
		t.Fatalf("N=4: %v", err)
	}
}
