package data

import (
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/draw"

	"github.com/deepnrc/deepnrc/nrclib/npy"
)

// placement routes each of n source rows to its position in the train or
// the test split.
type placement struct {
	toTrain []bool
	at      []int
	nTrain  int
	nTest   int
}

// newPlacement inverts a train/test index split of n rows.
func newPlacement(n int, train, test []int) placement {
	p := placement{toTrain: make([]bool, n), at: make([]int, n), nTrain: len(train), nTest: len(test)}
	for i, r := range train {
		p.toTrain[r], p.at[r] = true, i
	}
	for i, r := range test {
		p.at[r] = i
	}
	return p
}

// rowDst returns the destination slice of source row r (cols values) in
// the train or test buffer.
func (p placement) rowDst(r, cols int, train, test []float32) []float32 {
	if p.toTrain[r] {
		return train[p.at[r]*cols : (p.at[r]+1)*cols]
	}
	return test[p.at[r]*cols : (p.at[r]+1)*cols]
}

// CarlaTargetColumns are the columns of the CIL target array used as the two
// Carla2D targets (steer and speed in the CIL layout, as the paper's code
// selects them).
var CarlaTargetColumns = []int{0, 10}

// CarlaDefaultRows is the number of leading samples the paper uses.
const CarlaDefaultRows = 50000

// LoadCarlaNPY loads Carla2D from two .npy files: images (N×H×W×3, float32
// or float64, pixel values used as stored — the paper does not normalise
// them) and targets (N×K with K > 10, from which CarlaTargetColumns are
// taken; a K = 2 array is taken as already selected). The first limit
// samples are used (limit ≤ 0: CarlaDefaultRows). Each target is min-max
// scaled to [0, 1] over the samples used, then the data is split 80/20 with
// ShuffledSplit(n, splitSeed). The images are streamed straight into their
// split, so memory holds the data once.
func LoadCarlaNPY(imagesPath, targetsPath string, limit int, splitSeed uint64) (*Dataset, error) {
	if limit <= 0 {
		limit = CarlaDefaultRows
	}
	tr, err := npy.Open(targetsPath)
	if err != nil {
		return nil, carlaNPYError(targetsPath, err)
	}
	defer tr.Close()
	ts := tr.Shape()
	if len(ts) != 2 || (ts[1] != 2 && ts[1] <= CarlaTargetColumns[1]) {
		return nil, &FileError{File: targetsPath,
			Problem: fmt.Sprintf("target array has shape %v, expected (N, K) with K > %d (or K = 2 already selected)", ts, CarlaTargetColumns[1]),
			Fix:     "save the CIL target matrix (one row per frame) with np.save, or the two columns steer, speed as an (N, 2) array"}
	}
	ir, err := npy.Open(imagesPath)
	if err != nil {
		return nil, carlaNPYError(imagesPath, err)
	}
	defer ir.Close()
	is := ir.Shape()
	if len(is) != 4 || is[3] != 3 || is[1] < 8 || is[2] < 8 {
		return nil, &FileError{File: imagesPath,
			Problem: fmt.Sprintf("image array has shape %v, expected (N, H, W, 3) channels-last with H, W ≥ 8", is),
			Fix:     "save the frames as one N×H×W×3 array (np.transpose an NCHW array to NHWC first)"}
	}
	if is[0] != ts[0] {
		return nil, &FileError{File: imagesPath,
			Problem: fmt.Sprintf("holds %d images but %s holds %d target rows", is[0], targetsPath, ts[0]),
			Fix:     "the two files must hold the same frames in the same order; re-export them together"}
	}
	n := min(limit, is[0])
	if n < 2 {
		return nil, &FileError{File: imagesPath, Problem: fmt.Sprintf("only %d samples", n), Fix: "export at least 2 frames"}
	}
	// Targets: read the first n rows, select the two columns.
	k := ts[1]
	all := make([]float64, n*k)
	if err := readRows64(tr, all, n); err != nil {
		return nil, carlaNPYError(targetsPath, err)
	}
	y := make([]float64, n*2)
	cols := CarlaTargetColumns
	if k == 2 {
		cols = []int{0, 1}
	}
	for i := 0; i < n; i++ {
		for j, c := range cols {
			v := all[i*k+c]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, &FileError{File: targetsPath, Row: i + 1, Col: c + 1, Problem: fmt.Sprintf("target %v is not finite", v),
					Fix: "drop or repair the frames with NaN/Inf targets before export"}
			}
			y[i*2+j] = v
		}
	}
	ysc := FitMinMax(y, 2, nil)
	train, test := ShuffledSplit(n, splitSeed)
	pl := newPlacement(n, train, test)
	per := is[1] * is[2] * 3
	ds := &Dataset{
		Name:         "carla2d",
		Description:  fmt.Sprintf("Carla2D (CIL) camera frames %d×%d×3 from %s, targets columns %v of %s min-max scaled to [0,1]; first %d samples, 80/20 split (seed %d).", is[1], is[2], filepath.Base(imagesPath), cols, filepath.Base(targetsPath), n, splitSeed),
		InputShape:   []int{is[1], is[2], 3},
		TargetDim:    2,
		Train:        Split{X: make([]float32, len(train)*per), Y: ysc.apply(y, 2, train), N: len(train)},
		Test:         Split{X: make([]float32, len(test)*per), Y: ysc.apply(y, 2, test), N: len(test)},
		TargetScaler: ysc,
		Files:        []string{imagesPath, targetsPath},
	}
	buf := make([]float32, per*max(1, (1<<20)/per))
	for r := 0; r < n; {
		want := min(len(buf)/per, n-r)
		got, err := ir.ReadRowsFloat32(buf[:want*per])
		if err != nil && !(errors.Is(err, io.EOF) && got > 0) {
			return nil, carlaNPYError(imagesPath, err)
		}
		for i := 0; i < got; i++ {
			row := buf[i*per : (i+1)*per]
			for j, v := range row {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, &FileError{File: imagesPath, Row: r + i + 1, Col: j + 1, Problem: "pixel value is not finite",
						Fix: "re-export the frames; pixel values must be finite"}
				}
			}
			copy(pl.rowDst(r+i, per, ds.Train.X, ds.Test.X), row)
		}
		r += got
	}
	return ds, nil
}

