package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dirEntries lists the names in dir, to check no temporary file is left.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestStreamingWriter writes rows in uneven batches through both input
// types and checks the committed file against the same data written whole.
func TestStreamingWriter(t *testing.T) {
	for _, dtype := range []string{Float32, Float64} {
		dir := t.TempDir()
		path := filepath.Join(dir, "feat.npy")
		const cols = 7
		all := values(1234 * cols)
		w, err := Create(path, cols, dtype)
		if err != nil {
			t.Fatal(err)
		}
		if w.Cols() != cols {
			t.Fatalf("Cols = %d", w.Cols())
		}
		for at, batch := 0, 1; at < len(all); batch = batch*3 + 1 {
			k := min(batch*cols, len(all)-at)
			if batch%2 == 0 {
				err = w.WriteRows(all[at : at+k])
			} else {
				f32 := make([]float32, k)
				for i, v := range all[at : at+k] {
					f32[i] = float32(v)
				}
				err = w.WriteRowsFloat32(f32)
			}
			if err != nil {
				t.Fatal(err)
			}
			at += k
			if w.Rows() != at/cols {
				t.Fatalf("Rows = %d after %d values", w.Rows(), at)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("destination exists before Close: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if names := dirEntries(t, dir); !slices.Equal(names, []string{"feat.npy"}) {
			t.Fatalf("directory holds %v after Close, want only feat.npy", names)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("mode %v, want 0644", st.Mode().Perm())
		}

		// Every value went through float32 or float64 as the batch chose;
		// the reference rounds those that went through float32.
		want := make([]float64, len(all))
		for at, batch := 0, 1; at < len(all); batch = batch*3 + 1 {
			k := min(batch*cols, len(all)-at)
			for i := at; i < at+k; i++ {
				want[i] = all[i]
				if batch%2 == 1 || dtype == Float32 {
					want[i] = float64(float32(all[i]))
				}
			}
			at += k
		}
		got, shape, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(shape, []int{1234, cols}) || !sameBits(got, want) {
			t.Fatalf("%s: read back shape %v, values match %v", dtype, shape, sameBits(got, want))
		}
		raw, _ := os.ReadFile(path)
		hlen := int(binary.LittleEndian.Uint16(raw[8:10]))
		if (10+hlen)%64 != 0 || raw[6] != 1 || raw[9+hlen] != '\n' {
			t.Fatalf("streamed header: version %d, data offset %d", raw[6], 10+hlen)
		}
		if !strings.HasPrefix(string(raw[10:]), "{'descr': '"+dtype+"', 'fortran_order': False, 'shape': (1234, 7), }") {
			t.Fatalf("streamed header %q", raw[10:10+hlen])
		}
		if err := w.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
		if err := w.Abort(); err != nil {
			t.Errorf("Abort after Close = %v", err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("Abort after Close removed the file: %v", err)
		}
		checkErr(t, "write after Close", w.WriteRows(all[:cols]), nil, path, "after Close")
	}
}

func TestStreamingWriterZeroRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.npy")
	w, err := Create(path, 3, Float32)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !slices.Equal(r.Shape(), []int{0, 3}) || r.DType() != Float32 {
		t.Fatalf("shape %v dtype %s", r.Shape(), r.DType())
	}
}

func TestStreamingWriterAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npy")
	if err := os.WriteFile(path, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path, 2, Float64)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRows([]float64{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	if len(dirEntries(t, dir)) != 2 {
		t.Fatalf("expected the destination and one temporary file, found %v", dirEntries(t, dir))
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if names := dirEntries(t, dir); !slices.Equal(names, []string{"a.npy"}) {
		t.Fatalf("after Abort the directory holds %v", names)
	}
	if b, _ := os.ReadFile(path); string(b) != "previous" {
		t.Fatalf("Abort changed the destination to %q", b)
	}
	checkErr(t, "Close after Abort", w.Close(), nil, path, "after Abort")
	checkErr(t, "write after Abort", w.WriteRowsFloat32([]float32{1, 2}), nil, path, "after Close or Abort")
	if err := w.Abort(); err != nil {
		t.Errorf("second Abort = %v", err)
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	missing := filepath.Join(dir, "no-such-dir", "x.npy")

	checkErr(t, "len mismatch", WriteFile(path, []int{2, 3}, make([]float64, 5)), nil, path, "needs 6 values but data has 5")
	checkErr(t, "len mismatch 32", WriteFileFloat32(path, []int{4}, make([]float32, 5)), nil, path, "needs 4 values but data has 5")
	checkErr(t, "negative", WriteFile(path, []int{-1, 3}, nil), nil, path, "negative")
	checkErr(t, "0-d", WriteFile(path, nil, []float64{1}), nil, path, "0-d", "[]int{1}")
	checkErr(t, "overflow", WriteFile(path, []int{math.MaxInt / 2, 4}, nil), nil, path, "too many elements")
	checkErr(t, "missing dir", WriteFile(missing, []int{1}, []float64{1}), fs.ErrNotExist, missing, "does the directory exist")
	checkErr(t, "missing dir 32", WriteFileFloat32(missing, []int{1}, []float32{1}), fs.ErrNotExist, missing)

	_, err := Create(missing, 3, Float32)
	checkErr(t, "Create missing dir", err, fs.ErrNotExist, missing, "does the directory exist")
	_, err = Create(path, 0, Float32)
	checkErr(t, "Create cols 0", err, nil, path, "cols >= 1")
	_, err = Create(path, 3, ">f8")
	checkErr(t, "Create dtype", err, nil, path, `">f8"`, "npy.Float32")

	w, err := Create(path, 3, Float32)
	if err != nil {
		t.Fatal(err)
	}
	checkErr(t, "ragged rows", w.WriteRows(make([]float64, 4)), nil, path, "not a whole number of rows of 3")
	if err := w.WriteRows(make([]float64, 6)); err != nil {
		t.Fatalf("a ragged write must not poison the writer: %v", err)
	}
	w.Abort()
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Fatalf("failed writes left %v", names)
	}
}

// TestWriteFileKeepsOldFileOnFailure makes the final rename fail (the
// destination is a non-empty directory) and checks that the temporary file
// is removed and the destination untouched.
func TestWriteFileKeepsOldFileOnFailure(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "out.npy")
	if err := os.MkdirAll(filepath.Join(dest, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	checkErr(t, "rename onto a directory", WriteFile(dest, []int{2}, []float64{1, 2}), nil, dest, "cannot move the finished file into place")
	w, err := Create(dest, 1, Float64)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRows([]float64{1}); err != nil {
		t.Fatal(err)
	}
	checkErr(t, "streaming rename onto a directory", w.Close(), nil, dest, "cannot move")
	checkErr(t, "Close again reports the failure", w.Close(), nil, dest, "cannot move")
	if names := dirEntries(t, dir); !slices.Equal(names, []string{"out.npy"}) {
		t.Fatalf("directory holds %v, want only the original out.npy", names)
	}
	if st, err := os.Stat(dest); err != nil || !st.IsDir() {
		t.Fatalf("destination changed: %v %v", st, err)
	}
}

// TestWriteFileReplacesAtomically overwrites an existing file and checks the
// new content is complete.
func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npy")
	if err := WriteFile(path, []int{3}, []float64{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileFloat32(path, []int{2, 2}, []float32{4, 5, 6, 7}); err != nil {
		t.Fatal(err)
	}
	got, shape, err := ReadFile(path)
	if err != nil || !slices.Equal(shape, []int{2, 2}) || !slices.Equal(got, []float64{4, 5, 6, 7}) {
		t.Fatalf("after overwrite: %v %v %v", got, shape, err)
	}
	if names := dirEntries(t, dir); !slices.Equal(names, []string{"a.npy"}) {
		t.Fatalf("directory holds %v", names)
	}
}

// TestStreamedEqualsWhole checks the streaming writer and WriteFile produce
// the same data bytes (headers differ only in padding).
func TestStreamedEqualsWhole(t *testing.T) {
	dir := t.TempDir()
	v := values32(50 * 4)
	whole, streamed := filepath.Join(dir, "w.npy"), filepath.Join(dir, "s.npy")
	if err := WriteFileFloat32(whole, []int{50, 4}, v); err != nil {
		t.Fatal(err)
	}
	w, err := Create(streamed, 4, Float32)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := w.WriteRowsFloat32(v[4*i : 4*i+4]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(streamed)
	if !bytes.Equal(a[len(a)-800:], b[len(b)-800:]) || !bytes.Equal(a[len(a)-800:], le32(v...)) {
		t.Fatal("data sections differ")
	}
}

// TestWriteFileVersion2 writes a shape whose header exceeds 65535 bytes, so
// the file must be version 2.0, and reads it back.
func TestWriteFileVersion2(t *testing.T) {
	shape := make([]int, 25000)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = 3
	path := filepath.Join(t.TempDir(), "v2.npy")
	if err := WriteFile(path, shape, []float64{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if raw[6] != 2 || raw[7] != 0 {
		t.Fatalf("version %d.%d, want 2.0", raw[6], raw[7])
	}
	got, gotShape, err := ReadFile(path)
	if err != nil || !slices.Equal(gotShape, shape) || !slices.Equal(got, []float64{1, 2, 3}) {
		t.Fatalf("read back %v, %d dims, %v", got, len(gotShape), err)
	}
}
