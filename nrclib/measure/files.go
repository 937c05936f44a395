package measure

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/npy"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
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
// C order) or .csv (numbers separated by commas; an optional first row of
// column names is skipped).
type FileSpec struct {
	// Targets holds Y (N×t, or a 1-D array of N values for t = 1).
	Targets string
	// Layers in network order.
	Layers []LayerFiles
	// ChunkRows is the number of rows read at a time (0 means 4096), so
	// memory stays bounded however large the files are.
	ChunkRows int
}

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

func openRows(path string) (rowSource, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		r, err := npy.Open(path)
		if err != nil {
			return nil, err
		}
		return r, nil
	case ".csv":
		return openCSV(path)
	default:
		return nil, fmt.Errorf("measure: %s: unknown file type %q; use .npy (np.save) or .csv", path, filepath.Ext(path))
	}
}

// csvRows streams a numeric CSV file.
type csvRows struct {
	path    string
	f       *os.File
	r       *csv.Reader
	cols    int
	line    int
	pending []string
}

func openCSV(path string) (*csvRows, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("measure: %w", err)
	}
	c := &csvRows{path: path, f: f, r: csv.NewReader(f)}
	c.r.ReuseRecord = false
	c.r.FieldsPerRecord = -1
	c.r.TrimLeadingSpace = true
	first, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		f.Close()
		return nil, fmt.Errorf("measure: %s is empty: it needs one row per sample", path)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("measure: %s: %w", path, err)
	}
	c.line = 1
	c.cols = len(first)
	if _, err := strconv.ParseFloat(strings.TrimSpace(first[0]), 64); err != nil {
		// A header row: skip it.
		c.line = 1
	} else {
		c.pending = first
		c.line = 0
	}
	return c, nil
}

func (c *csvRows) Cols() int { return c.cols }

func (c *csvRows) ReadRows(dst []float64) (int, error) {
	max := len(dst) / c.cols
	n := 0
	for n < max {
		var rec []string
		if c.pending != nil {
			rec, c.pending = c.pending, nil
		} else {
			var err error
			rec, err = c.r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return n, fmt.Errorf("measure: %s: %w", c.path, err)
			}
		}
		c.line++
		if len(rec) != c.cols {
			return n, fmt.Errorf("measure: %s line %d has %d columns, the first row has %d: every row needs the same number of values", c.path, c.line, len(rec), c.cols)
		}
		for j, s := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return n, fmt.Errorf("measure: %s line %d, column %d: %q is not a number", c.path, c.line, j+1, s)
			}
			dst[n*c.cols+j] = v
		}
		n++
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (c *csvRows) Close() error { return c.f.Close() }

// readAll reads a whole (small) matrix file and its shape.
func readAll(path string) ([]float64, []int, error) {
	if strings.ToLower(filepath.Ext(path)) == ".npy" {
		return npy.ReadFile(path)
	}
	src, err := openRows(path)
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
	data, shape, err := readAll(path)
	if err != nil {
		return nil, err
	}
	switch len(shape) {
	case 2:
		out, in := shape[0], shape[1]
		if in != width {
			if out == width {
				return nil, fmt.Errorf("measure: weight %s is %d×%d but the layer's input width is %d: weights must be out×in (PyTorch's layout); save its transpose (W.T)", path, out, in, width)
			}
			return nil, fmt.Errorf("measure: weight %s is %d×%d but the layer's input width is %d: pass the weight of the layer whose input was probed", path, out, in, width)
		}
		return nrc.DenseWeight(out, in, data)
	case 4:
		if shape[1] != width {
			return nil, fmt.Errorf("measure: conv kernel %s has shape %v but the layer has %d input channels: kernels must be c_out×c_in×kh×kw (PyTorch's layout)", path, shape, width)
		}
		return nrc.ConvWeightOIHW(shape[0], shape[1], shape[2], shape[3], data)
	default:
		return nil, fmt.Errorf("measure: weight %s has shape %v: want 2-D (out×in) or 4-D (c_out×c_in×kh×kw)", path, shape)
	}
}

// FromFiles streams the targets and every layer's features in lockstep,
// chunk by chunk, and returns the Deep NRC report. Memory is bounded by
// ChunkRows times the total width plus the per-layer statistics, whatever
// N is. Row counts that differ between files are an error naming them.
func FromFiles(spec FileSpec, opt nrc.Options) (*nrc.Report, error) {
	if spec.Targets == "" {
		return nil, errors.New("measure: no targets file: pass --targets Y.npy")
	}
	if len(spec.Layers) == 0 {
		return nil, errors.New("measure: no layers: pass at least one --layer name=features.npy")
	}
	chunk := spec.ChunkRows
	if chunk <= 0 {
		chunk = 4096
	}
	ysrc, err := openRows(spec.Targets)
	if err != nil {
		return nil, err
	}
	defer ysrc.Close()
	t := ysrc.Cols()
	srcs := make([]rowSource, len(spec.Layers))
	names := make([]string, len(spec.Layers))
	widths := make([]int, len(spec.Layers))
	seen := map[string]bool{}
	for i, l := range spec.Layers {
		if seen[l.Name] {
			return nil, fmt.Errorf("measure: layer name %q given twice", l.Name)
		}
		seen[l.Name] = true
		s, err := openRows(l.Features)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		srcs[i], names[i], widths[i] = s, l.Name, s.Cols()
	}
	pass := NewPass(names, widths, t)
	ybuf := make([]float64, chunk*t)
	hbufs := make([][]float64, len(srcs))
	for i, s := range srcs {
		hbufs[i] = make([]float64, chunk*s.Cols())
	}
	total := 0
	for {
		ny, yerr := ysrc.ReadRows(ybuf)
		if yerr != nil && !errors.Is(yerr, io.EOF) {
			return nil, yerr
		}
		for i, s := range srcs {
			// Read exactly ny rows (a reader may return fewer per call).
			got := 0
			for got < ny {
				n, err := s.ReadRows(hbufs[i][got*s.Cols() : ny*s.Cols()])
				got += n
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return nil, err
				}
			}
			if got < ny {
				return nil, fmt.Errorf("measure: %s has %d rows but the targets %s have more: every file needs one row per sample, in the same order", spec.Layers[i].Features, total+got, spec.Targets)
			}
			if ny > 0 {
				if err := pass.AddBatch64(i, hbufs[i][:ny*s.Cols()], ybuf[:ny*t], ny); err != nil {
					return nil, err
				}
			}
		}
		total += ny
		if errors.Is(yerr, io.EOF) || ny == 0 {
			break
		}
	}
	for i, s := range srcs {
		if n, err := s.ReadRows(hbufs[i]); n > 0 || (err != nil && !errors.Is(err, io.EOF)) {
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, fmt.Errorf("measure: %s has more rows than the %d target rows in %s: every file needs one row per sample", spec.Layers[i].Features, total, spec.Targets)
		}
	}
	weights := make([]*nrc.Weight, len(spec.Layers))
	for i, l := range spec.Layers {
		if l.Weight == "" {
			continue
		}
		if weights[i], err = LoadWeight(l.Weight, widths[i]); err != nil {
			return nil, err
		}
	}
	return pass.Report(weights, opt)
}