// readRows64 reads exactly n rows from r into dst.
func readRows64(r *npy.Reader, dst []float64, n int) error {
	cols := r.Cols()
	for done := 0; done < n; {
		got, err := r.ReadRows(dst[done*cols : n*cols])
		done += got
		if err != nil && done < n {
			return err
		}
	}
	return nil
}

// carlaNPYError adds the Carla-specific fix to an npy error.
func carlaNPYError(path string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &FileError{File: path, Problem: "file not found", Fix: carlaHowTo}
	case errors.Is(err, npy.ErrUnsupported):
		return fmt.Errorf("%w; Carla2D needs float32 or float64 arrays: convert uint8 frames with "+
			"np.save(path, np.load(path).astype(np.float32))", err)
	}
	return err
}

// UTKFaceDefaultSize is the side the paper's code resizes UTKFace images to.
const UTKFaceDefaultSize = 128

// UTKFaceAge parses the age from a UTKFace file name of the form
// age_gender_race_date.jpg (the cropped release also ends in .chip.jpg).
// It returns ok == false when the name does not start with an integer age
// followed by '_'.
func UTKFaceAge(name string) (age int, ok bool) {
	base := filepath.Base(name)
	i := strings.IndexByte(base, '_')
	if i <= 0 {
		return 0, false
	}
	a, err := strconv.Atoi(base[:i])
	if err != nil || a < 0 {
		return 0, false
	}
	return a, true
}

