package npy

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// python returns the path of a Python 3 interpreter that can import numpy,
// or skips the test.
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import numpy").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with numpy; install it (Debian: apt-get install python3-numpy) to run the interoperability test")
	return ""
}

func runPython(t *testing.T, py, script string, args ...string) string {
	t.Helper()
	out, err := exec.Command(py, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python failed: %v\n%s", err, out)
	}
	return string(out)
}

// pyFormula and goFormula give the value pattern both sides generate: exact in float32 and
// float64, with NaN, ±Inf and -0 in front.
const pyFormula = `
import numpy as np, sys, os
def vals(n, dt):
    i = np.arange(n, dtype=np.float64)
    v = (i % 13 - 6) / 4 + i / 1024
    sp = [np.nan, np.inf, -np.inf, -0.0]
    v[:min(n, 4)] = sp[:min(n, 4)]
    return v.astype(dt)
`

func goFormula(n int) []float64 {
	v := make([]float64, n)
	// NumPy's nan has the bits 0x7ff8000000000000; Go's math.NaN differs in
	// the low bit.
	sp := []float64{math.Float64frombits(0x7ff8000000000000), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)}
	for i := range v {
		if i < len(sp) {
			v[i] = sp[i]
		} else {
			v[i] = float64(i%13-6)/4 + float64(i)/1024
		}
	}
	return v
}

// TestNumPyWritesWeRead has NumPy write files of every supported kind, plus
// ones this package must refuse, and reads them.
func TestNumPyWritesWeRead(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	runPython(t, py, pyFormula+`
d = sys.argv[1]
from numpy.lib import format as F
np.save(os.path.join(d, "f8_2d.npy"), vals(12, '<f8').reshape(3, 4))
np.save(os.path.join(d, "f4_3d.npy"), vals(30, '<f4').reshape(2, 3, 5))
np.save(os.path.join(d, "f8_1d.npy"), vals(6, '<f8'))
np.save(os.path.join(d, "f4_empty.npy"), np.zeros((0, 3), '<f4'))
np.save(os.path.join(d, "f8_view.npy"), vals(40, '<f8').reshape(4, 10)[:, ::2])
for ver in [(1, 0), (2, 0), (3, 0)]:
    with open(os.path.join(d, "v%d.npy" % ver[0]), "wb") as f:
        F.write_array(f, vals(8, '<f4').reshape(4, 2), version=ver)
np.save(os.path.join(d, "bad_be.npy"), vals(6, '>f8'))
np.save(os.path.join(d, "bad_int.npy"), np.arange(6))
np.save(os.path.join(d, "fortran_2d.npy"), np.asfortranarray(vals(6, '<f8').reshape(2, 3)))
np.save(os.path.join(d, "fortran_3d.npy"), np.asfortranarray(vals(30, '<f4').reshape(2, 3, 5)))
np.save(os.path.join(d, "transposed.npy"), vals(12, '<f8').reshape(3, 4).T)
np.save(os.path.join(d, "bad_obj.npy"), np.array([1, "a"], dtype=object), allow_pickle=True)
np.save(os.path.join(d, "bad_scalar.npy"), np.float64(3.5))
np.save(os.path.join(d, "bad_half.npy"), vals(6, '<f2'))
np.save(os.path.join(d, "bad_rec.npy"), np.zeros(3, dtype=[('a', '<f8'), ('b', '<f4')]))
`, dir)

	transposed := make([]float64, 12)
	for r := 0; r < 3; r++ {
		for c := 0; c < 4; c++ {
			transposed[c*3+r] = goFormula(12)[r*4+c]
		}
	}
	viewWant := goFormula(40)
	var view []float64
	for r := 0; r < 4; r++ {
		for c := 0; c < 10; c += 2 {
			view = append(view, viewWant[10*r+c])
		}
	}
	good := []struct {
		name  string
		shape []int
		want  []float64
		dtype string
	}{
		{"f8_2d", []int{3, 4}, goFormula(12), Float64},
		{"f4_3d", []int{2, 3, 5}, goFormula(30), Float32},
		{"f8_1d", []int{6}, goFormula(6), Float64},
		{"f4_empty", []int{0, 3}, []float64{}, Float32},
		{"f8_view", []int{4, 5}, view, Float64},
		{"v1", []int{4, 2}, goFormula(8), Float32},
		{"v2", []int{4, 2}, goFormula(8), Float32},
		{"v3", []int{4, 2}, goFormula(8), Float32},
		// Fortran order (np.save of a transposed view such as W.T) is
		// reordered by the whole-file readers; Open, which streams rows,
		// refuses it.
		{"fortran_2d", []int{2, 3}, goFormula(6), Float64},
		{"fortran_3d", []int{2, 3, 5}, goFormula(30), Float32},
		{"transposed", []int{4, 3}, transposed, Float64},
	}
	for _, g := range good {
		path := filepath.Join(dir, g.name+".npy")
		got, shape, err := ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", g.name, err)
			continue
		}
		if !slices.Equal(shape, g.shape) || !sameBits(got, g.want) {
			t.Errorf("%s: got %v %v, want %v %v", g.name, shape, got, g.shape, g.want)
		}
		if strings.HasPrefix(g.name, "fortran") || g.name == "transposed" {
			_, err := Open(path)
			checkErr(t, g.name, err, ErrUnsupported, path, "Fortran", "ascontiguousarray")
			if g32, _, err := ReadFileFloat32(path); err != nil || len(g32) != len(g.want) || float64(g32[len(g32)-1]) != float64(float32(g.want[len(g.want)-1])) {
				t.Errorf("%s: ReadFileFloat32 %v, %v", g.name, g32, err)
			}
			continue
		}
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if r.DType() != g.dtype {
			t.Errorf("%s: dtype %s, want %s", g.name, r.DType(), g.dtype)
		}
		r.Close()
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "v2.npy"))
	if raw[6] != 2 {
		t.Errorf("NumPy did not write version 2.0 (got %d)", raw[6])
	}

	bad := map[string]string{
		"bad_be": "big-endian", "bad_int": "signed integer",
		"bad_obj": "Python object", "bad_scalar": "0-dimensional", "bad_half": "2-byte float",
		"bad_rec": "structured",
	}
	for name, frag := range bad {
		path := filepath.Join(dir, name+".npy")
		_, _, err := ReadFile(path)
		checkErr(t, name, err, ErrUnsupported, path, frag)
	}
}

