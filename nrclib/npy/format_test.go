package npy

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fixture assembles a .npy file by hand from the format description: magic,
// version bytes, little-endian header length (2 bytes for version 1, else
// 4), the header text and the data. It pads nothing; callers pass the header
// text exactly as it should appear.
func fixture(major, minor byte, headerText string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.WriteByte(major)
	b.WriteByte(minor)
	n := len(headerText)
	if major == 1 {
		b.Write([]byte{byte(n), byte(n >> 8)})
	} else {
		b.Write([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})
	}
	b.WriteString(headerText)
	b.Write(data)
	return b.Bytes()
}

// le64 and le32 encode values little-endian byte by byte, independently of
// the package's encoder.
func le64(vals ...float64) []byte {
	var out []byte
	for _, v := range vals {
		u := math.Float64bits(v)
		for i := 0; i < 8; i++ {
			out = append(out, byte(u>>(8*i)))
		}
	}
	return out
}

func le32(vals ...float32) []byte {
	var out []byte
	for _, v := range vals {
		u := math.Float32bits(v)
		for i := 0; i < 4; i++ {
			out = append(out, byte(u>>(8*i)))
		}
	}
	return out
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sameBits reports whether a and b hold bit-identical values (so NaN equals
// NaN and -0 differs from +0).
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func sameBits32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestGoldenFloat64 compares WriteFile's output with bytes laid out by hand:
// the exact header NumPy writes for a (2, 3) float64 array, space-padded to
// a 64-byte boundary and ended by a newline, then the values with their IEEE
// bit patterns spelled out in hex.
func TestGoldenFloat64(t *testing.T) {
	var want []byte
	want = append(want, 0x93, 'N', 'U', 'M', 'P', 'Y', 0x01, 0x00)
	dict := "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
	// 10 preamble bytes + 59 dict bytes + 1 newline = 70, so the data starts
	// at 128: 118 header bytes, 58 of them padding spaces.
	want = append(want, 118, 0)
	want = append(want, dict...)
	for i := 0; i < 58; i++ {
		want = append(want, ' ')
	}
	want = append(want, '\n')
	want = append(want,
		0, 0, 0, 0, 0, 0, 0xf0, 0x3f, // 1.0
		0, 0, 0, 0, 0, 0, 0x00, 0x40, // 2.0
		0, 0, 0, 0, 0, 0, 0xe0, 0x3f, // 0.5
		0, 0, 0, 0, 0, 0, 0xf0, 0xbf, // -1.0
		0, 0, 0, 0, 0, 0, 0x00, 0x00, // 0.0
		0, 0, 0, 0, 0, 0, 0x10, 0x40, // 4.0
	)
	if len(want) != 128+48 {
		t.Fatalf("golden fixture is %d bytes, want 176", len(want))
	}
	path := filepath.Join(t.TempDir(), "golden.npy")
	if err := WriteFile(path, []int{2, 3}, []float64{1, 2, 0.5, -1, 0, 4}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("WriteFile bytes differ from the golden bytes:\n got %q\nwant %q", got, want)
	}
	data, shape, err := ReadFile(writeTemp(t, "g.npy", want))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shape, []int{2, 3}) || !slices.Equal(data, []float64{1, 2, 0.5, -1, 0, 4}) {
		t.Fatalf("ReadFile(golden) = %v %v", data, shape)
	}
}

// TestGoldenFloat32 does the same for a 1-D float32 array of three values.
func TestGoldenFloat32(t *testing.T) {
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
	want := []byte("\x93NUMPY\x01\x00\x76\x00" + dict)
	for len(want) < 127 {
		want = append(want, ' ')
	}
	want = append(want, '\n')
	want = append(want,
		0x00, 0x00, 0x80, 0x3f, // 1.0
		0x00, 0x00, 0x00, 0xc0, // -2.0
		0x00, 0x00, 0xc0, 0x7f, // NaN (quiet, as Go's float32 conversion keeps it)
	)
	path := filepath.Join(t.TempDir(), "g32.npy")
	nan := math.Float32frombits(0x7fc00000)
	if err := WriteFileFloat32(path, []int{3}, []float32{1, -2, nan}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, want) {
		t.Fatalf("WriteFileFloat32 bytes:\n got %q\nwant %q", got, want)
	}
}

// specials are values whose bits must survive every round trip.
var specials = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1),
	5e-324, math.MaxFloat64, -math.SmallestNonzeroFloat64 * 3, 1.0 / 3}

var specials32 = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, math.MaxFloat32, 1.0 / 3, -7.25}

// values returns n test values, the specials first.
func values(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		if i < len(specials) {
			out[i] = specials[i]
		} else {
			out[i] = float64(i%13-6)/4 + float64(i)/1024 + math.Pi*1e-9
		}
	}
	return out
}

