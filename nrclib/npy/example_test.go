package npy_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/deepnrc/deepnrc/nrclib/npy"
)

// Write a 2×3 float64 array and read it back whole.
func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "npy-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "a.npy")

	if err := npy.WriteFile(path, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6.5}); err != nil {
		log.Fatal(err)
	}
	data, shape, err := npy.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(shape, data)
	// Output: [2 3] [1 2 3 4 5 6.5]
}

// Stream rows into a file whose length is not known in advance, then read
// it back two rows at a time.
func ExampleReader() {
	dir, err := os.MkdirTemp("", "npy-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "features.npy")

	w, err := npy.Create(path, 2, npy.Float32)
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := w.WriteRowsFloat32([]float32{float32(i), float32(i) / 2}); err != nil {
			w.Abort()
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := npy.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	fmt.Println("shape", r.Shape(), "dtype", r.DType(), "rows", r.Rows(), "cols", r.Cols())
	buf := make([]float64, 2*r.Cols()) // room for two rows
	for {
		n, err := r.ReadRows(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(n, "rows:", buf[:n*r.Cols()])
	}
	// Output:
	// shape [5 2] dtype <f4 rows 5 cols 2
	// 2 rows: [0 0 1 0.5]
	// 2 rows: [2 1 3 1.5]
	// 1 rows: [4 2]
}
