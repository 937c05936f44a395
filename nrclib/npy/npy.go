// Package npy reads and writes NumPy .npy files holding little-endian
// float32 ('<f4') or float64 ('<f8') arrays in C (row-major) order.
//
// A .npy file is a 6-byte magic string "\x93NUMPY", a major and a minor
// version byte, a little-endian header length (uint16 for version 1.0,
// uint32 for 2.0 and 3.0), and a header: a Python dict literal with the keys
// 'descr' (the dtype), 'fortran_order' and 'shape', padded with spaces and
// ended by a newline. The raw array bytes follow the header. Versions 1.0 and
// 2.0 encode the header in latin-1, version 3.0 in UTF-8.
//
// Arrays are seen as a table of rows: the first dimension counts rows and the
// product of the remaining dimensions gives the columns, so a 1-D array of
// length N is N rows of one column and an (N, C, H, W) array is N rows of
// C·H·W columns. Zero-dimensional arrays are rejected.
//
// The Reader streams rows through fixed buffers of 128 KiB in all,
// so files far larger than memory can be processed; ReadFile and
// ReadFileFloat32 load a whole file. WriteFile, WriteFileFloat32 and the
// streaming Writer (Create) write atomically: the data goes to a temporary
// file in the destination directory, which is synced and renamed over the
// destination only when complete, so no half-written .npy file is ever left
// at the destination path.
//
// Any other content — big-endian or native ('=') byte order, integer,
// complex, object or structured dtypes, Fortran-ordered arrays — is refused
// with an error naming the file, what was found, and how to convert it.
// Errors can be classified with errors.Is against ErrFormat, ErrUnsupported
// and ErrTruncated.
package npy

import (
	"errors"
	"fmt"
)

// The dtype strings this package reads and writes.
const (
	// Float32 is the dtype descriptor of little-endian IEEE-754 float32 data.
	Float32 = "<f4"
	// Float64 is the dtype descriptor of little-endian IEEE-754 float64 data.
	Float64 = "<f8"
)

// Error classes; every error this package returns for bad file content wraps
// exactly one of them.
var (
	// ErrFormat marks a file that is not a well-formed .npy file (empty,
	// wrong magic, unparsable header, extra bytes after the data).
	ErrFormat = errors.New("not a valid .npy file")
	// ErrUnsupported marks a well-formed .npy file whose content this package
	// does not handle (format version, dtype, Fortran order, 0-d shape).
	ErrUnsupported = errors.New("unsupported .npy content")
	// ErrTruncated marks a file with fewer data bytes than its shape needs.
	ErrTruncated = errors.New("truncated .npy file")
)

// magic is the 6-byte prefix of every .npy file.
const magic = "\x93NUMPY"

// fileError formats an error for the file at path, wrapping the class error
// kind so errors.Is can classify it.
func fileError(path string, kind error, format string, args ...any) error {
	return fmt.Errorf("npy: %s: %w: %s", path, kind, fmt.Sprintf(format, args...))
}

// itemSize returns the byte width of a supported dtype, or 0 if descr is not
// one.
func itemSize(descr string) int {
	switch descr {
	case Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}
