package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Writer streams rows of a fixed width into a new 2-D .npy file whose row
// count is settled at Close. Create one with Create. The rows go to a
// temporary file next to the destination; Close fixes the shape in the
// header, syncs the file and renames it over the destination, and Abort
// discards it. A Writer is not safe for concurrent use.
type Writer struct {
	path      string
	tmp       string
	f         *os.File
	bw        *bufio.Writer
	descr     string
	itemSize  int
	cols      int
	rows      int
	streaming bool // the header's row count is rewritten at Close
	headerLen int
	scratch   []byte
	err       error // sticky write error
	state     writerState
}

// writerState tracks a Writer's life cycle.
type writerState int

const (
	stateOpen writerState = iota
	stateCommitted
	stateAborted
)

// Create starts a streaming write of a 2-D array of shape (rows, cols) to
// path, with dtype Float32 ("<f4") or Float64 ("<f8"). Rows are added with
// WriteRows or WriteRowsFloat32; the row count is written into the header
// when Close commits the file. The header is padded to a fixed width large
// enough for any row count, so it can be rewritten in place. Until Close
// succeeds nothing exists at path; the data lives in a hidden temporary file
// in the same directory. Callers must end with Close or Abort.
func Create(path string, cols int, dtype string) (*Writer, error) {
	if cols < 1 {
		return nil, fmt.Errorf("npy: %s: Create needs cols >= 1, got %d", path, cols)
	}
	if itemSize(dtype) == 0 {
		return nil, fmt.Errorf("npy: %s: dtype %q cannot be written; use npy.Float32 (%q) or npy.Float64 (%q)",
			path, dtype, Float32, Float64)
	}
	// Reserve room for the longest possible row count.
	reserved := len(buildHeader(dtype, []int{math.MaxInt, cols}, 0))
	hdr := buildHeader(dtype, []int{0, cols}, reserved)
	w, err := newWriter(path, dtype, hdr)
	if err != nil {
		return nil, err
	}
	w.cols, w.streaming = cols, true
	return w, nil
}

// newWriter creates the temporary file and writes the preamble hdr.
func newWriter(path, dtype string, hdr []byte) (*Writer, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("npy: cannot create a temporary file next to %s (does the directory exist and is it writable?): %w", path, err)
	}
	w := &Writer{
		path: path, tmp: f.Name(), f: f, bw: bufio.NewWriterSize(f, ioBufBytes),
		descr: dtype, itemSize: itemSize(dtype), headerLen: len(hdr),
		scratch: make([]byte, ioBufBytes),
	}
	if _, err := w.bw.Write(hdr); err != nil {
		w.fail(err)
		w.Abort()
		return nil, w.err
	}
	return w, nil
}

// fail records the first write error.
func (w *Writer) fail(err error) {
	if w.err == nil {
		w.err = fmt.Errorf("npy: writing %s: %w", w.path, err)
	}
}

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int { return w.rows }

// Cols returns the row width given to Create.
func (w *Writer) Cols() int { return w.cols }

// WriteRows appends len(src)/Cols() rows, converting to the file's dtype
// (rounding to the nearest float32 for a Float32 file; values beyond the
// float32 range become ±Inf). len(src) must be a multiple of Cols().
func (w *Writer) WriteRows(src []float64) error {
	if err := w.checkRows(len(src)); err != nil {
		return err
	}
	w.write64(src)
	if w.err == nil {
		w.rows += len(src) / w.cols
	}
	return w.err
}

// WriteRowsFloat32 appends len(src)/Cols() rows given as float32 values.
// len(src) must be a multiple of Cols().
func (w *Writer) WriteRowsFloat32(src []float32) error {
	if err := w.checkRows(len(src)); err != nil {
		return err
	}
	w.write32(src)
	if w.err == nil {
		w.rows += len(src) / w.cols
	}
	return w.err
}

func (w *Writer) checkRows(n int) error {
	switch {
	case w.state != stateOpen:
		return fmt.Errorf("npy: %s: write after Close or Abort", w.path)
	case w.err != nil:
		return w.err
	case n%w.cols != 0:
		return fmt.Errorf("npy: %s: %d values are not a whole number of rows of %d columns; pass k*Cols() values",
			w.path, n, w.cols)
	}
	return nil
}

// write64 encodes float64 values in the file dtype through the scratch
// buffer.
func (w *Writer) write64(src []float64) {
	per := len(w.scratch) / w.itemSize
	for len(src) > 0 && w.err == nil {
		k := min(per, len(src))
		b := w.scratch[:k*w.itemSize]
		if w.itemSize == 8 {
			for i, v := range src[:k] {
				binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
			}
		} else {
			for i, v := range src[:k] {
				binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(v)))
			}
		}
		if _, err := w.bw.Write(b); err != nil {
			w.fail(err)
		}
		src = src[k:]
	}
}