func values32(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		if i < len(specials32) {
			out[i] = specials32[i]
		} else {
			out[i] = float32(i%13-6)/4 + float32(i)/1024 + 1e-7
		}
	}
	return out
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

var roundTripShapes = [][]int{{1}, {9}, {0}, {2, 3}, {3, 1}, {1, 3}, {0, 3}, {4, 0}, {2, 3, 4}, {3, 2, 2, 2}, {5, 1, 1}}

// TestRoundTrip writes every shape with both writers and both element types,
// then reads each file with every reading path.
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, shape := range roundTripShapes {
		n := product(shape)
		wantRows, wantCols := shape[0], product(shape[1:])

		p64 := filepath.Join(dir, "f64.npy")
		v64 := values(n)
		if err := WriteFile(p64, shape, v64); err != nil {
			t.Fatalf("WriteFile %v: %v", shape, err)
		}
		p32 := filepath.Join(dir, "f32.npy")
		v32 := values32(n)
		if err := WriteFileFloat32(p32, shape, v32); err != nil {
			t.Fatalf("WriteFileFloat32 %v: %v", shape, err)
		}

		// float64 file: exact as float64, rounded as float32.
		got, gotShape, err := ReadFile(p64)
		if err != nil || !slices.Equal(gotShape, shape) || !sameBits(got, v64) {
			t.Fatalf("ReadFile(f64 %v) = %v %v %v, want %v", shape, got, gotShape, err, v64)
		}
		got32, _, err := ReadFileFloat32(p64)
		want32 := make([]float32, n)
		for i, v := range v64 {
			want32[i] = float32(v)
		}
		if err != nil || !sameBits32(got32, want32) {
			t.Fatalf("ReadFileFloat32(f64 %v) = %v %v, want %v", shape, got32, err, want32)
		}

		// float32 file: exact as float32, widened exactly as float64.
		got32, gotShape, err = ReadFileFloat32(p32)
		if err != nil || !slices.Equal(gotShape, shape) || !sameBits32(got32, v32) {
			t.Fatalf("ReadFileFloat32(f32 %v) = %v %v %v", shape, got32, gotShape, err)
		}
		got, _, err = ReadFile(p32)
		want64 := make([]float64, n)
		for i, v := range v32 {
			want64[i] = float64(v)
		}
		if err != nil || !sameBits(got, want64) {
			t.Fatalf("ReadFile(f32 %v) = %v %v", shape, got, err)
		}

		for _, p := range []string{p32, p64} {
			r, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			if r.Rows() != wantRows || r.Cols() != wantCols || !slices.Equal(r.Shape(), shape) {
				t.Errorf("%v: Rows %d Cols %d Shape %v", shape, r.Rows(), r.Cols(), r.Shape())
			}
			wantDType := Float64
			if p == p32 {
				wantDType = Float32
			}
			if r.DType() != wantDType {
				t.Errorf("DType = %q, want %q", r.DType(), wantDType)
			}
			r.Close()
		}
	}
}

