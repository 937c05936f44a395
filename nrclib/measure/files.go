package measure

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/membudget"
	"github.com/deepnrc/deepnrc/nrclib/npy"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/stats"
)

// LayerFiles names the files of one probed layer: its input features
// (N×d, one row per sample, the same row order as the targets) and,
// optionally, its weight.
type LayerFiles struct {
	Name     string
	Features string
	// Weight is empty when unknown. A 2-D weight is a Linear layer's,
	// out×in (PyTorch's layout); a 4-D weight (.npy only) is a conv
	// kernel, c_out×c_in×kh×kw.
	Weight string
}

// FileSpec describes a measurement from files: .npy (float32 or float64,
// C order, 1-D or 2-D) or .csv (numbers separated by commas, semicolons or
// tabs; an optional first row of column names is skipped). The input
// contract — what is read, what is refused and why — is docs/input-contract.md.
type FileSpec struct {
	// Targets holds Y (N×t, or a 1-D array of N values for t = 1).
	Targets string
	// Layers in network order.
	Layers []LayerFiles
	// ChunkRows is the number of rows read at a time (0 means 4096), so
	// memory stays bounded however large the files are.
	ChunkRows int
	// SkipOrientationCheck turns off the check that a square weight is
	// not passed transposed (see orient.go); use it when a layer does not
	// feed the next probe directly.
	SkipOrientationCheck bool
}

// DefaultChunkRows is the number of rows FromFiles reads at a time when
// FileSpec.ChunkRows is 0.
const DefaultChunkRows = 4096

// ParseLayerFlag parses "name=features[:weight]", the form of
// `deepnrc measure --layer`.
func ParseLayerFlag(s string) (LayerFiles, error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok || name == "" || rest == "" {
		return LayerFiles{}, fmt.Errorf("measure: --layer %q must look like name=features.npy or name=features.npy:weight.npy", s)
	}
	feat, w, _ := strings.Cut(rest, ":")
	if feat == "" {
		return LayerFiles{}, fmt.Errorf("measure: --layer %q names no features file", s)
	}
	return LayerFiles{Name: name, Features: feat, Weight: w}, nil
}

// rowSource streams rows of a numeric matrix file.
type rowSource interface {
	// Cols returns the row width.
	Cols() int
	// ReadRows fills dst with whole rows and returns how many; io.EOF at
	// the end.
	ReadRows(dst []float64) (int, error)
	Close() error
}

// openRows opens a features or targets file (role says which, for
// messages) and checks its shape: one row per sample, at least one value
// per row. Remarks on how a CSV file was read are appended to notes.
func openRows(path, role string, notes *[]string) (rowSource, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		r, err := npy.Open(path)
		if err != nil {
			return nil, err
		}
		if err := checkMatrixShape(path, role, r.Shape()); err != nil {
			r.Close()
			return nil, err
		}
		return r, nil
	case ".csv":
		return openCSV(path, notes)
	default:
		return nil, fmt.Errorf("measure: %s: unknown file type %q; use .npy (np.save) or .csv", path, filepath.Ext(path))
	}
}

// checkMatrixShape refuses arrays that are not one row per sample with at
// least one value: empty rows, and 3-D or higher arrays, whose flattening
// is a choice the user must make (conv activations are pooled, not
// flattened, in the paper).
func checkMatrixShape(path, role string, shape []int) error {
	switch {
	case len(shape) == 4 && role != "targets":
		return fmt.Errorf("measure: %s (%s) has shape %s, a 4-D array: conv activations (N, C, H, W) are measured "+
			"pooled, one C-vector per sample as in the paper: save h.mean(axis=(2, 3)) (N×C; for channels-last (N, H, W, C) "+
			"use axis=(1, 2)), or h.reshape(len(h), -1) if you mean to measure all C·H·W values (memory grows as (C·H·W)²)",
			path, role, shapeText(shape))
	case len(shape) > 2:
		what := "one row of values per sample"
		if role == "targets" {
			what = "(N,) or (N, t): one row of targets per sample"
		}
		return fmt.Errorf("measure: %s (%s) has shape %s, a %d-D array; %s is needed: save a 2-D array, "+
			"h.reshape(len(h), -1) to flatten the trailing axes or a mean over them to pool", path, role, shapeText(shape), len(shape), what)
	}
	cols := 1
	for _, d := range shape[1:] {
		cols *= d
	}
	if cols == 0 {
		return fmt.Errorf("measure: %s (%s) has shape %s: no values per sample; every sample needs at least one %s",
			path, role, shapeText(shape), map[bool]string{true: "target", false: "feature"}[role == "targets"])
	}
	return nil
}

