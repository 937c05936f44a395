package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
	"unicode/utf8"
)

// maxHeaderLen bounds the header length field, so a corrupt or hostile file
// cannot make Open allocate gigabytes. Real headers are a few hundred bytes.
const maxHeaderLen = 1 << 20

// ioBufBytes is the size of the read buffer and of the conversion buffer; it
// bounds the memory a Reader uses whatever the file size.
const ioBufBytes = 1 << 16

// Reader streams the rows of a .npy file. Create one with Open. A Reader is
// not safe for concurrent use.
type Reader struct {
	path     string
	f        *os.File
	br       *bufio.Reader
	descr    string
	itemSize int
	shape    []int
	rows     int
	cols     int
	next     int    // rows already returned
	raw      []byte // conversion buffer, ioBufBytes long
	err      error  // sticky error from a failed read
	closed   bool
	sized    bool // the file size was checked against the shape at Open
	// fortran is set for a column-major file opened for a whole read
	// (see ReadFileChecked); its rows cannot be streamed.
	fortran bool
}

// Open opens the .npy file at path and reads its header. It checks the file
// size against the shape for regular files, so truncated files and files with
// trailing bytes fail here rather than midway through reading. The caller
// must Close the Reader.
func Open(path string) (*Reader, error) { return open(path, false) }

// open is Open, also accepting column-major (Fortran-order) data when
// whole is set; such a Reader serves only readWhole.
func open(path string, whole bool) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("npy: %w (check the permissions of the file and its directory)", err)
		}
		return nil, fmt.Errorf("npy: %w (check that the file and its directory exist)", err)
	}
	r := &Reader{path: path, f: f, br: bufio.NewReaderSize(f, ioBufBytes), fortran: whole}
	if err := r.readHeader(); err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// readHeader parses the preamble and header, sets the shape fields and