// TestVersion2And3Fixtures reads hand-built version 2.0 and 3.0 files, whose
// header length field is four bytes and whose 3.0 header may hold UTF-8.
func TestVersion2And3Fixtures(t *testing.T) {
	v := values(6)
	v32 := values32(6)
	// Version 2.0, aligned to 64 bytes like NumPy: 12 + 59 + pad + 1.
	text2 := "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
	for (12+len(text2)+1)%64 != 0 {
		text2 += " "
	}
	text2 += "\n"
	// Version 3.0 differs from 2.0 only in the header encoding (UTF-8);
	// this header is ASCII and unaligned, which readers must accept too.
	text3 := "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }\n"
	cases := []struct {
		name  string
		file  []byte
		shape []int
		want  []float64
	}{
		{"v2", fixture(2, 0, text2, le64(v...)), []int{2, 3}, v},
		{"v3", fixture(3, 0, text3, le32(v32...)), []int{3, 2}, widen(v32)},
		{"v1-unaligned-16", fixture(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }    \n", le64(v...)), []int{6}, v},
	}
	for _, c := range cases {
		path := writeTemp(t, c.name+".npy", c.file)
		got, shape, err := ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(shape, c.shape) || !sameBits(got, c.want) {
			t.Fatalf("%s: got %v %v, want %v %v", c.name, got, shape, c.want, c.shape)
		}
	}
}

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// TestVersion3UTF8Header checks that a 3.0 header with UTF-8 text (here in a
// rejected structured dtype's field name) is decoded, and that invalid UTF-8
// is reported.
func TestVersion3UTF8Header(t *testing.T) {
	text := "{'descr': [('température', '<f8')], 'fortran_order': False, 'shape': (1,), }\n"
	_, _, err := ReadFile(writeTemp(t, "u.npy", fixture(3, 0, text, le64(1))))
	if !errors.Is(err, ErrUnsupported) || !bytes.Contains([]byte(err.Error()), []byte("structured")) {
		t.Fatalf("structured UTF-8 dtype: err = %v, want ErrUnsupported naming a structured dtype", err)
	}
	bad := "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\xff\n"
	_, _, err = ReadFile(writeTemp(t, "bad.npy", fixture(3, 0, bad, le64(1))))
	if !errors.Is(err, ErrFormat) || !bytes.Contains([]byte(err.Error()), []byte("UTF-8")) {
		t.Fatalf("invalid UTF-8: err = %v", err)
	}
}

// TestFortranOrderEquivalentLayouts reads files marked fortran_order True
// whose shapes have at most one dimension above 1, where both orders store
// the same bytes.
func TestFortranOrderEquivalentLayouts(t *testing.T) {
	for _, shape := range []string{"(4,)", "(1, 4)", "(4, 1, 1)"} {
		text := "{'descr': '<f8', 'fortran_order': True, 'shape': " + shape + ", }\n"
		got, _, err := ReadFile(writeTemp(t, "f.npy", fixture(1, 0, text, le64(1, 2, 3, 4))))
		if err != nil || !slices.Equal(got, []float64{1, 2, 3, 4}) {
			t.Errorf("shape %s fortran_order True: %v %v", shape, got, err)
		}
	}
}

// TestStreamingChunks reads files in chunks of many sizes, including files
// larger than the internal buffer and rows wider than it, and checks the
// rows equal ReadFile's and the counts follow min(remaining, len(dst)/cols).
func TestStreamingChunks(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ rows, cols int }{{37, 5}, {1000, 20}, {3, 20000}, {7, 1}}
	for _, c := range cases {
		path := filepath.Join(dir, "s.npy")
		all := values(c.rows * c.cols)
		if err := WriteFile(path, []int{c.rows, c.cols}, all); err != nil {
			t.Fatal(err)
		}
		want, _, err := ReadFile(path)
		if err != nil || !sameBits(want, all) {
			t.Fatalf("ReadFile: %v", err)
		}
		for _, dstRows := range []int{1, 2, 3, 64, c.rows, c.rows + 10} {
			for _, extra := range []int{0, c.cols - 1} {
				dst := make([]float64, dstRows*c.cols+extra)
				dst32 := make([]float32, len(dst))
				r, err := Open(path)
				if err != nil {
					t.Fatal(err)
				}
				r32, err := Open(path)
				if err != nil {
					t.Fatal(err)
				}
				var got []float64
				for {
					n, err := r.ReadRows(dst)
					n32, err32 := r32.ReadRowsFloat32(dst32)
					if n != n32 || err != err32 {
						t.Fatalf("ReadRows gave %d,%v but ReadRowsFloat32 %d,%v", n, err, n32, err32)
					}
					if err == io.EOF {
						if n != 0 {
							t.Fatalf("EOF with %d rows", n)
						}
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if wantN := min(c.rows-len(got)/c.cols, dstRows); n != wantN {
						t.Fatalf("%dx%d dst %d rows: ReadRows returned %d rows, want %d", c.rows, c.cols, dstRows, n, wantN)
					}
					got = append(got, dst[:n*c.cols]...)
					for i := range n * c.cols {
						if dst32[i] != float32(dst[i]) && !math.IsNaN(dst[i]) {
							t.Fatalf("float32 value %d = %v, float64 %v", i, dst32[i], dst[i])
						}
					}
				}
				if !sameBits(got, want) {
					t.Fatalf("%dx%d dst %d rows: streamed rows differ from ReadFile", c.rows, c.cols, dstRows)
				}
				if n, err := r.ReadRows(dst); n != 0 || err != io.EOF {
					t.Fatalf("read past EOF = %d, %v", n, err)
				}
				r.Close()
				r32.Close()
			}
		}
	}
}

// TestZeroWidthRows checks a (4, 0) array yields its 4 empty rows once, then
// io.EOF, even into an empty destination.
func TestZeroWidthRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.npy")
	if err := WriteFile(path, []int{4, 0}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, err := r.ReadRows(nil); n != 4 || err != nil {
		t.Fatalf("first read = %d, %v; want 4, nil", n, err)
	}
	if n, err := r.ReadRows(nil); n != 0 || err != io.EOF {
		t.Fatalf("second read = %d, %v; want 0, EOF", n, err)
	}
}

// TestReadRowsDoesNotAllocate checks reading streams through the Reader's
// fixed buffers: no allocation per call, whatever the file size.
func TestReadRowsDoesNotAllocate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.npy")
	if err := WriteFileFloat32(path, []int{1000, 50}, values32(50000)); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dst, dst32 := make([]float64, 2*50), make([]float32, 3*50)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := r.ReadRows(dst); err != nil {
			t.Fatal(err)
		}
		if _, err := r.ReadRowsFloat32(dst32); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per read, want 0", allocs)
	}
}
