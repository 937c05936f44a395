package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/npy"
)

// writeCarla writes n frames of h×w×3 where every pixel of frame i equals
// i, and a target matrix of k columns with column 0 = i and column 10 =
// 100 − 2i, so the pairing of frames and targets can be checked after the
// shuffle.
func writeCarla(t *testing.T, dir string, n, h, w, k int) (images, targets string) {
	t.Helper()
	images, targets = filepath.Join(dir, "images.npy"), filepath.Join(dir, "targets.npy")
	x := make([]float32, n*h*w*3)
	for i := 0; i < n; i++ {
		for j := 0; j < h*w*3; j++ {
			x[i*h*w*3+j] = float32(i)
		}
	}
	y := make([]float64, n*k)
	for i := 0; i < n; i++ {
		y[i*k] = float64(i)
		if k > 10 {
			y[i*k+10] = 100 - 2*float64(i)
		}
	}
	if err := npy.WriteFileFloat32(images, []int{n, h, w, 3}, x); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(targets, []int{n, k}, y); err != nil {
		t.Fatal(err)
	}
	return images, targets
}

func TestLoadCarlaNPY(t *testing.T) {
	const n, h, w = 25, 8, 10
	images, targets := writeCarla(t, t.TempDir(), n, h, w, 12)
	ds, err := LoadCarlaNPY(images, targets, 0, PaperSplitSeed)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.N != 20 || ds.Test.N != 5 || ds.TargetDim != 2 || fmt.Sprint(ds.InputShape) != "[8 10 3]" {
		t.Fatalf("N %d/%d t=%d shape %v", ds.Train.N, ds.Test.N, ds.TargetDim, ds.InputShape)
	}
	per := h * w * 3
	seen := map[int]bool{}
	for _, sp := range []Split{ds.Train, ds.Test} {
		for r := 0; r < sp.N; r++ {
			i := int(sp.X[r*per])
			if sp.X[(r+1)*per-1] != float32(i) {
				t.Fatalf("frame %d not copied whole", i)
			}
			seen[i] = true
			// Min-max over all frames: column 0 runs 0..24, column 10 runs 100..52.
			if y0, y1 := sp.Y[2*r], sp.Y[2*r+1]; math.Abs(float64(y0)-float64(i)/24) > 1e-6 || math.Abs(float64(y1)-(1-float64(i)/24)) > 1e-6 {
				t.Fatalf("frame %d has targets %v, %v; want %v, %v", i, y0, y1, float64(i)/24, 1-float64(i)/24)
			}
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct frames in the splits, want %d", len(seen), n)
	}
	lim, err := LoadCarlaNPY(images, targets, 10, PaperSplitSeed)
	if err != nil || lim.Train.N+lim.Test.N != 10 {
		t.Fatalf("limit 10: %v, %d samples", err, lim.Train.N+lim.Test.N)
	}
	// Min-max over the 10 frames used, not all 25.
	for r := 0; r < lim.Train.N; r++ {
		if i := lim.Train.X[r*per]; i > 9 || math.Abs(float64(lim.Train.Y[2*r])-float64(i)/9) > 1e-6 {
			t.Fatalf("limited load: frame %v target %v", i, lim.Train.Y[2*r])
		}
	}
}

// writeRawNPY writes a version-1.0 .npy with the given descr and shape and
// raw data bytes.
func writeRawNPY(t *testing.T, path, descr, shape string, payload []byte) {
	t.Helper()
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	hlen := (10 + len(dict) + 1 + 63) / 64 * 64
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(hlen-10))
	b.WriteString(dict)
	for b.Len() < hlen-1 {
		b.WriteByte(' ')
	}
	b.WriteByte('\n')
	b.Write(payload)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadCarlaNPYErrors(t *testing.T) {
	t.Run("uint8 frames", func(t *testing.T) {
		dir := t.TempDir()
		images, targets := writeCarla(t, dir, 4, 8, 8, 11)
		writeRawNPY(t, images, "|u1", "(4, 8, 8, 3)", make([]byte, 4*8*8*3))
		_, err := LoadCarlaNPY(images, targets, 0, 42)
		if !errors.Is(err, npy.ErrUnsupported) || !strings.Contains(err.Error(), images) || !strings.Contains(err.Error(), "astype(np.float32)") {
			t.Errorf("want an unsupported-dtype error naming the file and the conversion, got %v", err)
		}
	})
	t.Run("NCHW frames", func(t *testing.T) {
		dir := t.TempDir()
		images, targets := writeCarla(t, dir, 4, 8, 8, 11)
		if err := npy.WriteFileFloat32(images, []int{4, 3, 8, 8}, make([]float32, 4*3*8*8)); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCarlaNPY(images, targets, 0, 42)
		wantFileError(t, err, images, 0, 0, "[4 3 8 8]", "NHWC")
	})
	t.Run("3-d frames", func(t *testing.T) {
		dir := t.TempDir()
		images, targets := writeCarla(t, dir, 4, 8, 8, 11)
		if err := npy.WriteFileFloat32(images, []int{4, 8, 24}, make([]float32, 4*8*24)); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCarlaNPY(images, targets, 0, 42)
		wantFileError(t, err, images, 0, 0, "expected (N, H, W, 3)")
	})
	t.Run("too few target columns", func(t *testing.T) {
		images, targets := writeCarla(t, t.TempDir(), 4, 8, 8, 5)
		_, err := LoadCarlaNPY(images, targets, 0, 42)
		wantFileError(t, err, targets, 0, 0, "[4 5]", "K > 10")
	})
	t.Run("row mismatch", func(t *testing.T) {
		dir := t.TempDir()
		images, targets := writeCarla(t, dir, 4, 8, 8, 11)
		if err := npy.WriteFile(targets, []int{5, 11}, make([]float64, 55)); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCarlaNPY(images, targets, 0, 42)
		wantFileError(t, err, images, 0, 0, "holds 4 images", "5 target rows")
	})
	t.Run("NaN target", func(t *testing.T) {
		dir := t.TempDir()
		images, targets := writeCarla(t, dir, 4, 8, 8, 11)
		y := make([]float64, 44)
		y[2*11+10] = math.NaN()
		if err := npy.WriteFile(targets, []int{4, 11}, y); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCarlaNPY(images, targets, 0, 42)
		wantFileError(t, err, targets, 3, 11, "not finite")
	})
	t.Run("empty file", func(t *testing.T) {
		dir := t.TempDir()
		images, targets := writeCarla(t, dir, 4, 8, 8, 11)
		os.WriteFile(images, nil, 0o644)
		_, err := LoadCarlaNPY(images, targets, 0, 42)
		if !errors.Is(err, npy.ErrFormat) || !strings.Contains(err.Error(), images) {
			t.Errorf("want a format error naming %s, got %v", images, err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		dir := t.TempDir()
		_, err := LoadCarlaNPY(filepath.Join(dir, "images.npy"), filepath.Join(dir, "targets.npy"), 0, 42)
		wantFileError(t, err, filepath.Join(dir, "targets.npy"), 0, 0, "not found", "carla2d/images.npy")
	})
}

// writeJPEG writes a w×h JPEG of one colour.
func writeJPEG(t *testing.T, path string, w, h int, c color.RGBA) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUTKFaceAge(t *testing.T) {
	for name, want := range map[string]int{
		"25_0_1_20170116174525125.jpg.chip.jpg": 25, "1_1_2_x.jpg": 1, "/a/b/116_0_0_1.jpg": 116,
	} {
		if a, ok := UTKFaceAge(name); !ok || a != want {
			t.Errorf("UTKFaceAge(%q) = %d, %v; want %d", name, a, ok, want)
		}
	}
	for _, name := range []string{"face.jpg", "_1_2.jpg", "x5_0_1.jpg"} {
		if _, ok := UTKFaceAge(name); ok {
			t.Errorf("UTKFaceAge(%q) accepted", name)
		}
	}
}

func TestLoadUTKFaceDir(t *testing.T) {
	dir := t.TempDir()
	// Age a is drawn in grey level 2a, so each image's pixels identify it.
	ages := []int{3, 20, 35, 61, 90}
	for i, a := range ages {
		writeJPEG(t, filepath.Join(dir, fmt.Sprintf("%d_%d_0_2017011617452512%d.jpg.chip.jpg", a, i%2, i)), 24+i, 20, color.RGBA{uint8(2 * a), uint8(2 * a), uint8(2 * a), 255})
	}
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("ignored"), 0o644)
	ds, err := LoadUTKFaceDir(dir, 6, 0, PaperSplitSeed)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.N != 4 || ds.Test.N != 1 || fmt.Sprint(ds.InputShape) != "[6 6 3]" || ds.TargetDim != 1 {
		t.Fatalf("N %d/%d shape %v t %d", ds.Train.N, ds.Test.N, ds.InputShape, ds.TargetDim)
	}
	got := map[int]bool{}
	for _, sp := range []Split{ds.Train, ds.Test} {
		for r := 0; r < sp.N; r++ {
			age := float64(sp.Y[r])
			want := float32(2*age/127.5 - 1) // grey 2a mapped to [−1, 1]
			for j := 0; j < 6*6*3; j++ {
				if v := sp.X[r*108+j]; math.Abs(float64(v-want)) > 4.0/127.5 {
					t.Fatalf("age %v: pixel %d = %v, want %v ± 4/127.5", age, j, v, want)
				}
			}
			got[int(age)] = true
		}
	}
	for _, a := range ages {
		if !got[a] {
			t.Errorf("age %d missing from the splits (got %v)", a, got)
		}
	}
	sub, err := LoadUTKFaceDir(dir, 4, 3, PaperSplitSeed)
	if err != nil || sub.Train.N+sub.Test.N != 3 {
		t.Errorf("limit 3: %v", err)
	}
}

func TestLoadUTKFaceDirErrors(t *testing.T) {
	t.Run("missing directory", func(t *testing.T) {
		d := filepath.Join(t.TempDir(), "utkface")
		_, err := LoadUTKFaceDir(d, 8, 0, 42)
		wantFileError(t, err, d, 0, 0, "directory not found", "age_gender_race_date.jpg")
	})
	t.Run("no images", func(t *testing.T) {
		d := t.TempDir()
		_, err := LoadUTKFaceDir(d, 8, 0, 42)
		wantFileError(t, err, d, 0, 0, "holds 0 JPEG files")
	})
	t.Run("bad name", func(t *testing.T) {
		d := t.TempDir()
		writeJPEG(t, filepath.Join(d, "20_0_0_1.jpg"), 8, 8, color.RGBA{A: 255})
		writeJPEG(t, filepath.Join(d, "portrait.jpg"), 8, 8, color.RGBA{A: 255})
		_, err := LoadUTKFaceDir(d, 8, 0, 42)
		wantFileError(t, err, filepath.Join(d, "portrait.jpg"), 0, 0, "rename")
	})
	t.Run("corrupt jpeg", func(t *testing.T) {
		d := t.TempDir()
		writeJPEG(t, filepath.Join(d, "20_0_0_1.jpg"), 8, 8, color.RGBA{A: 255})
		os.WriteFile(filepath.Join(d, "30_0_0_1.jpg"), []byte("not a jpeg"), 0o644)
		_, err := LoadUTKFaceDir(d, 8, 0, 42)
		wantFileError(t, err, filepath.Join(d, "30_0_0_1.jpg"), 0, 0, "not a readable JPEG")
	})
}