// checks the data size.
func (r *Reader) readHeader() error {
	var pre [12]byte
	n, err := io.ReadFull(r.br, pre[:8])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("npy: %s: reading the header: %w", r.path, err)
	}
	switch {
	case n == 0:
		return fileError(r.path, ErrFormat, "file is empty (0 bytes); it was probably not written completely")
	case string(pre[:min(n, 6)]) != magic[:min(n, 6)]:
		if n >= 4 && string(pre[:4]) == "PK\x03\x04" {
			return fileError(r.path, ErrFormat,
				"file is a zip archive, probably an .npz; extract each array and save it with np.save")
		}
		return fileError(r.path, ErrFormat,
			"file does not start with the .npy magic \\x93NUMPY (found % x); write it with np.save", pre[:min(n, 6)])
	case n < 8:
		return fileError(r.path, ErrFormat, "file ends after %d bytes, inside the .npy preamble", n)
	}
	major, minor := pre[6], pre[7]
	if major < 1 || major > 3 || minor != 0 {
		return fileError(r.path, ErrUnsupported,
			"format version %d.%d; only versions 1.0, 2.0 and 3.0 are supported "+
				"(re-save with np.save from a NumPy release that writes one of those)", major, minor)
	}
	lenBytes := 2
	if major >= 2 {
		lenBytes = 4
	}
	if _, err := io.ReadFull(r.br, pre[8:8+lenBytes]); err != nil {
		return fileError(r.path, ErrFormat, "file ends inside the header length field")
	}
	var hlen int
	if lenBytes == 2 {
		hlen = int(binary.LittleEndian.Uint16(pre[8:]))
	} else {
		hlen = int(binary.LittleEndian.Uint32(pre[8:]))
	}
	if hlen > maxHeaderLen {
		return fileError(r.path, ErrFormat, "header length %d is implausibly large (limit %d); the file is corrupt", hlen, maxHeaderLen)
	}
	text := make([]byte, hlen)
	if got, err := io.ReadFull(r.br, text); err != nil {
		return fileError(r.path, ErrFormat, "file ends inside the header (%d of %d header bytes present)", got, hlen)
	}
	if major == 3 && !utf8.Valid(text) {
		return fileError(r.path, ErrFormat, "version 3.0 header is not valid UTF-8")
	}
	h, err := parseHeaderDict(string(text))
	if err != nil {
		return fileError(r.path, ErrFormat, "cannot parse the header %q: %v; the file is corrupt, re-create it with np.save",
			clip(strings.TrimRight(string(text), " \n"), 120), err)
	}
	allowFortran := r.fortran
	r.fortran = h.columnMajor()
	if err := checkHeader(r.path, h); err != nil && !(allowFortran && r.fortran && errors.Is(err, ErrUnsupported) && itemSize(h.descr) != 0 && len(h.shape) > 0) {
		return err
	}
	r.descr, r.itemSize, r.shape = h.descr, itemSize(h.descr), h.shape
	// The whole array must be addressable: elements and bytes fit in an int.
	elems, tooBig := 1, false
	for _, d := range h.shape {
		if d != 0 && elems > math.MaxInt/d {
			tooBig = true
		}
		elems *= d
	}
	r.rows, r.cols = h.shape[0], 1
	for _, d := range h.shape[1:] {
		if d != 0 && r.cols > math.MaxInt/d {
			tooBig = true
		}
		r.cols *= d
	}
	if tooBig || elems > math.MaxInt/r.itemSize || r.cols > math.MaxInt/r.itemSize {
		return fileError(r.path, ErrFormat, "shape %s has too many elements to address; the header is corrupt", shapeString(h.shape))
	}
	rowBytes := int64(r.cols) * int64(r.itemSize)
	r.raw = make([]byte, ioBufBytes)

	// For regular files the size tells at once whether the data is complete.
	st, err := r.f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	offset := int64(8 + lenBytes + hlen)
	have, need := st.Size()-offset, rowBytes*int64(r.rows)
	switch {
	case have < need:
		return r.truncated(have)
	case have > need:
		return r.trailing(have - need)
	}
	r.sized = true
	return nil
}

// truncated reports a file holding only have data bytes.
func (r *Reader) truncated(have int64) error {
	rowBytes := int64(r.cols) * int64(r.itemSize)
	return fileError(r.path, ErrTruncated,
		"shape %s of dtype %s needs %d rows of %d bytes (%d data bytes) but the file has %d data bytes, "+
			"so only %d complete rows are readable; the file was probably cut off while being written, re-create it",
		shapeString(r.shape), r.descr, r.rows, rowBytes, rowBytes*int64(r.rows), have, have/rowBytes)
}

// trailing reports extra bytes after the data.
func (r *Reader) trailing(extra int64) error {
	return fileError(r.path, ErrFormat,
		"file has %d bytes after the data that its shape %s of dtype %s describes; "+
			"the header does not match the data, re-create the file with np.save",
		extra, shapeString(r.shape), r.descr)
}

// Shape returns a copy of the array shape.
func (r *Reader) Shape() []int { return append([]int(nil), r.shape...) }

// Rows returns the first dimension of the array.
func (r *Reader) Rows() int { return r.rows }

// Cols returns the product of all dimensions but the first (1 for a 1-D
// array), the number of values in one row.
func (r *Reader) Cols() int { return r.cols }

// DType returns the dtype descriptor of the file: Float32 ("<f4") or Float64
// ("<f8").
func (r *Reader) DType() string { return r.descr }