// TestWeWriteNumPyReads writes files with this package and has NumPy load
// them (also memory-mapped, which checks the size against the header) and
// compare every value bit for bit against its own copy of the formula.
func TestWeWriteNumPyReads(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(WriteFile(filepath.Join(dir, "f8_3d.npy"), []int{2, 3, 4}, goFormula(24)))
	f32 := make([]float32, 5)
	for i, v := range goFormula(5) {
		f32[i] = float32(v)
	}
	must(WriteFileFloat32(filepath.Join(dir, "f4_1d.npy"), []int{5}, f32))
	must(WriteFile(filepath.Join(dir, "f8_empty.npy"), []int{0, 2}, nil))
	w, err := Create(filepath.Join(dir, "stream.npy"), 7, Float32)
	must(err)
	all := goFormula(1001 * 7)
	for at := 0; at < len(all); at += 7 * 50 {
		must(w.WriteRows(all[at:min(at+7*50, len(all))]))
	}
	must(w.Close())
	w, err = Create(filepath.Join(dir, "stream_empty.npy"), 3, Float64)
	must(err)
	must(w.Close())

	out := runPython(t, py, pyFormula+`
d = sys.argv[1]
def check(name, want):
    for mode in (None, 'r'):
        a = np.load(os.path.join(d, name), allow_pickle=False, mmap_mode=mode)
        assert a.dtype == want.dtype, (name, a.dtype, want.dtype)
        assert a.shape == want.shape, (name, a.shape, want.shape)
        assert a.flags.c_contiguous
        assert a.tobytes() == want.tobytes(), name
    print("ok", name)
check("f8_3d.npy", vals(24, '<f8').reshape(2, 3, 4))
check("f4_1d.npy", vals(5, '<f4'))
check("f8_empty.npy", np.zeros((0, 2), '<f8'))
check("stream.npy", vals(1001 * 7, '<f4').reshape(1001, 7))
check("stream_empty.npy", np.zeros((0, 3), '<f8'))
`, dir)
	if strings.Count(out, "ok ") != 5 {
		t.Fatalf("NumPy checks did not all pass:\n%s", out)
	}
}

// TestGoldenMatchesNumPy checks WriteFile's bytes equal np.save's for the
// golden (2, 3) array.
func TestGoldenMatchesNumPy(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	runPython(t, py, `
import numpy as np, sys, os
np.save(os.path.join(sys.argv[1], "np.npy"), np.array([[1, 2, .5], [-1, 0, 4]], dtype='<f8'))
`, dir)
	ours := filepath.Join(dir, "go.npy")
	if err := WriteFile(ours, []int{2, 3}, []float64{1, 2, 0.5, -1, 0, 4}); err != nil {
		t.Fatal(err)
	}
	a, errA := os.ReadFile(filepath.Join(dir, "np.npy"))
	b, errB := os.ReadFile(ours)
	if err := errors.Join(errA, errB); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("bytes differ:\nnumpy %q\n   go %q", a, b)
	}
}
