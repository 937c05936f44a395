package measure

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCSVRows reads arbitrary bytes as a features CSV: it must give rows of
// one width holding only finite numbers, or an error naming the file,
// never a panic, a hang or an unbounded allocation.
func FuzzCSVRows(f *testing.F) {
	for _, s := range []string{
		"1,2,3\n4,5,6\n",
		"\uFEFFa,b\n1,2\n",
		",0,1\n0,1.5,2\n1,3.5,4\n",
		"0,1\n0.5,1.5\n",
		"1;2\r3;4\r",
		"1\t2\r\n3\t4\r\n",
		"1,NaN\n",
		"1e400,1\n",
		"# comment\n1,2\n",
		"\"1\",\"2\"\n\"3\n",
		"1,2\n\n\n3\n",
		"1,5;2,25\n",
		"",
		",",
	} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "h.csv") // one file per fuzzing process, rewritten for each input
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var notes []string
		src, err := openRows(path, "features of layer fc1", &notes)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		defer src.Close()
		cols := src.Cols()
		if cols < 1 {
			t.Fatalf("%d columns", cols)
		}
		dst := make([]float64, cols*2)
		for rows := 0; ; {
			n, err := src.ReadRows(dst)
			for _, v := range dst[:n*cols] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite value %v returned", v)
				}
			}
			rows += n
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Fatalf("error does not name the file: %v", err)
				}
				return
			}
			if rows > len(b)+1 {
				t.Fatalf("%d rows from %d bytes", rows, len(b))
			}
		}
	})
}