// isJPEGName reports whether a file name has a JPEG extension.
func isJPEGName(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".jpg" || ext == ".jpeg"
}

// LoadUTKFaceDir loads UTKFace from a folder of JPEG files named
// age_gender_race_date.jpg (other files are ignored). Files are taken in
// name order; when limit > 0 and fewer than all are wanted, a seeded subset
// of limit files is used. Each image is decoded with image/jpeg, resized to
// size×size (size ≤ 0: UTKFaceDefaultSize) with a bilinear filter, scaled
// to [−1, 1] as Normalize(0.5, 0.5) does, and stored NHWC. The target is
// the raw age in years, unscaled. The split is ShuffledSplit(n, splitSeed).
func LoadUTKFaceDir(dir string, size, limit int, splitSeed uint64) (*Dataset, error) {
	if size <= 0 {
		size = UTKFaceDefaultSize
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &FileError{File: dir, Problem: "directory not found", Fix: utkHowTo}
		}
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && isJPEGName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	if len(names) < 2 {
		return nil, &FileError{File: dir, Problem: fmt.Sprintf("holds %d JPEG files, need at least 2", len(names)), Fix: utkHowTo}
	}
	sort.Strings(names)
	if limit > 0 && limit < len(names) {
		p := Permutation(len(names), splitSeed)[:limit]
		sort.Ints(p)
		sub := make([]string, limit)
		for i, j := range p {
			sub[i] = names[j]
		}
		names = sub
	}
	n := len(names)
	y := make([]float64, n)
	for i, name := range names {
		age, ok := UTKFaceAge(name)
		if !ok || age < 1 || age > 130 {
			return nil, &FileError{File: filepath.Join(dir, name),
				Problem: "file name does not start with an age in years (1–130) followed by '_'",
				Fix:     "UTKFace files are named age_gender_race_date.jpg; rename the file or move it out of the folder"}
		}
		y[i] = float64(age)
	}
	train, test := ShuffledSplit(n, splitSeed)
	pl := newPlacement(n, train, test)
	per := size * size * 3
	ds := &Dataset{
		Name:         "utkface",
		Description:  fmt.Sprintf("UTKFace faces from %s resized to %d×%d×3 and scaled to [−1,1]; target = raw age in years; %d images, 80/20 split (seed %d).", dir, size, size, n, splitSeed),
		InputShape:   []int{size, size, 3},
		TargetDim:    1,
		Train:        Split{X: make([]float32, len(train)*per), Y: Identity(1).apply(y, 1, train), N: len(train)},
		Test:         Split{X: make([]float32, len(test)*per), Y: Identity(1).apply(y, 1, test), N: len(test)},
		TargetScaler: Identity(1),
		Files:        []string{dir},
	}
	var mu sync.Mutex
	var firstErr error
	firstAt := n
	parallelFor(n, func(i int) {
		path := filepath.Join(dir, names[i])
		if err := decodeResize(path, size, pl.rowDst(i, per, ds.Train.X, ds.Test.X)); err != nil {
			mu.Lock()
			if i < firstAt {
				firstErr, firstAt = err, i
			}
			mu.Unlock()
		}
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return ds, nil
}

// decodeResize decodes the JPEG at path, resizes it to size×size and writes
// it NHWC into dst scaled to [−1, 1].
func decodeResize(path string, size int, dst []float32) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	src, err := jpeg.Decode(f)
	if err != nil {
		return &FileError{File: path, Problem: "not a readable JPEG: " + err.Error(),
			Fix: "re-download the image or remove it from the folder"}
	}
	rgba := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.BiLinear.Scale(rgba, rgba.Bounds(), src, src.Bounds(), draw.Src, nil)
	for p := 0; p < size*size; p++ {
		for k := 0; k < 3; k++ {
			dst[p*3+k] = float32(rgba.Pix[p*4+k])/127.5 - 1
		}
	}
	return nil
}
