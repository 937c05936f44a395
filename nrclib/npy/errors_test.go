package npy

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const okDict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n"

// checkErr asserts err is of class kind, names path, and mentions every
// fragment.
func checkErr(t *testing.T, what string, err, kind error, path string, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("%s: error %q is not %v", what, err, kind)
	}
	msg := err.Error()
	if !strings.Contains(msg, path) {
		t.Errorf("%s: error %q does not name the file %s", what, msg, path)
	}
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("%s: error %q does not mention %q", what, msg, f)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	six := le64(1, 2, 3, 4, 5, 6)
	dict := func(descr, fortran, shape string) string {
		return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n"
	}
	cases := []struct {
		name      string
		file      []byte
		kind      error
		fragments []string
	}{
		{"empty", nil, ErrFormat, []string{"empty"}},
		{"text", []byte("hello, world\n"), ErrFormat, []string{"magic", "np.save"}},
		{"npz", []byte("PK\x03\x04\x14\x00\x00\x00"), ErrFormat, []string{"zip", "npz"}},
		{"short-preamble", []byte("\x93NUM"), ErrFormat, []string{"ends after 4 bytes"}},
		{"no-length", []byte("\x93NUMPY\x01\x00\x40"), ErrFormat, []string{"header length"}},
		{"version-4", fixture(4, 0, okDict, six), ErrUnsupported, []string{"version 4.0"}},
		{"version-1.1", fixture(1, 1, okDict, six), ErrUnsupported, []string{"version 1.1", "1.0, 2.0 and 3.0"}},
		{"version-0", fixture(0, 0, okDict, six), ErrUnsupported, []string{"version 0.0"}},
		{"header-cut", fixture(1, 0, okDict, nil)[:40], ErrFormat, []string{"ends inside the header", "30 of 60"}},
		{"huge-header", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{"), ErrFormat, []string{"implausibly large"}},
		{"garbage-header", fixture(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3\n", six), ErrFormat, []string{"cannot parse the header"}},
		{"binary-header", fixture(1, 0, "\x00\x01\x02\x03", six), ErrFormat, []string{"cannot parse the header", "dict"}},
		{"big-endian", fixture(1, 0, dict("'>f8'", "False", "(2, 3)"), six), ErrUnsupported, []string{`">f8"`, "big-endian", "np.ascontiguousarray(a, dtype=np.float32)"}},
		{"native-order", fixture(1, 0, dict("'=f8'", "False", "(2, 3)"), six), ErrUnsupported, []string{`"=f8"`, "native-byte-order"}},
		{"int64", fixture(1, 0, dict("'<i8'", "False", "(2, 3)"), six), ErrUnsupported, []string{"signed integer", "'<f4'"}},
		{"float16", fixture(1, 0, dict("'<f2'", "False", "(2, 3)"), six), ErrUnsupported, []string{"2-byte float"}},
		{"object", fixture(1, 0, dict("'|O'", "False", "(2, 3)"), six), ErrUnsupported, []string{"Python object"}},
		{"structured", fixture(1, 0, dict("[('a', '<f8'), ('b', '<f8')]", "False", "(3,)"), six), ErrUnsupported, []string{"structured"}},
		{"fortran", fixture(1, 0, dict("'<f8'", "True", "(2, 3)"), six), ErrUnsupported, []string{"Fortran", "(2, 3)", "np.ascontiguousarray(a)"}},
		{"scalar", fixture(1, 0, dict("'<f8'", "False", "()"), le64(1)), ErrUnsupported, []string{"0-dimensional", "np.atleast_1d"}},
		{"truncated", fixture(1, 0, okDict, six[:8*5]), ErrTruncated, []string{"needs 2 rows", "40 data bytes", "only 1 complete rows"}},
		{"truncated-to-none", fixture(1, 0, okDict, nil), ErrTruncated, []string{"only 0 complete rows"}},
		{"trailing", fixture(1, 0, okDict, append(six, 0, 0, 0)), ErrFormat, []string{"3 bytes after the data", "(2, 3)"}},
		{"overflow", fixture(1, 0, dict("'<f8'", "False", "(4611686018427387904, 4611686018427387904)"), nil), ErrFormat, []string{"too many elements"}},
	}
	for _, c := range cases {
		path := writeTemp(t, c.name+".npy", c.file)
		r, err := Open(path)
		if err == nil {
			r.Close()
		}
		checkErr(t, c.name, err, c.kind, path, c.fragments...)
		if c.name == "fortran" {
			continue // read whole and reordered by ReadFile (TestNumPyWritesWeRead)
		}
		// ReadFile and ReadFileFloat32 report the same problem.
		_, _, err64 := ReadFile(path)
		_, _, err32 := ReadFileFloat32(path)
		if err == nil || err64 == nil || err32 == nil || err64.Error() != err.Error() || err32.Error() != err.Error() {
			t.Errorf("%s: ReadFile gave %v and ReadFileFloat32 %v, Open %v", c.name, err64, err32, err)
		}
	}
}

func TestOpenMissing(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "absent.npy"), filepath.Join(dir, "no-such-dir", "x.npy")} {
		_, err := Open(path)
		checkErr(t, "missing", err, fs.ErrNotExist, path, "check that the file and its directory exist")
		_, _, err = ReadFile(path)
		checkErr(t, "missing ReadFile", err, fs.ErrNotExist, path)
	}
}

func TestReaderMisuse(t *testing.T) {
	path := writeTemp(t, "ok.npy", fixture(1, 0, okDict, le64(1, 2, 3, 4, 5, 6)))
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.ReadRows(make([]float64, 2))
	if n != 0 {
		t.Errorf("short destination read %d rows", n)
	}
	checkErr(t, "short dst", err, nil, path, "less than one row of 3", "Cols()")
	_, err = r.ReadRowsFloat32(make([]float32, 0))
	checkErr(t, "empty dst", err, nil, path, "less than one row")
	// The reader is still usable after a misuse error.
	dst := make([]float64, 3)
	if n, err := r.ReadRows(dst); n != 1 || err != nil || dst[2] != 3 {
		t.Fatalf("ReadRows after misuse = %d, %v, %v", n, err, dst)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	_, err = r.ReadRows(dst)
	checkErr(t, "after close", err, nil, path, "after Close")
}

// TestStreamErrorsWithoutSize feeds files through a FIFO, where Open cannot
// learn the size, so truncation and trailing bytes must be caught while
// reading.
func TestStreamErrorsWithoutSize(t *testing.T) {
	if !canMkfifo {
		t.Skip("named pipes are not available on this platform")
	}
	header := fixture(1, 0, okDict, nil)
	cases := []struct {
		name      string
		data      []byte
		wantRows  int // rows returned without error
		kind      error
		fragments []string
	}{
		{"complete", le64(1, 2, 3, 4, 5, 6), 2, nil, nil},
		{"truncated", le64(1, 2, 3, 4), 1, ErrTruncated, []string{"only 1 complete rows", "32 data bytes"}},
		{"trailing", append(le64(1, 2, 3, 4, 5, 6), 9), 2, ErrFormat, []string{"bytes after the data"}},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "pipe.npy")
		if err := mkfifo(path); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				done <- err
				return
			}
			_, err = f.Write(append(append([]byte(nil), header...), c.data...))
			f.Close()
			done <- err
		}()
		r, err := Open(path)
		if err != nil {
			t.Fatalf("%s: Open: %v", c.name, err)
		}
		dst := make([]float64, 3) // one row per call
		rows := 0
		for {
			n, rerr := r.ReadRows(dst)
			rows += n
			if rerr != nil {
				err = rerr
				break
			}
		}
		if _, again := r.ReadRows(dst); again != err {
			t.Errorf("%s: read after the end gave %v, want the same %v", c.name, again, err)
		}
		r.Close()
		if werr := <-done; werr != nil {
			t.Fatal(werr)
		}
		if rows != c.wantRows {
			t.Errorf("%s: read %d rows before the error, want %d", c.name, rows, c.wantRows)
		}
		if c.kind == nil {
			if err != io.EOF {
				t.Errorf("%s: ended with %v, want io.EOF", c.name, err)
			}
			continue
		}
		checkErr(t, c.name, err, c.kind, path, c.fragments...)
	}
}

// A pipe whose header claims 10^11 rows but sends 32 is read whole without
// allocating what the header claims: ReadFile grows as the data arrives
// and reports the truncation.
func TestReadFileLyingPipeHeader(t *testing.T) {
	if !canMkfifo {
		t.Skip("named pipes are not available on this platform")
	}
	header := fixture(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 16), }\n", nil)
	data := make([]float64, 32*16)
	for i := range data {
		data[i] = float64(i)
	}
	for _, read := range []func(string) error{
		func(p string) error { _, _, err := ReadFile(p); return err },
		func(p string) error { _, _, err := ReadFileFloat32(p); return err },
	} {
		path := filepath.Join(t.TempDir(), "w.npy")
		if err := mkfifo(path); err != nil {
			t.Fatal(err)
		}
		go func() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			f.Write(append(append([]byte(nil), header...), le64(data...)...))
			f.Close()
		}()
		checkErr(t, "lying pipe header", read(path), ErrTruncated, path, "only 32 complete rows")
	}
}