// write32 encodes float32 values in the file dtype through the scratch
// buffer.
func (w *Writer) write32(src []float32) {
	per := len(w.scratch) / w.itemSize
	for len(src) > 0 && w.err == nil {
		k := min(per, len(src))
		b := w.scratch[:k*w.itemSize]
		if w.itemSize == 4 {
			for i, v := range src[:k] {
				binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
			}
		} else {
			for i, v := range src[:k] {
				binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(float64(v)))
			}
		}
		if _, err := w.bw.Write(b); err != nil {
			w.fail(err)
		}
		src = src[k:]
	}
}

// Close completes the file: it writes the final row count into the header,
// syncs the data to disk and renames the temporary file to the destination
// path. On any error the temporary file is removed, the destination is left
// as it was, and the error is returned (again by later calls). Calling Close
// again after success returns nil; Close after Abort returns an error.
func (w *Writer) Close() error {
	switch w.state {
	case stateCommitted:
		return nil
	case stateAborted:
		if w.err != nil {
			return w.err
		}
		return fmt.Errorf("npy: %s: Close after Abort; the file was discarded", w.path)
	}
	if w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
		}
	}
	if w.err == nil && w.streaming {
		hdr := buildHeader(w.descr, []int{w.rows, w.cols}, w.headerLen)
		if len(hdr) != w.headerLen {
			panic(fmt.Sprintf("npy: header grew from %d to %d bytes", w.headerLen, len(hdr)))
		}
		if _, err := w.f.WriteAt(hdr, 0); err != nil {
			w.fail(err)
		}
	}
	if w.err == nil {
		w.err = commit(w.f, w.path)
	}
	if w.err != nil {
		w.Abort()
		return w.err
	}
	w.state = stateCommitted
	return nil
}

// Abort discards everything written: it closes and removes the temporary
// file, leaving the destination path as it was. It is a no-op after Close
// succeeded or a previous Abort.
func (w *Writer) Abort() error {
	if w.state != stateOpen {
		return nil
	}
	w.state = stateAborted
	var errs []error
	if err := w.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		errs = append(errs, err)
	}
	if err := os.Remove(w.tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("npy: aborting %s: %w", w.path, errors.Join(errs...))
	}
	return nil
}

// commit syncs and closes the temporary file f and renames it to path. It
// does not remove f on failure; the caller does.
func commit(f *os.File, path string) error {
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("npy: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("npy: writing %s: syncing: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("npy: writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("npy: cannot move the finished file into place: %w (is %s a directory, or the directory read-only?)", err, path)
	}
	// Make the rename durable; best effort, as some file systems do not
	// support syncing directories.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// WriteFile atomically writes data, an array of the given shape in C order,
// to path as a '<f8' .npy file. len(data) must equal the product of shape,
// and shape must have at least one dimension. The header is version 1.0
// (2.0 if it is too long for 1.0) and the data starts at a multiple of 64
// bytes, as NumPy writes it.
func WriteFile(path string, shape []int, data []float64) error {
	w, err := createFixed(path, Float64, shape, len(data))
	if err != nil {
		return err
	}
	w.write64(data)
	return w.Close()
}

// WriteFileFloat32 is WriteFile for float32 data, writing a '<f4' file.
func WriteFileFloat32(path string, shape []int, data []float32) error {
	w, err := createFixed(path, Float32, shape, len(data))
	if err != nil {
		return err
	}
	w.write32(data)
	return w.Close()
}

// createFixed validates shape against n values and starts a Writer whose
// header already holds the final shape.
func createFixed(path, dtype string, shape []int, n int) (*Writer, error) {
	if len(shape) == 0 {
		return nil, fmt.Errorf("npy: %s: shape is empty (0-d); pass at least one dimension, e.g. []int{%d}", path, n)
	}
	total := 1
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("npy: %s: shape %v has a negative dimension", path, shape)
		}
		if d != 0 && total > math.MaxInt/d {
			return nil, fmt.Errorf("npy: %s: shape %v has too many elements", path, shape)
		}
		total *= d
	}
	if total != n {
		return nil, fmt.Errorf("npy: %s: shape %v needs %d values but data has %d", path, shape, total, n)
	}
	return newWriter(path, dtype, buildHeader(dtype, shape, 0))
}