// ReadRows reads the next rows into dst, as many whole rows as fit in
// len(dst)/Cols() but no more than remain, converting the values to float64
// (exactly, for both dtypes). The values of row i occupy
// dst[i*Cols():(i+1)*Cols()]. It returns the number of rows read; after the
// last row it returns 0 and io.EOF. dst must hold at least one row. If the
// data turns out to be cut short, it returns the rows completed in this call
// together with an ErrTruncated error.
func (r *Reader) ReadRows(dst []float64) (rows int, err error) {
	n, err := r.start(len(dst))
	if n == 0 || err != nil {
		return n, err
	}
	return r.fill(n, func(raw []byte, at int) {
		if r.itemSize == 4 {
			out := dst[at : at+len(raw)/4]
			for i := range out {
				out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
			}
			return
		}
		out := dst[at : at+len(raw)/8]
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	})
}

// ReadRowsFloat32 is ReadRows for a float32 destination. Float32 files are
// copied exactly; float64 values are rounded to the nearest float32 (values
// beyond the float32 range become ±Inf).
func (r *Reader) ReadRowsFloat32(dst []float32) (rows int, err error) {
	n, err := r.start(len(dst))
	if n == 0 || err != nil {
		return n, err
	}
	return r.fill(n, func(raw []byte, at int) {
		if r.itemSize == 4 {
			out := dst[at : at+len(raw)/4]
			for i := range out {
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
			return
		}
		out := dst[at : at+len(raw)/8]
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	})
}

// start decides how many rows the next read returns, for a destination of
// dstLen values. It returns 0 and io.EOF at the end of the data.
func (r *Reader) start(dstLen int) (int, error) {
	switch {
	case r.closed:
		return 0, fmt.Errorf("npy: %s: read after Close", r.path)

	case r.err != nil:
		return 0, r.err
	case r.next == r.rows:
		// The Open size check covers regular files; for pipes and other
		// streams the end of the data is checked here, once.
		if _, err := r.br.ReadByte(); err == nil {
			r.err = fileError(r.path, ErrFormat,
				"file has bytes after the data that its shape %s of dtype %s describes; "+
					"the header does not match the data, re-create the file with np.save",
				shapeString(r.shape), r.descr)
			return 0, r.err
		} else if !errors.Is(err, io.EOF) {
			r.err = fmt.Errorf("npy: %s: %w", r.path, err)
			return 0, r.err
		}
		return 0, io.EOF
	case r.cols == 0:
		return r.rows - r.next, nil // empty rows: fill reads nothing
	case dstLen < r.cols:
		return 0, fmt.Errorf("npy: %s: destination holds %d values, less than one row of %d; pass a slice of at least Cols() values",
			r.path, dstLen, r.cols)
	}
	return min(r.rows-r.next, dstLen/r.cols), nil
}

// fill reads n rows through the conversion buffer, handing each chunk of raw
// little-endian bytes to convert along with the index of its first value.
func (r *Reader) fill(n int, convert func(raw []byte, at int)) (int, error) {
	total := n * r.cols
	chunk := len(r.raw) / r.itemSize
	for done := 0; done < total; {
		k := min(chunk, total-done)
		got, err := io.ReadFull(r.br, r.raw[:k*r.itemSize])
		if err != nil {
			convert(r.raw[:got/r.itemSize*r.itemSize], done)
			complete := (done + got/r.itemSize) / r.cols
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				rowBytes := int64(r.cols) * int64(r.itemSize)
				r.err = r.truncated(int64(r.next)*rowBytes + int64(done)*int64(r.itemSize) + int64(got))
			} else {
				r.err = fmt.Errorf("npy: %s: reading row %d: %w", r.path, r.next+complete, err)
			}
			r.next += complete
			return complete, r.err
		}
		convert(r.raw[:got], done)
		done += k
	}
	r.next += n
	return n, nil
}

// Close closes the file. Calling Close again returns nil.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("npy: %s: %w", r.path, err)
	}
	return nil
}

// ReadFile reads the whole .npy file at path, converting its values to
// float64. It returns the values in C order and the shape; files stored
// in Fortran (column-major) order, as np.save writes a transposed view
// such as W.T, are reordered. For a regular file the data size was checked
// at Open and the result is allocated at once; for a pipe or other stream,
// whose header cannot be checked, memory grows as the data arrives, so a
// header claiming more data than is sent costs only what was sent before
// the ErrTruncated error.
func ReadFile(path string) (data []float64, shape []int, err error) {
	return ReadFileChecked(path, nil)
}

