package npy

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseHeaderDict feeds arbitrary header text to the header parser and
// checker: they must return a header or an error, never panic or loop, and
// an accepted header must describe an array this package can read.
func FuzzParseHeaderDict(f *testing.F) {
	for _, s := range []string{
		okDict,
		"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
		"{'descr': '<f8', 'fortran_order': True, 'shape': (1, 5)}",
		"{'shape': (2, 3), 'descr': '<f8', 'fortran_order': False}",
		"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': ()}",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (-5, 3), }",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999999, 3), }",
		"{{{{{{{{{{{{{{{{{{{{",
		"{'descr': \"<f8\", 'fortran_order': False, 'shape': (2, 3,), 'x': 1}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		h, err := parseHeaderDict(text)
		if err != nil {
			return
		}
		for _, d := range h.shape {
			if d < 0 {
				t.Fatalf("accepted a negative dimension in %q: %v", text, h.shape)
			}
		}
		if checkHeader("fuzz.npy", h) == nil && itemSize(h.descr) == 0 {
			t.Fatalf("accepted dtype %q", h.descr)
		}
	})
}

// FuzzReader opens arbitrary bytes as a .npy file and reads them: Open,
// ReadRows in small steps and ReadFile must agree, never panic, and never
// allocate what a header claims without the file holding it (the size
// check at Open refuses such files).
func FuzzReader(f *testing.F) {
	six := le64(1, 2, 3, 4, 5, 6)
	f.Add(fixture(1, 0, okDict, six))
	f.Add(fixture(2, 0, okDict, six))
	f.Add(fixture(3, 0, okDict, six))
	f.Add(fixture(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1), }\n", le32(1, 2, 3)))
	f.Add(fixture(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 0), }\n", nil))
	f.Add(fixture(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 512), }\n", six))
	f.Add(fixture(1, 0, okDict, six[:20]))
	f.Add([]byte("\x93NUMPY\x01\x00"))
	f.Add([]byte("PK\x03\x04"))
	path := filepath.Join(f.TempDir(), "f.npy") // one file per fuzzing process, rewritten for each input
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		defer r.Close()
		if need := float64(r.Rows()) * float64(r.Cols()) * float64(itemSizeOf(r.DType())); need > float64(len(b)) {
			t.Fatalf("Open accepted shape %v needing %g bytes from a %d-byte file", r.Shape(), need, len(b))
		}
		dst := make([]float64, max(r.Cols(), 1)*3)
		var streamed []float64
		for {
			n, err := r.ReadRows(dst)
			streamed = append(streamed, dst[:n*r.Cols()]...)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("ReadRows after a successful Open: %v", err)
			}
			if n == 0 && r.Cols() > 0 {
				t.Fatal("ReadRows made no progress")
			}
			if r.Cols() == 0 {
				break
			}
		}
		whole, shape, err := ReadFile(path)
		if err != nil {
			t.Fatalf("ReadFile after a successful stream: %v", err)
		}
		if len(shape) != len(r.Shape()) || len(whole) != len(streamed) {
			t.Fatalf("ReadFile read %d values of shape %v, the stream %d of %v", len(whole), shape, len(streamed), r.Shape())
		}
		for i := range whole {
			if math.Float64bits(whole[i]) != math.Float64bits(streamed[i]) {
				t.Fatalf("value %d: ReadFile %v, stream %v", i, whole[i], streamed[i])
			}
		}
	})
}

// itemSizeOf is itemSize for a known-good dtype.
func itemSizeOf(descr string) int { return itemSize(descr) }
