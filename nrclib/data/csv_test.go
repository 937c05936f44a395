package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes content to name in a fresh temporary directory and
// returns the path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadMuJoCoCSV(t *testing.T) {
	p := writeFile(t, "swimmer.csv", "1,2,3,0.5\n4,5,6,-0.5\n\n7,8,9,1e-1\n")
	tb, err := ReadMuJoCoCSV(p, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantX := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	wantY := []float64{0.5, -0.5, 0.1}
	if tb.N != 3 || tb.D != 3 || tb.T != 1 {
		t.Fatalf("got N=%d D=%d T=%d, want 3, 3, 1", tb.N, tb.D, tb.T)
	}
	for i := range wantX {
		if tb.X[i] != wantX[i] {
			t.Fatalf("X = %v, want %v", tb.X, wantX)
		}
	}
	for i := range wantY {
		if tb.Y[i] != wantY[i] {
			t.Fatalf("Y = %v, want %v", tb.Y, wantY)
		}
	}
}

// wantFileError checks that err is a *FileError about file at row/col
// (0 = any) whose message contains every fragment.
func wantFileError(t *testing.T, err error, file string, row, col int, fragments ...string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("want a *FileError, got %T: %v", err, err)
	}
	if fe.File != file || (row > 0 && fe.Row != row) || (col > 0 && fe.Col != col) {
		t.Errorf("error at %s row %d col %d, want %s row %d col %d: %v", fe.File, fe.Row, fe.Col, file, row, col, err)
	}
	if fe.Fix == "" {
		t.Errorf("error has no fix: %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, file) {
		t.Errorf("message does not name the file: %v", msg)
	}
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("message %q lacks %q", msg, f)
		}
	}
}

func TestReadMuJoCoCSVErrors(t *testing.T) {
	cases := []struct {
		name, content string
		row, col      int
		fragments     []string
	}{
		{"ragged", "1,2,3\n4,5\n", 2, 0, []string{"2 columns, expected 3", "ragged"}},
		{"non-numeric", "1,2,3\n4,abc,6\n", 2, 2, []string{`"abc" is not a number`}},
		{"nan", "1,2,3\n4,NaN,6\n", 2, 2, []string{"not finite"}},
		{"inf", "1,2,3\n4,5,-Inf\n", 2, 3, []string{"not finite"}},
		{"empty cell", "1,,3\n", 1, 2, []string{"empty cell"}},
		{"wrong column count", "1,2,3,4\n5,6,7,8\n", 1, 0, []string{"4 columns, expected 3 (2 state + 1 action)"}},
		{"header", "s0,s1,a0\n1,2,3\n", 1, 1, []string{"no header"}},
		{"one row", "1,2,3\n", 0, 0, []string{"1 usable rows"}},
		{"bad quoting", "1,\"2,3\n", 1, 0, []string{"comma-separated"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "data.csv", c.content)
			_, err := ReadMuJoCoCSV(p, 2, 1)
			if err == nil {
				t.Fatal("no error")
			}
			if c.name == "one row" {
				if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.fragments[0]) {
					t.Errorf("error %v", err)
				}
				return
			}
			wantFileError(t, err, p, c.row, c.col, c.fragments...)
		})
	}
	t.Run("empty file", func(t *testing.T) {
		p := writeFile(t, "empty.csv", "")
		_, err := ReadMuJoCoCSV(p, 2, 1)
		wantFileError(t, err, p, 0, 0, "file is empty")
	})
	t.Run("missing file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "nope", "swimmer.csv")
		_, err := ReadMuJoCoCSV(p, 2, 1)
		wantFileError(t, err, p, 0, 0, "file not found", "2 state columns then 1 action")
	})
	t.Run("directory", func(t *testing.T) {
		p := t.TempDir()
		_, err := ReadMuJoCoCSV(p, 2, 1)
		wantFileError(t, err, p, 0, 0, "is a directory")
	})
}

const sgemmHeader = "MWG,NWG,KWG,MDIMC,NDIMC,MDIMA,NDIMB,KWI,VWM,VWN,STRM,STRN,SA,SB,Run1 (ms),Run2 (ms),Run3 (ms),Run4 (ms)\n"

