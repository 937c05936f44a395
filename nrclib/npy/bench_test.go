package npy

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchFile writes a 100000×128 float32 file (51.2 MB of data) once per
// benchmark.
func benchFile(b *testing.B) (path string, rows, cols int) {
	b.Helper()
	rows, cols = 100_000, 128
	path = filepath.Join(b.TempDir(), "bench.npy")
	w, err := Create(path, cols, Float32)
	if err != nil {
		b.Fatal(err)
	}
	row := make([]float32, cols*1000)
	for i := range row {
		row[i] = float32(i) * 0.25
	}
	for i := 0; i < rows/1000; i++ {
		if err := w.WriteRowsFloat32(row); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return path, rows, cols
}

// benchRead streams the whole file through read in 1024-row chunks.
func benchRead(b *testing.B, read func(r *Reader) (int, error)) {
	path, rows, cols := benchFile(b)
	b.SetBytes(int64(rows * cols * 4))
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		total := 0
		for {
			n, err := read(r)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			total += n
		}
		r.Close()
		if total != rows {
			b.Fatalf("read %d rows, want %d", total, rows)
		}
	}
}

// BenchmarkReadRowsFloat32 reads a ~51 MB float32 file in 1024-row chunks
// into float32; MB/s is the file data rate.
func BenchmarkReadRowsFloat32(b *testing.B) {
	dst := make([]float32, 1024*128)
	benchRead(b, func(r *Reader) (int, error) { return r.ReadRowsFloat32(dst) })
}

// BenchmarkReadRowsFloat64 reads the same file converting to float64.
func BenchmarkReadRowsFloat64(b *testing.B) {
	dst := make([]float64, 1024*128)
	benchRead(b, func(r *Reader) (int, error) { return r.ReadRows(dst) })
}

// BenchmarkWriteRowsFloat32 streams 51.2 MB of float32 rows to disk,
// including the sync and rename at Close.
func BenchmarkWriteRowsFloat32(b *testing.B) {
	const rows, cols = 100_000, 128
	src := make([]float32, 1024*cols)
	path := filepath.Join(b.TempDir(), "w.npy")
	b.SetBytes(rows * cols * 4)
	for b.Loop() {
		w, err := Create(path, cols, Float32)
		if err != nil {
			b.Fatal(err)
		}
		for left := rows; left > 0; left -= 1024 {
			if err := w.WriteRowsFloat32(src[:min(left, 1024)*cols]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	os.Remove(path)
}