// ReadFileChecked is ReadFile calling check, when not nil, with the shape
// from the header before anything of that size is allocated; an error from
// check is returned as it is. Use it to refuse files too large for memory.
func ReadFileChecked(path string, check func(shape []int) error) (data []float64, shape []int, err error) {
	r, err := open(path, true)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	if check != nil {
		if err := check(r.Shape()); err != nil {
			return nil, nil, err
		}
	}
	if data, err = readWhole(r, r.ReadRows); err != nil {
		return nil, nil, err
	}
	return toCOrder(r, data), r.Shape(), nil
}

// ReadFileFloat32 is ReadFile returning float32 values; float64 files are
// rounded to the nearest float32.
func ReadFileFloat32(path string) (data []float32, shape []int, err error) {
	r, err := open(path, true)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	if data, err = readWhole(r, r.ReadRowsFloat32); err != nil {
		return nil, nil, err
	}
	return toCOrder(r, data), r.Shape(), nil
}

// ReadAll reads every row of a freshly opened Reader as float64 values in
// C order, growing memory as the data arrives for streams (see ReadFile).
// Callers that must bound memory check Rows()·Cols() before calling it.
func (r *Reader) ReadAll() ([]float64, error) {
	if r.next != 0 {
		return nil, fmt.Errorf("npy: %s: ReadAll after %d rows were read; call it on a fresh Reader", r.path, r.next)
	}
	return readWhole(r, r.ReadRows)
}

// toCOrder reorders the values of a column-major file (read in file order)
// into C order; C-order data is returned as it is.
func toCOrder[T float32 | float64](r *Reader, v []T) []T {
	if !r.fortran {
		return v
	}
	shape := r.shape
	out := make([]T, len(v))
	// Element (i_0, …, i_{k−1}) is at Σ i_j·Π_{l<j} d_l in the file and at
	// Σ i_j·Π_{l>j} d_l in C order; walk the C order with an odometer.
	k := len(shape)
	fstride := make([]int, k)
	acc := 1
	for j := 0; j < k; j++ {
		fstride[j] = acc
		acc *= shape[j]
	}
	idx := make([]int, k)
	for c := range out {
		f := 0
		for j, i := range idx {
			f += i * fstride[j]
		}
		out[c] = v[f]
		for j := k - 1; j >= 0; j-- {
			idx[j]++
			if idx[j] < shape[j] {
				break
			}
			idx[j] = 0
		}
	}
	return out
}

// growRows is how many values a stream of unknown true size is read in
// per step.
const growRows = 1 << 20

// readWhole reads every row of r through read and confirms the end of the
// data.
func readWhole[T float32 | float64](r *Reader, read func([]T) (int, error)) ([]T, error) {
	n := r.rows * r.cols
	if r.cols == 0 {
		if _, err := read(nil); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return []T{}, nil
	}
	step := n
	if !r.sized {
		step = max(1, growRows/r.cols) * r.cols
	}
	data := make([]T, 0, min(n, step))
	for len(data) < n {
		k := min(n-len(data), step)
		start := len(data)
		data = append(data, make([]T, k)...)
		for at := start; at < start+k; {
			rows, err := read(data[at : start+k])
			if err != nil {
				if errors.Is(err, io.EOF) {
					return nil, r.truncated(int64(at) * int64(r.itemSize))
				}
				return nil, err
			}
			at += rows * r.cols
		}
	}
	if _, err := read(data[:0:0]); !errors.Is(err, io.EOF) {
		if err == nil {
			err = fmt.Errorf("npy: %s: internal error: rows left after the shape was read", r.path)
		}
		return nil, err
	}
	return data, nil
}