func TestReadSGEMMCSV(t *testing.T) {
	p := writeFile(t, "sgemm_product.csv", sgemmHeader+
		"16,16,16,8,8,8,8,2,1,1,0,0,0,0,115.26,115.87,118.55,115.8\n"+
		"128,64,32,32,16,8,32,8,8,4,1,0,1,1,13.25,13.3,13.27,13.29\n")
	tb, inputs, targets, err := ReadSGEMMCSV(p)
	if err != nil {
		t.Fatal(err)
	}
	if tb.N != 2 || tb.D != 14 || tb.T != 4 || len(inputs) != 14 || targets[0] != "Run1 (ms)" || targets[3] != "Run4 (ms)" {
		t.Fatalf("N=%d D=%d T=%d inputs=%v targets=%v", tb.N, tb.D, tb.T, inputs, targets)
	}
	if tb.X[14] != 128 || tb.X[27] != 1 || tb.Y[0] != 115.26 || tb.Y[7] != 13.29 {
		t.Errorf("values misplaced: X=%v Y=%v", tb.X, tb.Y)
	}
}

func TestReadSGEMMCSVErrors(t *testing.T) {
	row := "16,16,16,8,8,8,8,2,1,1,0,0,0,0,1,2,3,4\n"
	cases := []struct {
		name, content string
		row, col      int
		fragment      string
	}{
		{"no target columns", "a,b,c\n1,2,3\n1,2,3\n", 1, 0, `"(ms)"`},
		{"header missing", row + row, 1, 1, "header line is missing"},
		{"ragged", sgemmHeader + row + "16,16\n", 3, 0, "2 columns, but the header names 18"},
		{"non-numeric", sgemmHeader + row + strings.Replace(row, "2,1,1", "2,x,1", 1), 3, 9, `"x" is not a number`},
		{"nan", sgemmHeader + row + strings.Replace(row, ",4\n", ",nan\n", 1), 3, 18, "not finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "sgemm_product.csv", c.content)
			_, _, _, err := ReadSGEMMCSV(p)
			wantFileError(t, err, p, c.row, c.col, c.fragment)
		})
	}
	t.Run("empty", func(t *testing.T) {
		p := writeFile(t, "sgemm_product.csv", "")
		_, _, _, err := ReadSGEMMCSV(p)
		wantFileError(t, err, p, 0, 0, "empty", "deepnrc data fetch sgemm")
	})
}

// The CSV dialects people produce load as the same numbers; what cannot be
// read is named with its physical line.
func TestDataCSVDialectsAndLimits(t *testing.T) {
	plain := "1,2,3,0.5\n4,5,6,-0.5\n7,8,9,1e-1\n"
	for name, content := range map[string]string{
		"bom":        "\uFEFF" + plain,
		"semicolons": strings.ReplaceAll(plain, ",", ";"),
		"tabs":       strings.ReplaceAll(plain, ",", "\t"),
		"cr-only":    strings.ReplaceAll(plain, "\n", "\r"),
		"crlf":       strings.ReplaceAll(plain, "\n", "\r\n"),
	} {
		tb, err := ReadMuJoCoCSV(writeFile(t, "swimmer.csv", content), 3, 1)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if tb.N != 3 || tb.X[0] != 1 || tb.Y[2] != 0.1 {
			t.Errorf("%s: N=%d X=%v Y=%v", name, tb.N, tb.X, tb.Y)
		}
	}
	p := writeFile(t, "swimmer.csv", "1,2,3,0.5\n\n\n4,5,6\n")
	_, err := ReadMuJoCoCSV(p, 3, 1)
	wantFileError(t, err, p, 4, 0, "3 columns, expected 4")
	p = writeFile(t, "swimmer.csv", "1,2,3,1e400\n")
	_, err = ReadMuJoCoCSV(p, 3, 1)
	wantFileError(t, err, p, 1, 4, "beyond float64's range")
	if _, err := os.Stat("/dev/zero"); err == nil {
		p = filepath.Join(t.TempDir(), "swimmer.csv")
		if os.Symlink("/dev/zero", p) == nil {
			// /dev/zero has size 0 to stat: refused as empty or as an endless line.
			_, err = ReadMuJoCoCSV(p, 3, 1)
			if err == nil {
				t.Error("/dev/zero accepted")
			}
		}
	}
}

// A request for more samples than the memory budget allows is refused
// before anything is generated.
func TestLoadMemoryBudget(t *testing.T) {
	t.Setenv("DEEPNRC_MEMORY", "1GiB")
	_, err := Load("swimmer", Options{Source: SourceStandIn, N: 2_000_000_000})
	if err == nil || !strings.Contains(err.Error(), "over the memory budget") || !strings.Contains(err.Error(), "--n") {
		t.Fatalf("N = 2e9: %v", err)
	}
}