// shapeText writes a shape the way NumPy prints it.
func shapeText(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// readMatrix reads a whole (small) matrix file, a weight, checking the
// memory it needs first, and returns its values and shape.
func readMatrix(path, what string) ([]float64, []int, error) {
	if strings.ToLower(filepath.Ext(path)) == ".npy" {
		return npy.ReadFileChecked(path, func(shape []int) error {
			need := int64(8 * 3) // values, the weight matrix, its Gram matrix
			for _, d := range shape {
				need = membudget.Mul(need, int64(d))
			}
			if err := membudget.Check(fmt.Sprintf("%s %s of shape %s", what, path, shapeText(shape)), need,
				"check that this is the right file (its header may be corrupt)"); err != nil {
				return fmt.Errorf("measure: %w", err)
			}
			return nil
		})
	}
	var notes []string
	src, err := openRows(path, what, &notes)
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	var data []float64
	buf := make([]float64, src.Cols()*256)
	rows := 0
	for {
		n, err := src.ReadRows(buf)
		data = append(data, buf[:n*src.Cols()]...)
		rows += n
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return data, []int{rows, src.Cols()}, nil
}

// LoadWeight reads a layer weight file (see LayerFiles.Weight) for a probe
// of the given width.
func LoadWeight(path string, width int) (*nrc.Weight, error) {
	w, _, err := loadWeight(path, "", width)
	return w, err
}

// loadWeight is LoadWeight naming the layer in errors. For a square weight
// it also returns the m×m out×in matrix whose orientation can be checked
// (the kernel summed over its taps for a conv), else nil.
func loadWeight(path, layer string, width int) (*nrc.Weight, []float64, error) {
	what := "weight"
	if layer != "" {
		what = "weight of layer " + layer
	}
	data, shape, err := readMatrix(path, what)
	if err != nil {
		return nil, nil, err
	}
	if i := firstNonFinite(data); i >= 0 {
		at := fmt.Sprintf("value %d", i)
		if len(shape) >= 2 {
			cols := len(data) / max(shape[0], 1)
			at = fmt.Sprintf("row %d, column %d", i/cols+1, i%cols+1)
		}
		return nil, nil, fmt.Errorf("measure: %s %s: %s is %v: the model diverged or the file is corrupt; export the weight of a finite model",
			what, path, at, data[i])
	}
	switch len(shape) {
	case 2:
		out, in := shape[0], shape[1]
		if in != width {
			if out == width {
				return nil, nil, fmt.Errorf("measure: %s %s is %d×%d but the layer's input width is %d: weights must be out×in (PyTorch's layout); save its transpose (W.T)", what, path, out, in, width)
			}
			return nil, nil, fmt.Errorf("measure: %s %s is %d×%d but the layer's input width is %d: pass the weight of the layer whose input was probed", what, path, out, in, width)
		}
		w, err := nrc.DenseWeight(out, in, data)
		if err != nil || out != in {
			return w, nil, err
		}
		return w, data, nil
	case 4:
		if shape[1] != width {
			return nil, nil, fmt.Errorf("measure: conv kernel %s (%s) has shape %v but the layer has %d input channels: kernels must be c_out×c_in×kh×kw (PyTorch's layout)", path, what, shape, width)
		}
		w, err := nrc.ConvWeightOIHW(shape[0], shape[1], shape[2], shape[3], data)
		if err != nil || shape[0] != shape[1] {
			return w, nil, err
		}
		m, taps := shape[0], shape[2]*shape[3]
		sum := make([]float64, m*m)
		for o := 0; o < m; o++ {
			for i := 0; i < m; i++ {
				for s := 0; s < taps; s++ {
					sum[o*m+i] += data[(o*m+i)*taps+s]
				}
			}
		}
		return w, sum, nil
	default:
		return nil, nil, fmt.Errorf("measure: %s %s has shape %v: want 2-D (out×in) or 4-D (c_out×c_in×kh×kw)", what, path, shape)
	}
}

// firstNonFinite returns the index of the first NaN or ±Inf in v, or −1.
func firstNonFinite(v []float64) int {
	for i, x := range v {
		if x-x != 0 { // NaN or ±Inf
			return i
		}
	}
	return -1
}

// FromFiles streams the targets and every layer's features in lockstep,
// chunk by chunk, and returns the Deep NRC report. Memory is bounded by
// ChunkRows times the total width plus the per-layer statistics, whatever
// N is; that memory is computed first and checked against the budget of
// package membudget. Row counts that differ between files are an error
// naming them; a NaN or Inf is an error naming its file, row and column.
func FromFiles(spec FileSpec, opt nrc.Options) (*nrc.Report, error) {
	if spec.Targets == "" {
		return nil, errors.New("measure: no targets file: pass --targets Y.npy")
	}
	if len(spec.Layers) == 0 {
		return nil, errors.New("measure: no layers: pass at least one --layer name=features.npy")
	}
	seen := map[string]bool{}
	for _, l := range spec.Layers {
		if seen[l.Name] {
			return nil, fmt.Errorf("measure: layer name %q given twice", l.Name)
		}
		seen[l.Name] = true
	}
	var notes []string
	ysrc, err := openRows(spec.Targets, "targets", &notes)
	if err != nil {
		return nil, err
	}
	defer ysrc.Close()
	t := ysrc.Cols()
	srcs := make([]rowSource, len(spec.Layers))
	names := make([]string, len(spec.Layers))
	widths := make([]int, len(spec.Layers))
	for i, l := range spec.Layers {
		s, err := openRows(l.Features, "features of layer "+l.Name, &notes)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		srcs[i], names[i], widths[i] = s, l.Name, s.Cols()
	}
	chunk := spec.ChunkRows
	if chunk <= 0 {
		chunk = DefaultChunkRows
	}
	if r, ok := ysrc.(*npy.Reader); ok {
		chunk = min(chunk, max(r.Rows(), 1)) // no buffer larger than the data
	}
	if err := checkPassMemory(spec, widths, t, chunk); err != nil {
		return nil, err
	}
	weights := make([]*nrc.Weight, len(spec.Layers))
	var checks []*orientCheck
	for i, l := range spec.Layers {
		if l.Weight == "" {
			continue
		}
		var square []float64
		if weights[i], square, err = loadWeight(l.Weight, l.Name, widths[i]); err != nil {
			return nil, err
		}
		switch m := widths[i]; {
		case square == nil:
		case spec.SkipOrientationCheck:
			notes = append(notes, fmt.Sprintf("%s: the orientation of the square weight %s (%d×%d) was not checked (orientation check turned off)", l.Name, l.Weight, m, m))
		case i+1 < len(spec.Layers) && widths[i+1] == m:
			checks = append(checks, newOrientCheck(i, i+1, m, square))
		default:
			notes = append(notes, uncheckedNote(l, m))
		}
	}
	pass := NewPass(names, widths, t)
	ybuf := make([]float64, chunk*t)
	hbufs := make([][]float64, len(srcs))
	for i, s := range srcs {
		hbufs[i] = make([]float64, chunk*s.Cols())
	}
	total := 0
	for {
		ny, yerr := readFull(ysrc, ybuf)
		if yerr != nil && !errors.Is(yerr, io.EOF) {
			return nil, yerr
		}
		for i, s := range srcs {
			got, err := readFull(s, hbufs[i][:ny*s.Cols()])
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			if got < ny {
				return nil, fmt.Errorf("measure: %s has %d rows but the targets %s have more: every file needs one row per sample, in the same order", spec.Layers[i].Features, total+got, spec.Targets)
			}
			if ny > 0 {
				if err := pass.AddBatch64(i, hbufs[i][:ny*s.Cols()], ybuf[:ny*t], ny); err != nil {
					return nil, locateNonFinite(err, spec, i, total)
				}
			}
		}
		for _, c := range checks {
			c.add(hbufs[c.layer][:ny*c.m], hbufs[c.next][:ny*c.m], ny)
		}
		total += ny
		if errors.Is(yerr, io.EOF) || ny == 0 {
			break
		}
	}
	for _, c := range checks {
		note, err := c.verdict(spec)
		if err != nil {
			return nil, err
		}
		notes = append(notes, note)
	}
	for i, s := range srcs {
		if n, err := s.ReadRows(hbufs[i][:max(s.Cols(), 1)*min(1, chunk)]); n > 0 || (err != nil && !errors.Is(err, io.EOF)) {
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, fmt.Errorf("measure: %s has more rows than the %d target rows in %s: every file needs one row per sample", spec.Layers[i].Features, total, spec.Targets)
		}
	}
	for _, s := range append([]rowSource{ysrc}, srcs...) {
		if c, ok := s.(*csvRows); ok {
			notes = append(notes, c.endNotes()...)
		}
	}
	rep, err := pass.Report(weights, opt)
	if err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes, notes...)
	return rep, nil
}

// readFull reads whole rows into dst until it is full or the source ends.
func readFull(s rowSource, dst []float64) (int, error) {
	cols := s.Cols()
	got := 0
	for got*cols < len(dst) {
		n, err := s.ReadRows(dst[got*cols:])
		got += n
		if err != nil {
			return got, err
		}
		if n == 0 {
			return got, io.EOF
		}
	}
	return got, nil
}

// locateNonFinite rewrites a statistics error about a NaN or Inf in a
// batch into one naming the file, its 1-based row and column, and the fix.
func locateNonFinite(err error, spec FileSpec, layer, rowOffset int) error {
	var nf *stats.NonFiniteError
	if !errors.As(err, &nf) {
		return err
	}
	file, what := spec.Layers[layer].Features, "feature"
	if nf.Target {
		file, what = spec.Targets, "target"
	}
	return fmt.Errorf("measure: %s: row %d, column %d (1-based) holds the %s value %v: remove or impute non-finite values "+
		"(drop the same rows from every file, or replace them, e.g. with np.nan_to_num) and measure again",
		file, rowOffset+nf.Row+1, nf.Col+1, what, nf.Value)
}

// checkPassMemory sizes the statistics, buffers and metric computation of
// a pass and refuses one over the memory budget, naming the widest layer.
func checkPassMemory(spec FileSpec, widths []int, t, chunk int) error {
	need := int64(0)
	sumW, widest := int64(t), 0
	for i, d := range widths {
		need = membudget.Add(need, stats.Bytes(d, t))
		sumW += int64(d)
		if d > widths[widest] {
			widest = i
		}
	}
	d := widths[widest]
	need = membudget.Add(need, stats.ScratchBytes(d, t), nrc.LayerBytes(d, t), membudget.Mul(8, int64(chunk), sumW))
	what := fmt.Sprintf("measuring %d layer(s) of widths %v with t = %d targets, %d rows at a time", len(widths), widths, t, chunk)
	fix := fmt.Sprintf("the statistics grow as the square of the width: layer %s (%s) has d = %d features per sample; "+
		"pool conv activations to one C-vector per sample (h.mean(axis=(2, 3))), or measure fewer or narrower layers",
		spec.Layers[widest].Name, spec.Layers[widest].Features, d)
	if bufs := membudget.Mul(8, int64(chunk), sumW); bufs < 0 || bufs > need/2 {
		fix = fmt.Sprintf("lower --chunk-rows (now %d; %d is plenty)", chunk, DefaultChunkRows)
	}
	if err := membudget.Check(what, need, fix); err != nil {
		return fmt.Errorf("measure: %w", err)
	}
	return nil
}
